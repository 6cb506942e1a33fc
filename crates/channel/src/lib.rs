//! `verity-channel`: a message sealed across several conduits (the intermediaries of a
//! back channel), readable only by its recipient and only from enough of them.
//!
//! Sealing a message for `n` conduits with threshold `k`:
//! 1. the message is encrypted with a fresh 256-bit key under ChaCha20-Poly1305, the
//!    header (message id, sender, recipient, n, k, conduits) as associated data;
//! 2. the key is wrapped to the recipient with HPKE (RFC 9180; DHKEM(X25519,
//!    HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode);
//! 3. the ciphertext is split k-of-n with a Reed-Solomon erasure code (each share about
//!    |message|/k), the wrapped key k-of-n with Shamir's secret sharing over GF(256):
//!    fewer than k conduits together learn nothing of the wrapped key, and even all of
//!    them cannot read the message without the recipient's private key;
//! 4. every share is bound to the message id, its index and its conduit; the shares'
//!    hashes are committed to by a Merkle root (RFC 6962) in the header, which the
//!    sender signs (Ed25519), and every share is signed as well.
//!
//! Opening checks every share before use — the sender's signatures, the recipient,
//! the binding to its conduit, its Merkle path, duplicates — and names each rejected
//! share with its conduit and the reason. Any `k` valid shares reconstruct; the AEAD
//! then checks the whole, so a wrong combination can never yield a wrong message.
//!
//! Conduits may be grouped into trust domains (intermediaries that might collude count
//! as one); sealing refuses a threshold that one domain could reach alone.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use ed25519_dalek::{Signer, Verifier};
use hpke::{Deserializable, Kem as _, Serializable};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::ChaCha20Poly1305;

/// The format's version, in every header and share.
pub const VERSION: u64 = 1;
/// The most conduits a message may use (the codes work in GF(256)).
pub const MAX_CONDUITS: usize = 255;
const KEY_PREFIX: &str = "VERITY-CHANNEL-KEY+";
const HPKE_INFO: &[u8] = b"verity-channel/v1 key";

/// Why sealing or opening failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("{0}")]
    BadKey(String),
    #[error("{0}")]
    BadParameters(String),
    #[error("need {need} valid shares, have {have}")]
    NotEnough { need: usize, have: usize },
    #[error(
        "the shares combine to no valid message: the integrity check failed (shares of different messages, or altered in a way their checks did not catch)"
    )]
    Integrity,
    #[error("{0}")]
    Crypto(String),
}

// ------------------------------------------------------------------------- keys

/// A party's keys: Ed25519 to sign what it sends, X25519 to receive.
pub struct PrivateKey {
    name: String,
    signing: ed25519_dalek::SigningKey,
    x25519: <Kem as hpke::Kem>::PrivateKey,
}

/// The public half: what a sender needs of a recipient, and a recipient of a sender.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    verifying: ed25519_dalek::VerifyingKey,
    x25519: [u8; 32],
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

fn check_name(name: &str) -> Result<(), ChannelError> {
    if name.is_empty()
        || name.len() > 200
        || name.contains('+')
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ChannelError::BadKey(format!(
            "a key name must be 1–200 characters with no '+', space or control character: {name:?}"
        )));
    }
    Ok(())
}

impl PrivateKey {
    /// Fresh keys from the operating system's generator.
    pub fn generate(name: &str) -> Result<PrivateKey, ChannelError> {
        check_name(name)?;
        let mut seed = Zeroizing::new([0u8; 64]);
        OsRng.fill_bytes(&mut seed[..]);
        Self::from_seed(name, &seed)
    }

