//! Resolving key days and windows to calendar dates, given recorded events; which
//! obligations are in force on a date; which bind a party.

use std::collections::HashMap;

use verity_vocab::Date;

use crate::model::{Agreement, KeyDay, Obligation, Occurrence, Offset, Party, TimeExpr, Window};

/// Adds an offset to a date: years, then months (clamping the day to the end of the
/// target month), then days. `None` if the result leaves jiff's date range.
pub fn add_offset(date: Date, offset: Offset) -> Option<Date> {
    let months_total =
        i64::from(date.month()) - 1 + i64::from(offset.years) * 12 + i64::from(offset.months);
    let year = i64::from(date.year()) + months_total.div_euclid(12);
    let month = months_total.rem_euclid(12) + 1;
    let year = i16::try_from(year).ok()?;
    let month = i8::try_from(month).ok()?;
    let first = Date::new(year, month, 1).ok()?;
    let day = date.day().min(first.days_in_month());
    let moved = Date::new(year, month, day).ok()?;
    // `try_days` (not `days`) so an absurd offset is `None`, never a panic.
    let span = jiff::Span::new().try_days(i64::from(offset.days)).ok()?;
    moved.checked_add(span).ok()
}

/// A key day resolved against recorded events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedKeyDay {
    pub id: String,
    pub name: String,
    /// `None` while the day depends on an event that has not (yet) been recorded, or
    /// when it is out of range.
    pub date: Option<Date>,
    /// The day's base date is known but its offset takes it out of the calendar (past
    /// 9999-12-31): an error in the agreement or the evidence, not a day still to come.
    pub out_of_range: bool,
}

/// The key days of an agreement resolved against a set of recorded occurrences. Keeps
/// the occurrences, so windows that name events directly resolve the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDays {
    days: Vec<ResolvedKeyDay>,
    occurrences: Vec<Occurrence>,
    /// The same occurrences with party names replaced by lower-case party ids.
    canonical: Vec<Occurrence>,
    /// party id (lower case) → ids of the groups that contain it, transitively.
    groups_of: HashMap<String, Vec<String>>,
}

impl KeyDays {
    /// The resolved days, in the agreement's order.
    pub fn iter(&self) -> impl Iterator<Item = &ResolvedKeyDay> {
        self.days.iter()
    }

    /// The date of a key day by id; `None` if unknown or unresolved.
    pub fn get(&self, id: &str) -> Option<Date> {
        self.days.iter().find(|d| d.id == id).and_then(|d| d.date)
    }

    /// The key days whose dates leave the calendar.
    pub fn out_of_range(&self) -> impl Iterator<Item = &ResolvedKeyDay> {
        self.days.iter().filter(|d| d.out_of_range)
    }

    /// The occurrences these key days were resolved against.
    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// Resolves any time expression of the agreement.
    pub fn resolve(&self, expr: &TimeExpr) -> Option<Date> {
        let day = |id: &str| match self.days.iter().find(|d| d.id == id) {
            Some(d) if d.out_of_range => Eval::Overflow,
            Some(ResolvedKeyDay { date: Some(d), .. }) => Eval::Known(*d),
            _ => Eval::Pending,
        };
        eval(expr, &day, &self.canonical, &self.groups_of).date()
    }

    /// Resolves a window to `(from, until)`. `until` is `None` both for an open-ended
    /// window and for one whose end depends on an event not yet recorded.
    pub fn window(&self, w: &Window) -> (Option<Date>, Option<Date>) {
        (
            self.resolve(&w.from),
            w.until.as_ref().and_then(|u| self.resolve(u)),
        )
    }

    /// Whether an obligation's window contains `date`: started (its start resolves to a
    /// date on or before `date`) and not ended (no end, an end not yet resolvable, or an
    /// end after `date`). The end date itself is outside the window.
    pub fn in_force(&self, w: &Window, date: Date) -> bool {
        let (from, until) = self.window(w);
        match from {
            Some(f) if f <= date => until.is_none_or(|u| date < u),
            _ => false,
        }
    }
}

fn party_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Whether the occurrence's party satisfies `wanted` (same party, or `wanted` is a
/// group that contains it).
fn occurrence_party_matches(
    occ_party: &str,
    wanted: &str,
    groups_of: &HashMap<String, Vec<String>>,
) -> bool {
    let occ = party_key(occ_party);
    let wanted = party_key(wanted);
    occ == wanted || groups_of.get(&occ).is_some_and(|gs| gs.contains(&wanted))
}

/// A time expression evaluated: a date, not yet known (an event not recorded), or out of
/// the calendar (a known date plus an offset that leaves jiff's range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eval {
    Known(Date),
    Pending,
    Overflow,
}

