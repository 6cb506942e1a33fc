//! The channel's promises, as properties: every k-subset of the n shares opens to the
//! message; every (k−1)-subset fails; a share altered anywhere is caught and named by
//! its conduit; shares of two messages never combine; trust domains bound the
//! threshold; and the Shamir layer has the properties its libraries' advisories name.

use proptest::prelude::*;
use verity_channel::{
    ChannelError, PrivateKey, Share, Spread, open, parse_share, seal, share_text,
};

fn keys() -> (PrivateKey, PrivateKey) {
    (
        PrivateKey::generate("e3.example/sender").unwrap(),
        PrivateKey::generate("ir.example/recipient").unwrap(),
    )
}

fn spread(n: usize, k: usize) -> Spread {
    Spread {
        conduits: (1..=n).map(|i| format!("conduit-{i}")).collect(),
        k,
        domains: Vec::new(),
    }
}

fn named(shares: &[&Share]) -> Vec<(String, Result<Share, String>)> {
    shares
        .iter()
        .map(|s| (format!("share-{}", s.index), Ok((*s).clone())))
        .collect()
}

/// Every subset of 0..n of size m, as index lists.
fn subsets(n: usize, m: usize) -> Vec<Vec<usize>> {
    (0u32..(1 << n))
        .filter(|b| b.count_ones() as usize == m)
        .map(|b| (0..n).filter(|i| b & (1 << i) != 0).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_k_subset_opens_and_no_smaller_one_does(
        message in proptest::collection::vec(any::<u8>(), 0..600),
        n in 2usize..=6,
        k_seed in any::<usize>(),
    ) {
        let k = 2 + k_seed % (n - 1); // 2..=n
        let (sender, recipient) = keys();
        let sealed = seal(&sender, &recipient.public(), &spread(n, k), &message).unwrap();
        prop_assert_eq!(sealed.shares.len(), n);
        for sub in subsets(n, k) {
            let pick: Vec<&Share> = sub.iter().map(|i| &sealed.shares[*i]).collect();
            let out = open(&recipient, &sender.public(), &named(&pick));
            prop_assert!(out.rejected.is_empty());
            prop_assert_eq!(out.message.as_ref().map(|m| m.to_vec()).ok(), Some(message.clone()), "{:?}", sub);
        }
        for sub in subsets(n, k - 1) {
            let pick: Vec<&Share> = sub.iter().map(|i| &sealed.shares[*i]).collect();
            let out = open(&recipient, &sender.public(), &named(&pick));
            prop_assert_eq!(out.message.err(), Some(ChannelError::NotEnough { need: k, have: k - 1 }));
        }
    }

    #[test]
    fn an_altered_byte_is_caught_and_named(
        message in proptest::collection::vec(any::<u8>(), 1..300),
        which in any::<usize>(),
        at in any::<usize>(),
        bit in 0u8..8,
    ) {
        let (n, k) = (5, 3);
        let (sender, recipient) = keys();
        let sealed = seal(&sender, &recipient.public(), &spread(n, k), &message).unwrap();
        let victim = which % n;
        // Alter one bit of the share's text, anywhere.
        let mut text = share_text(&sealed.shares[victim]).into_bytes();
        let pos = at % text.len();
        text[pos] ^= 1 << bit;
        let mut inputs: Vec<(String, Result<Share, String>)> = Vec::new();
        for (i, s) in sealed.shares.iter().enumerate() {
            let src = format!("relay-{}", i + 1);
            if i == victim {
                inputs.push((src, String::from_utf8(text.clone()).map_err(|e| e.to_string()).and_then(|t| parse_share(&t))));
            } else {
                inputs.push((src, Ok(s.clone())));
            }
        }
        let out = open(&recipient, &sender.public(), &inputs);
        // The message opens from the other four, always the right one.
        prop_assert_eq!(out.message.as_ref().map(|m| m.to_vec()).ok(), Some(message.clone()));
        // The altered share was either rejected, naming its source, or — if the flip
        // hit only insignificant JSON whitespace or produced an identical share — used
        // as an intact share.
        let flagged = out.rejected.iter().any(|r| r.source == format!("relay-{}", victim + 1));
        let intact = inputs[victim].1.as_ref().is_ok_and(|s| s == &sealed.shares[victim]);
        prop_assert!(flagged || intact, "{:?}", out.rejected);
        prop_assert!(!(flagged && intact));
    }
}

#[test]
fn shares_of_two_messages_never_combine() {
    let (sender, recipient) = keys();
    let a = seal(&sender, &recipient.public(), &spread(5, 3), b"message A").unwrap();
    let b = seal(&sender, &recipient.public(), &spread(5, 3), b"message B").unwrap();
    // Two of A and one of B (at B's third index): never a message.
    let pick = [&a.shares[0], &a.shares[1], &b.shares[2]];
    let out = open(&recipient, &sender.public(), &named(&pick));
    assert_eq!(
        out.message.err(),
        Some(ChannelError::NotEnough { need: 3, have: 2 })
    );
    assert_eq!(out.rejected.len(), 1);
    assert!(
        out.rejected[0].reason.contains("another message"),
        "{:?}",
        out.rejected
    );
    assert_eq!(out.rejected[0].conduit.as_deref(), Some("conduit-3"));
    // B's share relabelled as A's (its header swapped in): its signature fails.
    let mut forged = b.shares[2].clone();
    forged.header = a.header.clone();
    forged.header_signature = a.shares[2].header_signature.clone();
    let out = open(
        &recipient,
        &sender.public(),
        &named(&[&a.shares[0], &a.shares[1], &forged]),
    );
    assert!(out.message.is_err());
    assert!(
        out.rejected[0].reason.contains("altered"),
        "{:?}",
        out.rejected
    );
}

#[test]
fn replays_misroutes_and_strangers_are_named() {
    let (sender, recipient) = keys();
    let s = seal(&sender, &recipient.public(), &spread(4, 2), b"hello").unwrap();
    // A replayed copy of share 1, share 2 claimed by conduit-3, a share for someone
    // else, and one signed by another sender.
    let mut misrouted = s.shares[1].clone();
    misrouted.conduit = "conduit-3".into();
    let other = PrivateKey::generate("third.example").unwrap();
    let not_mine = seal(&sender, &other.public(), &spread(4, 2), b"x").unwrap();
    let impostor = PrivateKey::generate("e3.example/sender").unwrap();
    let forged = seal(&impostor, &recipient.public(), &spread(4, 2), b"x").unwrap();
    let inputs = named(&[
        &s.shares[0],
        &s.shares[0],
        &misrouted,
        &not_mine.shares[0],
        &forged.shares[3],
        &s.shares[3],
    ]);
    let out = open(&recipient, &sender.public(), &inputs);
    assert_eq!(
        out.message.as_ref().map(|m| m.to_vec()).ok(),
        Some(b"hello".to_vec())
    );
    let reasons: Vec<&str> = out.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(out.rejected.len(), 4, "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("a replay")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("altered")), "{reasons:?}"); // the conduit renamed
    assert!(
        reasons.iter().any(|r| r.contains("addressed to")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("not signed by the sender")),
        "{reasons:?}"
    );
}

#[test]
fn trust_domains_bound_the_threshold() {
    let (sender, recipient) = keys();
    let mut sp = spread(5, 3);
    sp.domains = vec![vec![
        "conduit-1".into(),
        "conduit-2".into(),
        "conduit-3".into(),
    ]];
    let e = seal(&sender, &recipient.public(), &sp, b"x").err().unwrap();
    assert!(
        e.to_string()
            .contains("conduit-1+conduit-2+conduit-3 holds 3 shares"),
        "{e}"
    );
    sp.k = 4;
    assert!(seal(&sender, &recipient.public(), &sp, b"x").is_ok());
    // One conduit alone may never hold the threshold.
    let e = seal(&sender, &recipient.public(), &spread(3, 1), b"x")
        .err()
        .unwrap();
    assert!(e.to_string().contains("--threshold 1"), "{e}");
    let e = seal(&sender, &recipient.public(), &spread(3, 4), b"x")
        .err()
        .unwrap();
    assert!(e.to_string().contains("expected 1 to 3"), "{e}");
}

#[test]
fn the_key_shares_have_distinct_nonzero_x_and_uniform_coefficients() {
    let (sender, recipient) = keys();
    let s = seal(&sender, &recipient.public(), &spread(7, 3), b"x").unwrap();
    let xs: Vec<u8> = s
        .shares
        .iter()
        .map(|sh| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(&sh.key_share)
                .unwrap()[0]
        })
        .collect();
    assert_eq!(
        xs,
        [1, 2, 3, 4, 5, 6, 7],
        "distinct, non-zero, the share's index"
    );
    // Uniform coefficients over all of GF(256), zero included: with k = 2 the share at
    // x = 1 is secret + a, which equals the secret exactly when a = 0 — about 1 in 256
    // dealings. (A dealer that never draws 0, the bias of the advisory against
    // `sharks`, would never give it.) 12,800 dealings: about 50 expected.
    let secret = [0x5a_u8];
    let mut hits = 0;
    let mut counts = [0u32; 256];
    for _ in 0..12_800 {
        let share = blahaj::Sharks(2).dealer(&secret).next().unwrap();
        let y = Vec::from(&share)[1];
        counts[usize::from(y)] += 1;
        if y == secret[0] {
            hits += 1;
        }
    }
    assert!((15..=100).contains(&hits), "{hits}");
    assert!(counts.iter().all(|c| *c > 10), "every field element occurs");
}

#[test]
fn keys_round_trip_and_refuse_nonsense() {
    let k = PrivateKey::generate("oman.example/relay").unwrap();
    let again = PrivateKey::from_text(&k.to_text()).unwrap();
    assert_eq!(again.public(), k.public());
    let p = verity_channel::PublicKey::from_text(&k.public().to_text()).unwrap();
    assert_eq!(p, k.public());
    assert!(PrivateKey::generate("has space").is_err());
    assert!(PrivateKey::from_text("VERITY-CHANNEL-KEY+x+AAAA").is_err());
    assert!(verity_channel::PublicKey::from_text("x+!!").is_err());
}