    fn from_seed(name: &str, seed: &[u8; 64]) -> Result<PrivateKey, ChannelError> {
        let mut ed = Zeroizing::new([0u8; 32]);
        ed.copy_from_slice(&seed[..32]);
        let signing = ed25519_dalek::SigningKey::from_bytes(&ed);
        let x25519 = <Kem as hpke::Kem>::PrivateKey::from_bytes(&seed[32..])
            .map_err(|e| ChannelError::BadKey(format!("not an X25519 private key: {e}")))?;
        Ok(PrivateKey {
            name: name.to_owned(),
            signing,
            x25519,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same Ed25519 key as a signed-note signer, to sign log entries with (a
    /// sender's channel headers, a recipient's receipts).
    pub fn note_signer(&self) -> Result<verity_ledger::NoteSigner, ChannelError> {
        verity_ledger::NoteSigner::from_signing_key(&self.name, self.signing.clone())
            .map_err(|e| ChannelError::BadKey(e.to_string()))
    }

    pub fn public(&self) -> PublicKey {
        let pk = Kem::sk_to_pk(&self.x25519);
        let mut x = [0u8; 32];
        x.copy_from_slice(&pk.to_bytes());
        PublicKey {
            name: self.name.clone(),
            verifying: self.signing.verifying_key(),
            x25519: x,
        }
    }

    /// `VERITY-CHANNEL-KEY+name+base64(ed25519 seed ‖ x25519 secret)`.
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(Vec::with_capacity(64));
        raw.extend_from_slice(&self.signing.to_bytes());
        raw.extend_from_slice(&self.x25519.to_bytes());
        Zeroizing::new(format!(
            "{KEY_PREFIX}{}+{}",
            self.name,
            B64.encode(&raw[..])
        ))
    }

    pub fn from_text(text: &str) -> Result<PrivateKey, ChannelError> {
        let bad = |why: &str| ChannelError::BadKey(format!("not a channel private key: {why}"));
        let rest = text
            .trim()
            .strip_prefix(KEY_PREFIX)
            .ok_or_else(|| bad("it must start with VERITY-CHANNEL-KEY+"))?;
        // The name has no '+'; the base64 after it may.
        let (name, b64) = rest
            .split_once('+')
            .ok_or_else(|| bad("expected name+base64"))?;
        check_name(name)?;
        let raw = Zeroizing::new(B64.decode(b64).map_err(|_| bad("the key is not base64"))?);
        let seed: Zeroizing<[u8; 64]> = Zeroizing::new(
            raw.as_slice()
                .try_into()
                .map_err(|_| bad("the key must be 64 bytes"))?,
        );
        Self::from_seed(name, &seed)
    }
}

impl PublicKey {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `name+base64(ed25519 public ‖ x25519 public)`.
    pub fn to_text(&self) -> String {
        let mut raw = Vec::with_capacity(64);
        raw.extend_from_slice(self.verifying.as_bytes());
        raw.extend_from_slice(&self.x25519);
        format!("{}+{}", self.name, B64.encode(raw))
    }

    pub fn from_text(text: &str) -> Result<PublicKey, ChannelError> {
        let bad = |why: &str| ChannelError::BadKey(format!("not a channel public key: {why}"));
        let (name, b64) = text
            .trim()
            .split_once('+')
            .ok_or_else(|| bad("expected name+base64"))?;
        check_name(name)?;
        let raw = B64.decode(b64).map_err(|_| bad("the key is not base64"))?;
        if raw.len() != 64 {
            return Err(bad("the key must be 64 bytes"));
        }
        let ed: [u8; 32] = raw[..32].try_into().map_err(|_| bad("length"))?;
        let verifying = ed25519_dalek::VerifyingKey::from_bytes(&ed)
            .map_err(|_| bad("not an Ed25519 public key"))?;
        let mut x25519 = [0u8; 32];
        x25519.copy_from_slice(&raw[32..]);
        Ok(PublicKey {
            name: name.to_owned(),
            verifying,
            x25519,
        })
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        ed25519_dalek::Signature::from_slice(sig)
            .is_ok_and(|s| self.verifying.verify(msg, &s).is_ok())
    }
}

// ---------------------------------------------------------------------- the format

/// What the sender commits to, signed: the same in every share of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub v: u64,
    /// 16 random bytes, hex.
    pub message_id: String,
    /// Public keys (text form).
    pub sender: String,
    pub recipient: String,
    pub n: usize,
    pub k: usize,
    /// The conduit carrying share i is `conduits[i - 1]`.
    pub conduits: Vec<String>,
    /// Bytes of the ciphertext (before it was split).
    pub ciphertext_len: usize,
    /// The AEAD nonce, base64.
    pub nonce: String,
    /// RFC 6962 Merkle root over the shares' leaf hashes, base64.
    pub merkle_root: String,
}

/// One share, as a conduit carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub v: u64,
    pub header: Header,
    /// The sender's signature on the header (canonical JSON), base64.
    pub header_signature: String,
    /// 1-based.
    pub index: usize,
    pub conduit: String,
    /// This share's Reed-Solomon shard of the ciphertext, base64.
    pub data: String,
    /// This share's Shamir share of the HPKE-wrapped key (x ‖ y), base64.
    pub key_share: String,
    /// The Merkle audit path of this share's leaf to the header's root, base64.
    pub merkle_path: Vec<String>,
    /// The sender's signature on everything above (canonical JSON), base64.
    pub signature: String,
}

fn canonical<T: Serialize>(v: &T) -> Vec<u8> {
    let value = serde_json::to_value(v).unwrap_or(Value::Null);
    verity_ledger::entry::canonical_json(&value).into_bytes()
}

/// The leaf a share contributes to the Merkle root: what binds it to its set, index
/// and conduit.
fn leaf(message_id: &str, index: usize, conduit: &str, data: &[u8], key_share: &[u8]) -> [u8; 32] {
    let body = serde_json::json!({
        "message_id": message_id,
        "index": index,
        "conduit": conduit,
        "data_sha256": hex::encode(Sha256::digest(data)),
        "key_share_sha256": hex::encode(Sha256::digest(key_share)),
    });
    verity_ledger::merkle::leaf_hash(verity_ledger::entry::canonical_json(&body).as_bytes())
}

/// The share's signed bytes: the share without its signature.
fn share_message(s: &Share) -> Vec<u8> {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("signature");
    }
    verity_ledger::entry::canonical_json(&v).into_bytes()
}