impl Eval {
    fn date(self) -> Option<Date> {
        match self {
            Eval::Known(d) => Some(d),
            Eval::Pending | Eval::Overflow => None,
        }
    }

    fn plus(base: Option<Date>, plus: Offset) -> Eval {
        match base {
            None => Eval::Pending,
            Some(d) => add_offset(d, plus).map_or(Eval::Overflow, Eval::Known),
        }
    }
}

fn eval(
    expr: &TimeExpr,
    day: &dyn Fn(&str) -> Eval,
    occurrences: &[Occurrence],
    groups_of: &HashMap<String, Vec<String>>,
) -> Eval {
    match expr {
        TimeExpr::Date(d) => Eval::Known(*d),
        TimeExpr::Day { day: id, plus } => match day(id) {
            Eval::Known(d) => Eval::plus(Some(d), *plus),
            other => other,
        },
        TimeExpr::Event { event, party, plus } => Eval::plus(
            occurrences
                .iter()
                .filter(|o| o.event == event.id)
                .filter(|o| {
                    party
                        .as_deref()
                        .is_none_or(|p| occurrence_party_matches(&o.party, p, groups_of))
                })
                .map(|o| o.date)
                .min(),
            *plus,
        ),
        // An alternative that cannot be resolved is an event not (yet) recorded: it has
        // not happened, so the earliest is the earliest of those that did.
        TimeExpr::EarliestOf(xs) => {
            let Some(all) = alternatives(xs, day, occurrences, groups_of) else {
                return Eval::Overflow;
            };
            all.iter()
                .filter_map(|e| e.date())
                .min()
                .map_or(Eval::Pending, Eval::Known)
        }
        // The latest cannot be known until every alternative has happened.
        TimeExpr::LatestOf(xs) => {
            let Some(all) = alternatives(xs, day, occurrences, groups_of) else {
                return Eval::Overflow;
            };
            all.iter()
                .map(|e| e.date())
                .collect::<Option<Vec<_>>>()
                .and_then(|ds| ds.into_iter().max())
                .map_or(Eval::Pending, Eval::Known)
        }
    }
}

/// The alternatives of an earliest-of or latest-of, evaluated; `None` if one leaves the
/// calendar (the whole expression then does: its date is not merely "later").
fn alternatives(
    xs: &[TimeExpr],
    day: &dyn Fn(&str) -> Eval,
    occurrences: &[Occurrence],
    groups_of: &HashMap<String, Vec<String>>,
) -> Option<Vec<Eval>> {
    let all: Vec<Eval> = xs
        .iter()
        .map(|x| eval(x, day, occurrences, groups_of))
        .collect();
    (!all.contains(&Eval::Overflow)).then_some(all)
}

/// The key days an expression refers to directly or inside earliest/latest-of.
pub(crate) fn referenced_days(expr: &TimeExpr, out: &mut Vec<String>) {
    match expr {
        TimeExpr::Date(_) | TimeExpr::Event { .. } => {}
        TimeExpr::Day { day, .. } => out.push(day.clone()),
        TimeExpr::EarliestOf(xs) | TimeExpr::LatestOf(xs) => {
            for x in xs {
                referenced_days(x, out);
            }
        }
    }
}

impl Agreement {
    /// The occurrences recorded in the file's own `[[history]]`.
    pub fn history(&self) -> Vec<Occurrence> {
        self.history.iter().map(|h| h.occurrence.clone()).collect()
    }

