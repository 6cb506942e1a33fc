//! RFC 6962 / RFC 9162 Merkle tree hashing, proof generation and proof verification.
//!
//! The tree over leaves `d[0..n)` is the RFC's MTH: the empty tree hashes to
//! SHA-256 of nothing, a leaf to `SHA-256(0x00 || data)`, an inner node to
//! `SHA-256(0x01 || left || right)`, splitting at the largest power of two
//! strictly below `n`.
//!
//! Proof generation never needs the whole tree: it needs the hashes of a few
//! *perfect* subtrees (aligned, power-of-two sized), named by [`NodeId`]. A store
//! keeps every perfect subtree hash, so a proof is one batched lookup of
//! O(log n) nodes. [`inclusion_plan`] / [`consistency_plan`] say which nodes a proof
//! needs; [`ProofPlan::assemble`] turns the fetched hashes into the proof.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// `SHA-256(0x00 || data)`: the hash of a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// A perfect subtree: the `2^level` leaves starting at `index << level`.
/// Level 0 nodes are leaf hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    /// The first leaf covered.
    pub fn start(self) -> u64 {
        self.index << self.level
    }

    /// One past the last leaf covered.
    pub fn end(self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// Largest power of two strictly less than `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees that tile leaves `[start, end)`, left to right, each as
/// large as alignment allows. For every range the RFC algorithms use, the hash of
/// the range is these nodes folded from the right with [`node_hash`].
pub fn range_cover(mut start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    while start < end {
        let size_bits = 63 - (end - start).leading_zeros();
        let align_bits = if start == 0 {
            63
        } else {
            start.trailing_zeros()
        };
        let level = size_bits.min(align_bits);
        out.push(NodeId::new(level as u8, start >> level));
        start += 1u64 << level;
    }
    out
}

/// The perfect subtrees making up a tree of `size` leaves (its "frontier" or
/// compact range): one per set bit of `size`, largest first.
pub fn frontier(size: u64) -> Vec<NodeId> {
    range_cover(0, size)
}

/// Folds the hashes of a range cover (left to right) into the range's hash.
pub fn fold_cover(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    let mut acc = *last;
    for h in rest.iter().rev() {
        acc = node_hash(h, &acc);
    }
    Some(acc)
}

/// The root of a tree given the hashes of its [`frontier`]; the empty tree's root
/// when there are none.
pub fn root_from_frontier(hashes: &[Hash]) -> Hash {
    fold_cover(hashes).unwrap_or_else(empty_root)
}

/// MTH over leaf hashes held in memory (for tests, small trees and recomputation).
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut acc = FrontierBuilder::default();
    for l in leaves {
        acc.push(*l);
    }
    acc.root()
}

/// Builds a tree incrementally, keeping only the frontier: O(log n) memory.
/// `push` reports every perfect node it completes, so a store can persist them.
#[derive(Debug, Clone, Default)]
pub struct FrontierBuilder {
    size: u64,
    /// Hashes of the frontier nodes, largest (leftmost) first.
    stack: Vec<Hash>,
}