/// The AEAD's associated data: the header without the Merkle root (which depends on
/// the ciphertext).
fn aad(h: &Header) -> Vec<u8> {
    let mut v = serde_json::to_value(h).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("merkle_root");
    }
    verity_ledger::entry::canonical_json(&v).into_bytes()
}

// ------------------------------------------------------------------------ sealing

/// How a message is spread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    /// The conduits, one share each.
    pub conduits: Vec<String>,
    /// Shares needed to open.
    pub k: usize,
    /// Groups of conduits that might collude; a conduit in no group is its own.
    pub domains: Vec<Vec<String>>,
}

impl Spread {
    /// Checks the parameters: 1 ≤ k ≤ n ≤ 255, conduit names distinct and printable,
    /// and no trust domain holding k shares alone.
    pub fn check(&self) -> Result<(), ChannelError> {
        let n = self.conduits.len();
        let bad = |m: String| Err(ChannelError::BadParameters(m));
        if n == 0 || n > MAX_CONDUITS {
            return bad(format!("--conduits {n}: expected 1 to {MAX_CONDUITS}"));
        }
        if self.k == 0 || self.k > n {
            return bad(format!(
                "--threshold {}: expected 1 to {n} (the conduits)",
                self.k
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.conduits {
            if c.is_empty() || c.len() > 100 || c.chars().any(char::is_control) || c.contains(',') {
                return bad(format!(
                    "conduit name {c:?}: 1–100 printable characters, no comma"
                ));
            }
            if !seen.insert(c.as_str()) {
                return bad(format!("conduit {c:?} is named twice"));
            }
        }
        // Shares per domain: grouped conduits together, every other conduit alone.
        let mut grouped = std::collections::BTreeSet::new();
        for d in &self.domains {
            for c in d {
                if !seen.contains(c.as_str()) {
                    return bad(format!("trust domain names {c:?}, which is not a conduit"));
                }
                if !grouped.insert(c.as_str()) {
                    return bad(format!("conduit {c:?} is in two trust domains"));
                }
            }
            if d.len() >= self.k {
                return bad(format!(
                    "the trust domain {} holds {} shares, enough to reach the threshold {} alone: raise the threshold or add conduits outside it",
                    d.join("+"),
                    d.len(),
                    self.k
                ));
            }
        }
        if self.k == 1 {
            return bad(
                "--threshold 1 lets one conduit alone hold every piece: use at least 2".into(),
            );
        }
        Ok(())
    }
}

/// A sealed message: its id and its shares, in conduit order.
pub struct Sealed {
    pub message_id: String,
    pub header: Header,
    pub shares: Vec<Share>,
}

/// Seals `message` from `sender` to `recipient` across `spread`.
pub fn seal(
    sender: &PrivateKey,
    recipient: &PublicKey,
    spread: &Spread,
    message: &[u8],
) -> Result<Sealed, ChannelError> {
    spread.check()?;
    let (n, k) = (spread.conduits.len(), spread.k);
    let mut id = [0u8; 16];
    OsRng.fill_bytes(&mut id);
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let mut header = Header {
        v: VERSION,
        message_id: hex::encode(id),
        sender: sender.public().to_text(),
        recipient: recipient.to_text(),
        n,
        k,
        conduits: spread.conduits.clone(),
        ciphertext_len: 0,
        nonce: B64.encode(nonce),
        merkle_root: String::new(),
    };
    // The ciphertext's length is fixed by the message's (the AEAD adds a 16-byte tag),
    // so it can be in the associated data.
    header.ciphertext_len = message.len() + 16;
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut key[..]);
    let ciphertext = ChaCha20Poly1305::new_from_slice(&key[..])
        .map_err(|_| ChannelError::Crypto("the content key".into()))?
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: message,
                aad: &aad(&header),
            },
        )
        .map_err(|_| ChannelError::Crypto("encryption failed".into()))?;
    // The key, wrapped to the recipient; its HPKE encapsulation travels with it.
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&recipient.x25519)
        .map_err(|e| ChannelError::BadKey(format!("the recipient's X25519 key: {e}")))?;
    let (enc, wrapped) = hpke::single_shot_seal::<HpkeAead, Kdf, Kem, _>(
        &hpke::OpModeS::Base,
        &pk,
        &[HPKE_INFO, header.message_id.as_bytes()].concat(),
        &key[..],
        &aad(&header),
        &mut OsRng,
    )
    .map_err(|e| ChannelError::Crypto(format!("wrapping the key: {e}")))?;
    let mut wrapped_key = Zeroizing::new(enc.to_bytes().to_vec());
    wrapped_key.extend_from_slice(&wrapped);
    let key_shares: Vec<Vec<u8>> = blahaj::Sharks(u8::try_from(k).unwrap_or(u8::MAX))
        .dealer(&wrapped_key)
        .take(n)
        .map(|s| Vec::from(&s))
        .collect();
    let shards = erasure_encode(&ciphertext, n, k)?;
    let leaves: Vec<[u8; 32]> = (0..n)
        .map(|i| {
            leaf(
                &header.message_id,
                i + 1,
                &spread.conduits[i],
                &shards[i],
                &key_shares[i],
            )
        })
        .collect();
    let mut tree = verity_ledger::merkle::MemoryTree::new();
    for l in &leaves {
        tree.push(*l);
    }
    let root = tree
        .root(n as u64)
        .ok_or_else(|| ChannelError::Crypto("no Merkle root".into()))?;
    header.merkle_root = B64.encode(root);
    let header_signature = B64.encode(sender.signing.sign(&canonical(&header)).to_bytes());
    let mut shares = Vec::with_capacity(n);
    for i in 0..n {
        let path = tree
            .inclusion_proof(i as u64, n as u64)
            .map_err(|e| ChannelError::Crypto(e.to_string()))?;
        let mut s = Share {
            v: VERSION,
            header: header.clone(),
            header_signature: header_signature.clone(),
            index: i + 1,
            conduit: spread.conduits[i].clone(),
            data: B64.encode(&shards[i]),
            key_share: B64.encode(&key_shares[i]),
            merkle_path: path.iter().map(|h| B64.encode(h)).collect(),
            signature: String::new(),
        };
        s.signature = B64.encode(sender.signing.sign(&share_message(&s)).to_bytes());
        shares.push(s);
    }
    Ok(Sealed {
        message_id: header.message_id.clone(),
        header,
        shares,
    })
}

