//! Property tests: for random tree sizes every inclusion and consistency proof
//! verifies, and changing any one bit of the proof, the leaf or a root, dropping or
//! adding a hash, or moving the leaf index makes it fail.

use proptest::prelude::*;
use verity_ledger::merkle::{self, Hash, MemoryTree};

fn tree(n: u64) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.push(merkle::leaf_hash(&i.to_le_bytes()));
    }
    t
}

fn flip(h: &Hash, byte: usize, bit: u8) -> Hash {
    let mut h = *h;
    h[byte % 32] ^= 1 << (bit % 8);
    h
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inclusion_proofs_verify_and_break(size in 1u64..3000, i_seed: u64, which: usize, byte: usize, bit: u8) {
        let t = tree(size);
        let i = i_seed % size;
        let root = t.root(size).unwrap();
        let leaf = t.node(merkle::NodeId::new(0, i)).unwrap();
        let p = t.inclusion_proof(i, size).unwrap();
        prop_assert!(merkle::verify_inclusion(i, size, &leaf, &p, &root).is_ok());
        // Any bit of any proof hash, of the leaf, or of the root.
        let k = which % (p.len() + 2);
        let (mut p2, mut leaf2, mut root2) = (p.clone(), leaf, root);
        if k < p.len() { p2[k] = flip(&p2[k], byte, bit) }
        else if k == p.len() { leaf2 = flip(&leaf, byte, bit) }
        else { root2 = flip(&root, byte, bit) }
        prop_assert!(merkle::verify_inclusion(i, size, &leaf2, &p2, &root2).is_err());
        // A dropped or an extra hash.
        if !p.is_empty() {
            prop_assert!(merkle::verify_inclusion(i, size, &leaf, &p[..p.len() - 1], &root).is_err());
        }
        let mut longer = p.clone();
        longer.push(root);
        prop_assert!(merkle::verify_inclusion(i, size, &leaf, &longer, &root).is_err());
        // Another index with the same proof fails (unless the leaf repeats, which
        // distinct inputs rule out).
        if size > 1 {
            let j = (i + 1 + i_seed % (size - 1)) % size;
            prop_assert!(merkle::verify_inclusion(j, size, &leaf, &p, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_break(new in 2u64..3000, old_seed: u64, which: usize, byte: usize, bit: u8) {
        let t = tree(new);
        let old = 1 + old_seed % (new - 1); // 1..new
        let (r1, r2) = (t.root(old).unwrap(), t.root(new).unwrap());
        let p = t.consistency_proof(old, new).unwrap();
        prop_assert!(merkle::verify_consistency(old, new, &r1, &r2, &p).is_ok());
        let k = which % (p.len() + 2);
        let (mut p2, mut a, mut b) = (p.clone(), r1, r2);
        if k < p.len() { p2[k] = flip(&p2[k], byte, bit) }
        else if k == p.len() { a = flip(&r1, byte, bit) }
        else { b = flip(&r2, byte, bit) }
        prop_assert!(merkle::verify_consistency(old, new, &a, &b, &p2).is_err());
        if !p.is_empty() {
            prop_assert!(merkle::verify_consistency(old, new, &r1, &r2, &p[1..]).is_err());
        }
        // The swapped roots are not a proof (unless the sizes make them equal).
        prop_assert!(merkle::verify_consistency(old, new, &r2, &r1, &p).is_err());
    }
}

/// Two copies of one log: `shared` entries alike, then each its own.
fn two_logs(
    shared: u64,
    a_more: u64,
    b_more: u64,
) -> (
    verity_ledger::log::MemoryStorage,
    verity_ledger::log::MemoryStorage,
) {
    use verity_ledger::log::{self as ledger_log, MemoryStorage};
    use verity_ledger::note::NoteSigner;
    let key = NoteSigner::generate("log.example").unwrap();
    let mut a = MemoryStorage::default();
    ledger_log::init(&mut a, "log.example", &key, "/k").unwrap();
    let add = |s: &mut MemoryStorage, tag: &str, range: std::ops::Range<u64>| {
        for i in range {
            ledger_log::append_evidence_import(s, &key, serde_json::json!({"i": i, "t": tag}))
                .unwrap();
        }
    };
    add(&mut a, "shared", 0..shared);
    let mut b = a.clone();
    add(&mut a, "a", shared..shared + a_more);
    add(&mut b, "b", shared..shared + b_more);
    (a, b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The auditor names exactly the first entry at which two copies differ, or says
    /// that one extends the other.
    #[test]
    fn compare_names_the_first_divergent_entry(shared in 0u64..200, a_more in 0u64..40, b_more in 0u64..40) {
        use verity_ledger::log::{self as ledger_log, Comparison};
        let (mut a, mut b) = two_logs(shared, a_more, b_more);
        let got = ledger_log::compare(&mut a, &mut b).unwrap();
        if a_more == 0 || b_more == 0 {
            prop_assert_eq!(got, Comparison::Agree {
                common: shared + a_more.min(b_more),
                a_size: shared + a_more,
                b_size: shared + b_more,
            });
        } else {
            let Comparison::Diverge { index, a_leaf, b_leaf, .. } = got else {
                return Err(TestCaseError::fail("expected a divergence"));
            };
            prop_assert_eq!(index, shared);
            prop_assert_eq!(a_leaf, merkle::leaf_hash(&a.entries[&shared].data));
            prop_assert_eq!(b_leaf, merkle::leaf_hash(&b.entries[&shared].data));
            prop_assert_ne!(a_leaf, b_leaf);
        }
    }
}
