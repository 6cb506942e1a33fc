//! Located diagnostics: `file:line:col: error: message`.

use std::fmt;

use crate::model::Loc;

/// The class of a problem found in an agreement file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagKind {
    /// Not valid TOML.
    Syntax,
    /// A required field is absent.
    MissingField,
    /// A field this table does not have (often a typo).
    UnknownField,
    /// A value of the wrong type or form.
    BadValue,
    /// A metric id not in the vocabulary.
    UnknownMetric,
    /// An event id not in the vocabulary.
    UnknownEvent,
    /// A unit spelling not in the vocabulary.
    UnknownUnit,
    /// A unit that is not the metric's unit and does not convert to it.
    UnitMismatch,
    /// A party id that is not declared.
    UnknownParty,
    /// A key-day id that is not declared.
    UnknownKeyDay,
    /// Key days that depend on each other in a circle.
    KeyDayCycle,
    /// Groups of parties that contain each other in a circle.
    GroupCycle,
    /// A window whose end is not after its start.
    WindowEndsBeforeStart,
    /// Two parties, key days or obligations with the same id.
    DuplicateId,
}

/// One located problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub loc: Loc,
    pub kind: DiagKind,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.loc.line, self.loc.col, self.message
        )
    }
}

/// Every problem found in a file, in file order. Parsing is all-or-nothing: a file with
/// any diagnostic yields no agreement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether any diagnostic is of this kind.
    pub fn has(&self, kind: DiagKind) -> bool {
        self.0.iter().any(|d| d.kind == kind)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Maps byte offsets to 1-based line and column (columns count characters, not
/// bytes). Line starts are computed once so locating is a binary search.
pub(crate) struct LineIndex<'s> {
    src: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { src, starts }
    }

    pub(crate) fn locate(&self, offset: usize) -> Loc {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let line_start = self.starts[line - 1];
        // Snap back to a char boundary so slicing cannot panic on odd spans.
        let mut end = offset;
        while end > line_start && !self.src.is_char_boundary(end) {
            end -= 1;
        }
        let col = self
            .src
            .get(line_start..end)
            .map_or(1, |s| s.chars().count() + 1);
        Loc { line, col }
    }
}