/// The ciphertext as `n` shards of which any `k` rebuild it: `k` data shards (the
/// ciphertext, zero-padded to a multiple of `k`) and `n - k` Reed-Solomon parity shards.
fn erasure_encode(ct: &[u8], n: usize, k: usize) -> Result<Vec<Vec<u8>>, ChannelError> {
    let len = ct.len().div_ceil(k).max(1);
    let mut shards: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut s = vec![0u8; len];
            if i < k {
                let from = (i * len).min(ct.len());
                let to = ((i + 1) * len).min(ct.len());
                s[..to - from].copy_from_slice(&ct[from..to]);
            }
            s
        })
        .collect();
    if n > k {
        let rs = reed_solomon_erasure::galois_8::ReedSolomon::new(k, n - k)
            .map_err(|e| ChannelError::BadParameters(format!("erasure code: {e:?}")))?;
        rs.encode(&mut shards)
            .map_err(|e| ChannelError::Crypto(format!("erasure code: {e:?}")))?;
    }
    Ok(shards)
}

fn erasure_decode(
    present: &BTreeMap<usize, Vec<u8>>,
    n: usize,
    k: usize,
    ct_len: usize,
) -> Result<Vec<u8>, ChannelError> {
    let mut slots: Vec<Option<Vec<u8>>> = (0..n).map(|i| present.get(&(i + 1)).cloned()).collect();
    if n > k {
        let rs = reed_solomon_erasure::galois_8::ReedSolomon::new(k, n - k)
            .map_err(|e| ChannelError::BadParameters(format!("erasure code: {e:?}")))?;
        rs.reconstruct_data(&mut slots)
            .map_err(|_| ChannelError::Integrity)?;
    }
    let mut ct = Vec::with_capacity(ct_len);
    for s in slots.into_iter().take(k) {
        ct.extend_from_slice(&s.ok_or(ChannelError::Integrity)?);
    }
    if ct.len() < ct_len {
        return Err(ChannelError::Integrity);
    }
    ct.truncate(ct_len);
    Ok(ct)
}