impl FrontierBuilder {
    /// Resumes from a tree of `size` leaves whose [`frontier`] hashes are given.
    pub fn from_frontier(size: u64, hashes: Vec<Hash>) -> Option<FrontierBuilder> {
        (hashes.len() == size.count_ones() as usize).then_some(FrontierBuilder {
            size,
            stack: hashes,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; calls `completed` for the leaf node and every inner
    /// perfect node it completes, bottom up.
    pub fn push_with(&mut self, leaf: Hash, mut completed: impl FnMut(NodeId, &Hash)) {
        let index = self.size;
        completed(NodeId::new(0, index), &leaf);
        let mut acc = leaf;
        let mut level = 0u8;
        // Each trailing one bit of the old size is a left sibling waiting for us.
        let mut i = index;
        while i & 1 == 1 {
            let left = self
                .stack
                .pop()
                .expect("frontier holds one hash per set bit");
            acc = node_hash(&left, &acc);
            level += 1;
            i >>= 1;
            completed(NodeId::new(level, i), &acc);
        }
        self.stack.push(acc);
        self.size += 1;
    }

    pub fn push(&mut self, leaf: Hash) {
        self.push_with(leaf, |_, _| {});
    }

    pub fn root(&self) -> Hash {
        root_from_frontier(&self.stack)
    }

    pub fn frontier_hashes(&self) -> &[Hash] {
        &self.stack
    }
}

/// What a proof consists of: a list of leaf ranges whose hashes, in order, are the
/// proof, plus the perfect nodes needed to compute them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPlan {
    ranges: Vec<(u64, u64)>,
    nodes: Vec<NodeId>,
}

impl ProofPlan {
    fn new(ranges: Vec<(u64, u64)>) -> ProofPlan {
        let mut nodes: Vec<NodeId> = ranges
            .iter()
            .flat_map(|&(a, b)| range_cover(a, b))
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        ProofPlan { ranges, nodes }
    }

    /// The perfect nodes whose hashes [`assemble`](Self::assemble) needs, sorted, no
    /// duplicates. O(log n) of them.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// Builds the proof from the hashes of [`nodes`](Self::nodes) (same order).
    pub fn assemble(&self, hashes: &[Hash]) -> Result<Vec<Hash>, ProofError> {
        if hashes.len() != self.nodes.len() {
            return Err(ProofError::MissingNodes);
        }
        let lookup = |id: NodeId| -> Hash {
            // `nodes` is sorted; the plan only ever asks for ids it listed.
            let pos = self
                .nodes
                .binary_search(&id)
                .expect("range cover node is in the plan");
            hashes[pos]
        };
        Ok(self
            .ranges
            .iter()
            .map(|&(a, b)| {
                let cover: Vec<Hash> = range_cover(a, b).into_iter().map(lookup).collect();
                fold_cover(&cover).expect("proof ranges are non-empty")
            })
            .collect())
    }
}

/// Errors of proof generation and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizesReversed { old: u64, new: u64 },
    #[error("proof has the wrong number of hashes (got {got}, expected {expected})")]
    WrongLength { got: usize, expected: usize },
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("proof does not lead to the old root hash")]
    OldRootMismatch,
    #[error("a consistency proof needs a non-empty old tree (RFC 9162 §2.1.4: 0 < old)")]
    EmptyOldTree,
    #[error("the hashes a proof needs were not all supplied")]
    MissingNodes,
}

/// The plan of the inclusion proof for leaf `index` in a tree of `size` leaves
/// (RFC 9162 §2.1.3.1, PATH), listed from the leaf upward.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut ranges = Vec::new();
    // PATH(m, D[a:b]) recursion unrolled top-down; each step adds the sibling range,
    // which belongs *after* the deeper ones, so we collect and reverse.
    let (mut a, mut b) = (0u64, size);
    while b - a > 1 {
        let k = split_point(b - a);
        if index - a < k {
            ranges.push((a + k, b));
            b = a + k;
        } else {
            ranges.push((a, a + k));
            a += k;
        }
    }
    ranges.reverse();
    Ok(ProofPlan::new(ranges))
}

/// The plan of the consistency proof between tree sizes `old` and `new`
/// (RFC 9162 §2.1.4.1, SUBPROOF). Empty when `old == new`; an error when
/// `old == 0 < new`, where the RFC defines no proof (every tree extends the empty one,
/// which callers check directly).
pub fn consistency_plan(old: u64, new: u64) -> Result<ProofPlan, ProofError> {
    if old > new {
        return Err(ProofError::SizesReversed { old, new });
    }
    let mut ranges = Vec::new();
    if old == new {
        return Ok(ProofPlan::new(ranges));
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    // SUBPROOF(m, D[a:b], complete) unrolled; the sibling ranges are emitted deepest
    // first in the RFC's output order, so collect top-down and reverse.
    let (mut a, mut b, mut m, mut complete) = (0u64, new, old, true);
    loop {
        if m == b - a {
            if !complete {
                ranges.push((a, b));
            }
            break;
        }
        let k = split_point(b - a);
        if m <= k {
            ranges.push((a + k, b));
            b = a + k;
        } else {
            ranges.push((a, a + k));
            a += k;
            m -= k;
            complete = false;
        }
    }
    ranges.reverse();
    Ok(ProofPlan::new(ranges))
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                expected: inclusion_len(index, size),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            expected: inclusion_len(index, size),
        });
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

fn inclusion_len(index: u64, size: u64) -> usize {
    inclusion_plan(index, size).map_or(0, |p| p.ranges.len())
}

fn consistency_len(old: u64, new: u64) -> usize {
    consistency_plan(old, new).map_or(0, |p| p.ranges.len())
}

