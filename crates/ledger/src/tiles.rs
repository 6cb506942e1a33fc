//! The log as C2SP tlog-tiles (c2sp.org/tlog-tiles): hash tiles and entry bundles,
//! their paths, and reading them from a [`LogStorage`].
//!
//! A tile at level `l` holds up to 256 consecutive hashes of the Merkle tree at height
//! `8·l` (level 0: leaf hashes); the store keeps every perfect subtree, so a tile is a
//! run of stored nodes. An entry bundle holds the same leaves' bytes, each with a
//! 2-byte big-endian length, so its entries hash (RFC 6962: SHA-256(0x00 ‖ bytes)) to
//! the level-0 tile.

use std::fmt;

use crate::log::{LogError, LogStorage};
use crate::merkle::NodeId;

/// Hashes (or entries) in a full tile.
pub const WIDTH: u64 = 256;
/// The largest entry a bundle can hold (its length is a big-endian u16).
pub const MAX_ENTRY_BYTES: usize = u16::MAX as usize;

/// What a tile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// Merkle tree hashes at height `8 * level`.
    Hashes { level: u8 },
    /// Entry bundles (the leaves' bytes).
    Entries,
}

/// One tile or bundle: its kind, its index within its level, and, for a partial tile,
/// its width (1 to 255).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub kind: TileKind,
    pub index: u64,
    pub partial: Option<u8>,
}

/// A tile path that is not one of the spec's, or a tile the tree does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("not a tile path: {0}")]
    BadPath(String),
    #[error("the tree of size {size} has no tile {path}")]
    NotInTree { path: String, size: u64 },
}

impl Tile {
    /// Hashes (or entries) in this tile.
    pub fn width(&self) -> u64 {
        self.partial.map_or(WIDTH, u64::from)
    }

    /// Whether the tile is full (and so immutable and cacheable for good).
    pub fn is_full(&self) -> bool {
        self.partial.is_none()
    }

    /// The tile's path under the log's prefix, e.g. `tile/0/x001/234.p/5` or
    /// `tile/entries/067`.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        let mut p = format!("tile/{level}/{}", encode_index(self.index));
        if let Some(w) = self.partial {
            p.push_str(&format!(".p/{w}"));
        }
        p
    }

    /// Parses a path as [`Tile::path`] writes it, strictly: no leading zeros, three
    /// digits per element, `x` on all but the last, a level of at most 63, a partial
    /// width from 1 to 255.
    pub fn parse(path: &str) -> Result<Tile, TileError> {
        let bad = || TileError::BadPath(path.chars().take(200).collect());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            let l = decimal(level).ok_or_else(bad)?;
            if l > 63 {
                return Err(bad());
            }
            TileKind::Hashes {
                level: u8::try_from(l).map_err(|_| bad())?,
            }
        };
        let (index, partial) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let w = decimal(w).ok_or_else(bad)?;
                if !(1..=255).contains(&w) {
                    return Err(bad());
                }
                (i, Some(u8::try_from(w).map_err(|_| bad())?))
            }
            None => (rest, None),
        };
        let parts: Vec<&str> = index.split('/').collect();
        let mut n: u64 = 0;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let digits = if last {
                *part
            } else {
                part.strip_prefix('x').ok_or_else(bad)?
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let d: u64 = digits.parse().map_err(|_| bad())?;
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(d))
                .ok_or_else(bad)?;
        }
        // One encoding per index: no leading all-zero elements (`x000/001` is `001`).
        if parts.len() > 1 && parts[0] == "x000" {
            return Err(bad());
        }
        Ok(Tile {
            kind,
            index: n,
            partial,
        })
    }

    /// The first leaf this tile covers.
    fn first_leaf(&self) -> Option<u64> {
        let level = match self.kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => 0,
        };
        let shift = 8 * u32::from(level + 1);
        self.index.checked_mul(1u64.checked_shl(shift)?)
    }

    /// Whether the tree of `size` leaves has this tile (a partial tile of a smaller
    /// width than the tree's current one is a tile of an earlier size, which it has).
    pub fn in_tree(&self, size: u64) -> bool {
        let level = match self.kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => 0,
        };
        if level > 7 || self.first_leaf().is_none() {
            return false;
        }
        // Complete nodes at this tile level's height.
        let count = size >> (8 * u32::from(level));
        self.index
            .checked_mul(WIDTH)
            .and_then(|s| s.checked_add(self.width()))
            .is_some_and(|end| end <= count)
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// `n` as zero-padded 3-digit path elements, all but the last prefixed `x`:
/// 1234067 → `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        parts.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Every tile and bundle that describes the tree of `size` leaves: the full ones and,
/// at each level, the partial one (if any) of this size's width.
pub fn tiles_for(size: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    for level in 0u8..8 {
        let count = size >> (8 * u32::from(level));
        if count == 0 {
            break;
        }
        let full = count / WIDTH;
        let kinds: &[TileKind] = if level == 0 {
            &[TileKind::Hashes { level: 0 }, TileKind::Entries]
        } else {
            &[TileKind::Hashes { level }]
        };
        for &kind in kinds {
            out.extend((0..full).map(|index| Tile {
                kind,
                index,
                partial: None,
            }));
            let w = count % WIDTH;
            if w > 0 {
                out.push(Tile {
                    kind,
                    index: full,
                    partial: u8::try_from(w).ok(),
                });
            }
        }
    }
    out
}