// ------------------------------------------------------------------------ opening

/// A share that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Where it came from (a file name, a relay), as the caller named it.
    pub source: String,
    /// The conduit it claims, if it could be read.
    pub conduit: Option<String>,
    pub index: Option<usize>,
    pub reason: String,
}

/// What opening found.
#[derive(Debug)]
pub struct Opened {
    /// The message, if at least k valid shares combined and the AEAD accepted it.
    pub message: Result<Zeroizing<Vec<u8>>, ChannelError>,
    pub header: Option<Header>,
    /// The shares used: (index, conduit, source).
    pub accepted: Vec<(usize, String, String)>,
    pub rejected: Vec<Rejected>,
}

/// The valid shares of one message by index, with where each came from.
type Chosen<'a> = BTreeMap<usize, (&'a Share, &'a str)>;

/// Checks one share against the sender's key and the recipient; the header hash it
/// belongs to, or why not.
fn check_share(s: &Share, recipient: &PublicKey, sender: &PublicKey) -> Result<Vec<u8>, String> {
    let h = &s.header;
    if s.v != VERSION || h.v != VERSION {
        return Err(format!("unsupported version {}", s.v));
    }
    let header_bytes = canonical(h);
    let sig = B64.decode(&s.header_signature).unwrap_or_default();
    if h.sender != sender.to_text() || !sender.verify(&header_bytes, &sig) {
        return Err("its header is not signed by the sender's key".into());
    }
    if h.recipient != recipient.to_text() {
        return Err(format!(
            "it is addressed to {}, not to this key",
            h.recipient
        ));
    }
    let sig = B64.decode(&s.signature).unwrap_or_default();
    if !sender.verify(&share_message(s), &sig) {
        return Err("altered: its signature does not verify".into());
    }
    if s.index == 0 || s.index > h.n || h.conduits.len() != h.n || h.k == 0 || h.k > h.n {
        return Err(format!(
            "index {} is not one of the header's {} shares",
            s.index, h.n
        ));
    }
    if h.conduits[s.index - 1] != s.conduit {
        return Err(format!(
            "share {} belongs to conduit {:?}, not {:?}",
            s.index,
            h.conduits[s.index - 1],
            s.conduit
        ));
    }
    let data = B64
        .decode(&s.data)
        .map_err(|_| "its data is not base64".to_owned())?;
    let key_share = B64
        .decode(&s.key_share)
        .map_err(|_| "its key share is not base64".to_owned())?;
    if key_share.first().map(|x| usize::from(*x)) != Some(s.index) {
        return Err("its key share is for another index".into());
    }
    let path: Vec<[u8; 32]> = s
        .merkle_path
        .iter()
        .map(|p| B64.decode(p).ok().and_then(|b| b.try_into().ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| "its Merkle path is malformed".to_owned())?;
    let root: [u8; 32] = B64
        .decode(&h.merkle_root)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "the header's Merkle root is malformed".to_owned())?;
    let l = leaf(&h.message_id, s.index, &s.conduit, &data, &key_share);
    verity_ledger::merkle::verify_inclusion((s.index - 1) as u64, h.n as u64, &l, &path, &root)
        .map_err(|_| "not one of the shares the header commits to (Merkle path)".to_owned())?;
    Ok(header_bytes)
}