    /// Resolves every key day against the given occurrences (and only those; pass
    /// [`Agreement::history`], evidence, or both concatenated). A day that depends on an
    /// event not in `occurrences` is `None`.
    pub fn resolve_key_days(&self, occurrences: &[Occurrence]) -> KeyDays {
        let groups_of = self.groups_of();
        // Evidence may name a party by id or by name, in any case.
        let canonical: Vec<Occurrence> = occurrences
            .iter()
            .map(|o| Occurrence {
                party: self
                    .party(&o.party)
                    .map_or_else(|| party_key(&o.party), |p| party_key(&p.id)),
                ..o.clone()
            })
            .collect();
        let mut memo: HashMap<&str, Eval> = HashMap::new();
        // Key days are acyclic (checked at parse time); resolve in dependency order by
        // repeated passes, which terminates in at most `n` passes.
        let n = self.key_days.len();
        for _ in 0..=n {
            let mut progressed = false;
            for kd in &self.key_days {
                if memo.contains_key(kd.id.as_str()) {
                    continue;
                }
                let mut deps = Vec::new();
                referenced_days(&kd.when, &mut deps);
                if deps.iter().all(|d| memo.contains_key(d.as_str())) {
                    let lookup = |id: &str| memo.get(id).copied().unwrap_or(Eval::Pending);
                    let date = eval(&kd.when, &lookup, &canonical, &groups_of);
                    memo.insert(kd.id.as_str(), date);
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        KeyDays {
            days: self
                .key_days
                .iter()
                .map(|kd: &KeyDay| {
                    let e = memo.get(kd.id.as_str()).copied().unwrap_or(Eval::Pending);
                    ResolvedKeyDay {
                        id: kd.id.clone(),
                        name: kd.name.clone(),
                        date: e.date(),
                        out_of_range: e == Eval::Overflow,
                    }
                })
                .collect(),
            occurrences: occurrences.to_vec(),
            canonical,
            groups_of,
        }
    }

    /// Finds a party by id or by name, ignoring case.
    pub fn party(&self, id_or_name: &str) -> Option<&Party> {
        let k = party_key(id_or_name);
        self.parties
            .iter()
            .find(|p| party_key(&p.id) == k || party_key(&p.name) == k)
    }

    /// Lower-case party id → ids (lower case) of every group containing it, transitively.
    fn groups_of(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for p in &self.parties {
            let mut stack: Vec<&str> = vec![p.id.as_str()];
            let mut seen: Vec<String> = Vec::new();
            while let Some(cur) = stack.pop() {
                for g in self
                    .parties
                    .iter()
                    .filter(|g| g.members.iter().any(|m| m == cur))
                {
                    let gk = party_key(&g.id);
                    if !seen.contains(&gk) {
                        seen.push(gk);
                        stack.push(g.id.as_str());
                    }
                }
            }
            out.insert(party_key(&p.id), seen);
        }
        out
    }

    /// Whether an obligation binds `party` (an id or name, any case): it is that party's
    /// own, or that of a group the party belongs to (directly or through sub-groups).
    /// `None` if no such party exists in the agreement.
    pub fn binds(&self, obligation: &Obligation, party: &str) -> Option<bool> {
        let p = self.party(party)?;
        let key = party_key(&p.id);
        let ob = party_key(&obligation.party);
        Some(
            ob == key
                || self
                    .groups_of()
                    .get(&key)
                    .is_some_and(|gs| gs.contains(&ob)),
        )
    }

    /// The obligations binding `party` (see [`Agreement::binds`]); `None` if the party is
    /// unknown.
    pub fn obligations_of(&self, party: &str) -> Option<Vec<&Obligation>> {
        let p = self.party(party)?;
        let key = party_key(&p.id);
        let mut groups = self.groups_of().remove(&key).unwrap_or_default();
        groups.push(key);
        Some(
            self.obligations
                .iter()
                .filter(|o| groups.contains(&party_key(&o.party)))
                .collect(),
        )
    }

    /// The obligations in force on `date` (see [`KeyDays::in_force`]).
    pub fn obligations_in_force(&self, date: Date, key_days: &KeyDays) -> Vec<&Obligation> {
        self.obligations
            .iter()
            .filter(|o| key_days.in_force(&o.window, date))
            .collect()
    }

    /// An obligation by id.
    pub fn obligation(&self, id: &str) -> Option<&Obligation> {
        self.obligations.iter().find(|o| o.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    #[test]
    fn offsets_are_years_then_months_then_days_with_month_end_clamp() {
        let o = |years, months, days| Offset {
            years,
            months,
            days,
        };
        assert_eq!(
            add_offset(d("2015-07-20"), o(0, 0, 90)),
            Some(d("2015-10-18"))
        );
        assert_eq!(
            add_offset(d("2015-10-18"), o(8, 0, 0)),
            Some(d("2023-10-18"))
        );
        assert_eq!(
            add_offset(d("2016-01-16"), o(8, 6, 0)),
            Some(d("2024-07-16"))
        );
        assert_eq!(
            add_offset(d("2016-01-31"), o(0, 1, 0)),
            Some(d("2016-02-29"))
        );
        assert_eq!(
            add_offset(d("2016-02-29"), o(1, 0, 0)),
            Some(d("2017-02-28"))
        );
        // Months before days: Jan 31 + 1 month + 1 day = Feb 29 + 1 day = Mar 1.
        assert_eq!(
            add_offset(d("2016-01-31"), o(0, 1, 1)),
            Some(d("2016-03-01"))
        );
        assert_eq!(
            add_offset(d("2016-03-31"), o(0, -1, 0)),
            Some(d("2016-02-29"))
        );
        assert_eq!(add_offset(d("9999-12-01"), o(1, 0, 0)), None);
        assert_eq!(add_offset(d("2016-01-16"), o(0, 0, i32::MAX)), None);
        assert_eq!(add_offset(d("2016-01-16"), o(i32::MAX, i32::MAX, 0)), None);
    }
}