/// Verifies a consistency proof between `(old, old_root)` and `(new, new_root)`
/// (RFC 9162 §2.1.4.2). For `old == new` the proof must be empty and the roots
/// equal; `old == 0 < new` is refused, as the RFC defines no proof for it.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    let wrong_len = || ProofError::WrongLength {
        got: proof.len(),
        expected: consistency_len(old, new),
    };
    if old > new {
        return Err(ProofError::SizesReversed { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(wrong_len());
        }
        // The empty tree has exactly one root.
        if old == 0 && *old_root != empty_root() {
            return Err(ProofError::OldRootMismatch);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if proof.is_empty() {
        return Err(wrong_len());
    }
    // If `old` is a power of two the old root is itself the first node of the path.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = *path[0];
    let mut sr = *path[0];
    for c in &path[1..] {
        if snode == 0 {
            return Err(wrong_len());
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_len());
    }
    if &fr != old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if &sr != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// An in-memory tree over leaf hashes that keeps every perfect node: handy for
/// tests and for the auditor's recomputation of small stores.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of `NodeId { level: l, index: i }`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut f = self.frontier_builder();
        let levels = &mut self.levels;
        f.push_with(leaf, |id, h| {
            let l = id.level as usize;
            if levels.len() <= l {
                levels.push(Vec::new());
            }
            levels[l].push(*h);
        });
    }

    fn frontier_builder(&self) -> FrontierBuilder {
        let size = self.size();
        let hashes = frontier(size)
            .into_iter()
            .map(|id| self.levels[id.level as usize][id.index as usize])
            .collect();
        FrontierBuilder::from_frontier(size, hashes).expect("frontier of own size")
    }

    pub fn node(&self, id: NodeId) -> Option<Hash> {
        self.levels
            .get(id.level as usize)?
            .get(usize::try_from(id.index).ok()?)
            .copied()
    }

    /// The root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        let hashes: Option<Vec<Hash>> =
            frontier(size).into_iter().map(|id| self.node(id)).collect();
        Some(root_from_frontier(&hashes?))
    }

    fn fetch(&self, plan: &ProofPlan) -> Result<Vec<Hash>, ProofError> {
        let hashes: Option<Vec<Hash>> = plan.nodes().iter().map(|&id| self.node(id)).collect();
        plan.assemble(&hashes.ok_or(ProofError::MissingNodes)?)
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.fetch(&inclusion_plan(index, size)?)
    }

    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.fetch(&consistency_plan(old, new)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTH exactly as RFC 9162 §2.1.1 defines it, recursively, as an oracle.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn frontier_root_matches_recursive_definition() {
        for n in 0..70 {
            let l = leaves(n);
            assert_eq!(root_from_leaf_hashes(&l), mth(&l), "size {n}");
        }
    }

    #[test]
    fn every_proof_verifies_for_small_trees() {
        let l = leaves(40);
        let mut t = MemoryTree::new();
        for h in &l {
            t.push(*h);
        }
        for size in 1..=40u64 {
            let root = t.root(size).unwrap();
            assert_eq!(root, mth(&l[..size as usize]));
            for i in 0..size {
                let p = t.inclusion_proof(i, size).unwrap();
                verify_inclusion(i, size, &l[i as usize], &p, &root).unwrap();
                // A proof for another leaf must not verify.
                let other = (i + 1) % size;
                if other != i {
                    assert!(verify_inclusion(other, size, &l[i as usize], &p, &root).is_err());
                }
            }
            assert_eq!(t.consistency_proof(0, size), Err(ProofError::EmptyOldTree));
            for old in 1..=size {
                let p = t.consistency_proof(old, size).unwrap();
                let old_root = t.root(old).unwrap();
                verify_consistency(old, size, &old_root, &root, &p).unwrap();
                if old > 0 && old < size {
                    let wrong = leaf_hash(b"not the old root");
                    assert!(verify_consistency(old, size, &wrong, &root, &p).is_err());
                }
            }
        }
    }

    #[test]
    fn plans_need_logarithmically_many_nodes() {
        let n = 1_000_003u64;
        for i in [0, 1, 511_999, n - 2, n - 1] {
            assert!(inclusion_plan(i, n).unwrap().nodes().len() <= 2 * 21);
        }
        assert!(consistency_plan(333_333, n).unwrap().nodes().len() <= 2 * 21);
    }
}