/// Opens a message from `shares` (each with the name of where it came from). Shares
/// are grouped by the message they belong to; the message with the most valid shares
/// is opened, and shares of any other are rejected as such.
pub fn open(
    recipient: &PrivateKey,
    sender: &PublicKey,
    shares: &[(String, Result<Share, String>)],
) -> Opened {
    let me = recipient.public();
    let mut rejected = Vec::new();
    // header bytes → (header, index → (share, source))
    let mut sets: BTreeMap<Vec<u8>, (Header, Chosen<'_>)> = BTreeMap::new();
    for (source, parsed) in shares {
        let s = match parsed {
            Ok(s) => s,
            Err(e) => {
                rejected.push(Rejected {
                    source: source.clone(),
                    conduit: None,
                    index: None,
                    reason: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        let reject = |reason: String| Rejected {
            source: source.clone(),
            conduit: Some(s.conduit.clone()),
            index: Some(s.index),
            reason,
        };
        match check_share(s, &me, sender) {
            Err(reason) => rejected.push(reject(reason)),
            Ok(hb) => {
                let set = sets
                    .entry(hb)
                    .or_insert_with(|| (s.header.clone(), BTreeMap::new()));
                match set.1.entry(s.index) {
                    std::collections::btree_map::Entry::Occupied(_) => rejected.push(reject(
                        format!("a second copy of share {} (a replay)", s.index),
                    )),
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert((s, source.as_str()));
                    }
                }
            }
        }
    }
    // The message with the most valid shares; the others' shares are rejected.
    let best = sets
        .iter()
        .max_by_key(|(_, (_, m))| m.len())
        .map(|(hb, _)| hb.clone());
    let Some(best) = best else {
        return Opened {
            message: Err(ChannelError::NotEnough { need: 0, have: 0 }),
            header: None,
            accepted: Vec::new(),
            rejected,
        };
    };
    let (header, chosen) = sets.remove(&best).unwrap_or_else(|| unreachable!());
    for (h, m) in sets.values() {
        for (s, src) in m.values() {
            rejected.push(Rejected {
                source: (*src).to_owned(),
                conduit: Some(s.conduit.clone()),
                index: Some(s.index),
                reason: format!(
                    "a share of another message ({}), not of {}",
                    h.message_id, header.message_id
                ),
            });
        }
    }
    let accepted: Vec<(usize, String, String)> = chosen
        .iter()
        .map(|(i, (s, src))| (*i, s.conduit.clone(), (*src).to_owned()))
        .collect();
    let message = if chosen.len() < header.k {
        Err(ChannelError::NotEnough {
            need: header.k,
            have: chosen.len(),
        })
    } else {
        combine(recipient, &header, &chosen)
    };
    Opened {
        message,
        header: Some(header),
        accepted,
        rejected,
    }
}

fn combine(
    recipient: &PrivateKey,
    header: &Header,
    chosen: &Chosen<'_>,
) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
    let use_k: Vec<&Share> = chosen.values().take(header.k).map(|(s, _)| *s).collect();
    let data: BTreeMap<usize, Vec<u8>> = use_k
        .iter()
        .map(|s| (s.index, B64.decode(&s.data).unwrap_or_default()))
        .collect();
    let ct = erasure_decode(&data, header.n, header.k, header.ciphertext_len)?;
    let key_shares: Vec<blahaj::Share> = use_k
        .iter()
        .filter_map(|s| {
            let b = Zeroizing::new(B64.decode(&s.key_share).ok()?);
            blahaj::Share::try_from(b.as_slice()).ok()
        })
        .collect();
    let wrapped = Zeroizing::new(
        blahaj::Sharks(u8::try_from(header.k).unwrap_or(u8::MAX))
            .recover(&key_shares)
            .map_err(|_| ChannelError::Integrity)?,
    );
    if wrapped.len() < 32 {
        return Err(ChannelError::Integrity);
    }
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&wrapped[..32])
        .map_err(|_| ChannelError::Integrity)?;
    let key = Zeroizing::new(
        hpke::single_shot_open::<HpkeAead, Kdf, Kem>(
            &hpke::OpModeR::Base,
            &recipient.x25519,
            &enc,
            &[HPKE_INFO, header.message_id.as_bytes()].concat(),
            &wrapped[32..],
            &aad(header),
        )
        .map_err(|_| ChannelError::Integrity)?,
    );
    if key.len() != 32 {
        return Err(ChannelError::Integrity);
    }
    let nonce = B64
        .decode(&header.nonce)
        .map_err(|_| ChannelError::Integrity)?;
    if nonce.len() != 12 {
        return Err(ChannelError::Integrity);
    }
    let cipher = ChaCha20Poly1305::new_from_slice(&key).map_err(|_| ChannelError::Integrity)?;
    cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: &aad(header),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ChannelError::Integrity)
}

/// Reads a share from its JSON text.
pub fn parse_share(text: &str) -> Result<Share, String> {
    serde_json::from_str(text).map_err(|e| format!("not a share: {e}"))
}

/// A share as the JSON text a conduit carries.
pub fn share_text(s: &Share) -> String {
    serde_json::to_string_pretty(s).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("hex")
    }

    /// The suite used to wrap keys is exactly RFC 9180's DHKEM(X25519, HKDF-SHA256),
    /// HKDF-SHA256, ChaCha20Poly1305: its known-answer vector (Appendix A.2.1, base
    /// mode, sequence number 0) opens, and a changed byte does not.
    #[test]
    fn the_hpke_suite_matches_rfc_9180_a_2_1() {
        let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&unhex(
            "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
        ))
        .expect("skRm");
        let pk = Kem::sk_to_pk(&sk);
        assert_eq!(
            hex::encode(pk.to_bytes()),
            "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a"
        );
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&unhex(
            "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
        ))
        .expect("enc");
        let info = unhex("4f6465206f6e2061204772656369616e2055726e");
        let aad = unhex("436f756e742d30");
        let mut ct = unhex(
            "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
        );
        let pt = hpke::single_shot_open::<HpkeAead, Kdf, Kem>(
            &hpke::OpModeR::Base,
            &sk,
            &enc,
            &info,
            &ct,
            &aad,
        )
        .expect("the RFC's ciphertext opens");
        assert_eq!(
            hex::encode(pt),
            "4265617574792069732074727574682c20747275746820626561757479"
        );
        ct[0] ^= 1;
        assert!(
            hpke::single_shot_open::<HpkeAead, Kdf, Kem>(
                &hpke::OpModeR::Base,
                &sk,
                &enc,
                &info,
                &ct,
                &aad
            )
            .is_err()
        );
    }

    /// The erasure layer alone: any k of n shards give the ciphertext back, for lengths
    /// that do and do not divide by k.
    #[test]
    fn erasure_shards_rebuild_from_any_k() {
        for len in [0usize, 1, 2, 3, 100, 257] {
            let ct: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let (n, k) = (5, 3);
            let shards = erasure_encode(&ct, n, k).expect("encode");
            for drop_a in 0..n {
                for drop_b in drop_a + 1..n {
                    let present: BTreeMap<usize, Vec<u8>> = (0..n)
                        .filter(|i| *i != drop_a && *i != drop_b)
                        .map(|i| (i + 1, shards[i].clone()))
                        .collect();
                    assert_eq!(erasure_decode(&present, n, k, len).expect("decode"), ct);
                }
            }
        }
    }
}