/// A tile's bytes, read from the store: 32 bytes per hash, or the entry bundle. The
/// tree must have the tile at `size` (normally the tree's current size).
pub fn read<S: LogStorage + ?Sized>(s: &mut S, tile: Tile, size: u64) -> Result<Vec<u8>, TileRead> {
    if !tile.in_tree(size) {
        return Err(TileRead::Tile(TileError::NotInTree {
            path: tile.path(),
            size,
        }));
    }
    let start = tile.index * WIDTH;
    let end = start + tile.width();
    match tile.kind {
        TileKind::Hashes { level } => {
            let ids: Vec<NodeId> = (start..end).map(|i| NodeId::new(8 * level, i)).collect();
            let got = s.nodes(&ids).map_err(|e| TileRead::Log(e.into()))?;
            let mut out = Vec::with_capacity(ids.len() * 32);
            for (id, h) in ids.iter().zip(got) {
                let h = h.ok_or(TileRead::Log(LogError::MissingNode(*id)))?;
                out.extend_from_slice(&h);
            }
            Ok(out)
        }
        TileKind::Entries => {
            let entries = s.entries(start..end).map_err(|e| TileRead::Log(e.into()))?;
            if entries.len() as u64 != end - start {
                return Err(TileRead::Log(LogError::MissingNode(NodeId::new(0, start))));
            }
            Ok(bundle(entries.iter().map(|e| e.data.as_slice())))
        }
    }
}

/// Entries as a bundle: each as a big-endian u16 length and its bytes. (An entry
/// longer than [`MAX_ENTRY_BYTES`] is refused when appended, so it never gets here.)
pub fn bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let n = u16::try_from(e.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(&e[..usize::from(n)]);
    }
    out
}

/// Splits a bundle back into its entries; `None` if it is truncated.
pub fn unbundle(mut data: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (len, rest) = data.split_first_chunk::<2>()?;
        let n = usize::from(u16::from_be_bytes(*len));
        if rest.len() < n {
            return None;
        }
        out.push(&rest[..n]);
        data = &rest[n..];
    }
    Some(out)
}

/// Why a tile could not be read: not in the tree, or the store failed.
#[derive(Debug, thiserror::Error)]
pub enum TileRead {
    #[error(transparent)]
    Tile(#[from] TileError),
    #[error(transparent)]
    Log(LogError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_spec() {
        // The spec's example: index 1234067 → x001/x234/067.
        assert_eq!(encode_index(1_234_067), "x001/x234/067");
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(1000), "x001/000");
        let t = Tile {
            kind: TileKind::Hashes { level: 1 },
            index: 1_234_067,
            partial: Some(5),
        };
        assert_eq!(t.path(), "tile/1/x001/x234/067.p/5");
        assert_eq!(Tile::parse(&t.path()), Ok(t));
        let e = Tile {
            kind: TileKind::Entries,
            index: 67,
            partial: None,
        };
        assert_eq!(e.path(), "tile/entries/067");
        assert_eq!(Tile::parse("tile/entries/067"), Ok(e));
        for bad in [
            "tile/0/67",
            "tile/0/0067",
            "tile/00/067",
            "tile/64/000",
            "tile/0/001/234",
            "tile/0/x000/001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/05",
            "tile/0/000.p/",
            "tile/0/x001/",
            "tiles/0/000",
            "tile/entries/x1/000",
        ] {
            assert!(Tile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_tiles_of_a_tree_are_as_the_spec_counts_them() {
        // "A tree of size 70,000 will be represented by 273 full level 0 tiles, one
        // partial level 0 tile of width 112, one full level 1 tile, one partial level 1
        // tile of width 17, and one partial level 2 tile of width 1."
        let tiles = tiles_for(70_000);
        let hashes = |level: u8| {
            tiles
                .iter()
                .filter(move |t| t.kind == TileKind::Hashes { level })
                .collect::<Vec<_>>()
        };
        let l0 = hashes(0);
        assert_eq!(l0.iter().filter(|t| t.is_full()).count(), 273);
        assert_eq!(l0.last().unwrap().partial, Some(112));
        let l1 = hashes(1);
        assert_eq!(l1.len(), 2);
        assert!(l1[0].is_full());
        assert_eq!(l1[1].partial, Some(17));
        assert_eq!(hashes(2).len(), 1);
        assert_eq!(hashes(2)[0].partial, Some(1));
        assert!(hashes(3).is_empty());
        // Entry bundles mirror level 0.
        assert_eq!(
            tiles.iter().filter(|t| t.kind == TileKind::Entries).count(),
            274
        );
        // "A tree of size 256 will be represented by a full level 0 tile and a partial
        // level 1 tile of width 1."
        let t = tiles_for(256);
        assert_eq!(t.len(), 3);
        assert_eq!(t[2].kind, TileKind::Hashes { level: 1 });
        assert_eq!(t[2].partial, Some(1));
        for tile in tiles_for(70_000) {
            assert!(tile.in_tree(70_000), "{tile}");
        }
        let wider = Tile {
            partial: Some(113),
            ..**l0.last().unwrap()
        };
        assert!(!wider.in_tree(70_000));
    }

    #[test]
    fn bundles_round_trip() {
        let entries: Vec<&[u8]> = vec![b"", b"a", &[7u8; 300]];
        let b = bundle(entries.iter().copied());
        assert_eq!(&b[..2], &[0, 0]);
        assert_eq!(&b[2..5], &[0, 1, b'a']);
        assert_eq!(unbundle(&b), Some(entries));
        assert_eq!(unbundle(&b[..b.len() - 1]), None);
    }
}
