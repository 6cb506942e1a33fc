//! Log entries: signed statements of who said what, and when.
//!
//! A statement names its kind (inspection report, declaration, evidence import), its
//! signer (an Ed25519 key with a name, given as its verifier key so anyone can check
//! the signature), the time it was signed, and its content as canonical JSON
//! (RFC 8785, JCS) with the SHA-256 of that canonical form. The signature covers
//! `"verity-log-entry/v1\n" || canonical JSON of the statement`. The leaf stored in
//! the log is the canonical JSON of the statement plus its `signature` field.
//!
//! Architecture invariant: a [`SignedEntry`] value always carries a signature that
//! verifies and a content hash that matches; the only constructors check both.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::merkle::{Hash, leaf_hash};
use crate::note::{NoteSigner, NoteVerifier};

/// Domain separation for entry signatures, so a signature on an entry can never be
/// mistaken for a signature on a note or anything else.
pub const ENTRY_SIGNATURE_CONTEXT: &[u8] = b"verity-log-entry/v1\n";

/// The format version written in every statement (`"v"`).
pub const ENTRY_VERSION: u64 = 1;

/// What a statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    InspectionReport,
    Declaration,
    EvidenceImport,
    /// A back-channel message's header (no content): who sent what to whom, through
    /// which conduits, committed to by which Merkle root.
    ChannelHeader,
    /// A recipient's receipt for one share of a back-channel message.
    ChannelReceipt,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::InspectionReport,
        Kind::Declaration,
        Kind::EvidenceImport,
        Kind::ChannelHeader,
        Kind::ChannelReceipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::InspectionReport => "inspection_report",
            Kind::Declaration => "declaration",
            Kind::EvidenceImport => "evidence_import",
            Kind::ChannelHeader => "channel_header",
            Kind::ChannelReceipt => "channel_receipt",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Kind, EntryError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| EntryError::Field {
                field: "kind",
                why: format!(
                    "{s:?} is not one of inspection_report, declaration, evidence_import, channel_header, channel_receipt"
                ),
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("entry is not valid JSON: {0}")]
    Json(String),
    #[error("entry field `{field}`: {why}")]
    Field { field: &'static str, why: String },
    #[error("entry content hash does not match its content")]
    ContentHash,
    #[error("entry signature by {0} does not verify")]
    Signature(String),
}

/// Writes `v` as RFC 8785 canonical JSON: object keys sorted by UTF-16 code units,
/// no whitespace, minimal string escapes, numbers in ECMAScript form.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&canonical_number(n)),
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Integers within ±2^53 are exact in IEEE doubles and print as integers; anything
/// else is a double printed the ECMAScript way (JCS §3.2.2.3).
fn canonical_number(n: &serde_json::Number) -> String {
    const EXACT: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        if u <= EXACT {
            return u.to_string();
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= EXACT {
            return i.to_string();
        }
    }
    es_number(n.as_f64().unwrap_or(0.0))
}

/// ECMAScript Number::toString for a finite double.
fn es_number(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as ECMAScript needs.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut s = String::new();
    if f < 0.0 {
        s.push('-');
    }
    if k <= n && n <= 21 {
        s.push_str(&digits);
        s.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        s.push_str(&digits[..n as usize]);
        s.push('.');
        s.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', (-n) as usize));
        s.push_str(&digits);
    } else {
        s.push_str(&digits[..1]);
        if k > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('e');
        s.push(if n > 0 { '+' } else { '-' });
        s.push_str(&(n - 1).abs().to_string());
    }
    s
}

/// SHA-256 of the canonical JSON of `content`.
pub fn content_hash(content: &Value) -> Hash {
    Sha256::digest(canonical_json(content).as_bytes()).into()
}

/// A signed statement, ready to be appended to a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    kind: Kind,
    signer: NoteVerifier,
    signed_at: jiff::Timestamp,
    content: Value,
    content_sha256: Hash,
    signature: [u8; 64],
    /// The canonical leaf bytes (what the Merkle tree hashes).
    leaf: Vec<u8>,
    /// What the signature covers (context string + canonical statement).
    message: Vec<u8>,
}

fn statement_value(
    kind: Kind,
    signer: &NoteVerifier,
    signed_at: &jiff::Timestamp,
    content: &Value,
    content_sha256: &Hash,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("v".into(), Value::from(ENTRY_VERSION));
    m.insert("kind".into(), Value::from(kind.as_str()));
    m.insert("signer".into(), Value::from(signer.name()));
    m.insert("signer_key".into(), Value::from(signer.to_text()));
    m.insert("signed_at".into(), Value::from(signed_at.to_string()));
    m.insert(
        "content_sha256".into(),
        Value::from(hex::encode(content_sha256)),
    );
    m.insert("content".into(), content.clone());
    m
}

fn signing_message(statement: &Map<String, Value>) -> Vec<u8> {
    let mut msg = ENTRY_SIGNATURE_CONTEXT.to_vec();
    msg.extend_from_slice(canonical_json(&Value::Object(statement.clone())).as_bytes());
    msg
}

impl SignedEntry {
    /// Signs `content` as a statement of `kind` by `signer`, now.
    pub fn sign(signer: &NoteSigner, kind: Kind, content: Value) -> SignedEntry {
        // Whole seconds: the statement's time is a record, not a nonce.
        let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
            .expect("current time is representable");
        SignedEntry::sign_at(signer, kind, content, now)
    }

    /// Signs with an explicit time (for imports replaying dated material, and tests).
    pub fn sign_at(
        signer: &NoteSigner,
        kind: Kind,
        content: Value,
        signed_at: jiff::Timestamp,
    ) -> SignedEntry {
        let content_sha256 = content_hash(&content);
        let mut st = statement_value(
            kind,
            signer.verifier(),
            &signed_at,
            &content,
            &content_sha256,
        );
        let message = signing_message(&st);
        let signature = signer.sign(&message);
        st.insert("signature".into(), Value::from(B64.encode(signature)));
        let leaf = canonical_json(&Value::Object(st)).into_bytes();
        SignedEntry {
            kind,
            signer: signer.verifier().clone(),
            signed_at,
            content,
            content_sha256,
            signature,
            leaf,
            message,
        }
    }

    /// Parses leaf bytes, checking the content hash and the signature. The bytes
    /// must be exactly the canonical form (so one statement has one leaf hash).
    pub fn from_leaf(leaf: &[u8]) -> Result<SignedEntry, EntryError> {
        let e = SignedEntry::parse_unverified(leaf, &mut HashMap::new())?;
        e.check_signature()?;
        Ok(e)
    }

    /// Parses without checking the signature; callers must check it (the batch
    /// verifier does so for many entries at once).
    fn parse_unverified(
        leaf: &[u8],
        keys: &mut HashMap<String, NoteVerifier>,
    ) -> Result<SignedEntry, EntryError> {
        let v: Value = serde_json::from_slice(leaf).map_err(|e| EntryError::Json(e.to_string()))?;
        let Value::Object(mut m) = v else {
            return Err(EntryError::Json("an entry is a JSON object".into()));
        };
        let field = |field: &'static str, why: &str| EntryError::Field {
            field,
            why: why.to_string(),
        };
        let take_str =
            |m: &mut Map<String, Value>, f: &'static str| -> Result<String, EntryError> {
                match m.remove(f) {
                    Some(Value::String(s)) => Ok(s),
                    Some(_) => Err(field(f, "must be a string")),
                    None => Err(field(f, "is missing")),
                }
            };
        if m.get("v") != Some(&Value::from(ENTRY_VERSION)) {
            return Err(field("v", "unsupported entry version (expected 1)"));
        }
        let sig_b64 = take_str(&mut m, "signature")?;
        let signature: [u8; 64] = B64
            .decode(&sig_b64)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| field("signature", "must be a base64 Ed25519 signature"))?;
        let statement = m.clone();
        let kind: Kind = take_str(&mut m, "kind")?.parse()?;
        let signer_name = take_str(&mut m, "signer")?;
        // Decoding a public key costs as much as half a signature check; entries of
        // one batch mostly share a few signers.
        let key_text = take_str(&mut m, "signer_key")?;
        let signer = match keys.get(&key_text) {
            Some(k) => k.clone(),
            None => {
                let k = NoteVerifier::from_text(&key_text)
                    .map_err(|e| field("signer_key", &e.to_string()))?;
                keys.insert(key_text, k.clone());
                k
            }
        };
        if signer.name() != signer_name {
            return Err(field("signer", "does not match the name in signer_key"));
        }
        let signed_at: jiff::Timestamp = take_str(&mut m, "signed_at")?
            .parse()
            .map_err(|e| field("signed_at", &format!("not an RFC 3339 time: {e}")))?;
        let content_sha256: Hash = hex::decode(take_str(&mut m, "content_sha256")?)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| field("content_sha256", "must be 64 hex digits"))?;
        let content = m
            .remove("content")
            .ok_or_else(|| field("content", "is missing"))?;
        m.remove("v");
        if let Some(extra) = m.keys().next() {
            return Err(EntryError::Field {
                field: "entry",
                why: format!("unknown field {extra:?}"),
            });
        }
        if content_hash(&content) != content_sha256 {
            return Err(EntryError::ContentHash);
        }
        let message = signing_message(&statement);
        let mut canon_check = statement;
        canon_check.insert("signature".into(), Value::from(sig_b64));
        if canonical_json(&Value::Object(canon_check)).as_bytes() != leaf {
            return Err(field("entry", "is not in canonical JSON form"));
        }
        Ok(SignedEntry {
            kind,
            signer,
            signed_at,
            content,
            content_sha256,
            signature,
            leaf: leaf.to_vec(),
            message,
        })
    }

    fn check_signature(&self) -> Result<(), EntryError> {
        if self.signer.verify(&self.message, &self.signature) {
            Ok(())
        } else {
            Err(EntryError::Signature(self.signer.name().to_string()))
        }
    }

    /// Parses many leaves, verifying all signatures with Ed25519 batch verification
    /// (several times faster per signature than one by one, and spread over the
    /// cores for large batches); when a batch fails, each entry is checked alone so
    /// the error names the first bad one by position. (Parsing in parallel too was
    /// measured slower here: it is cheap next to the signature checks.)
    pub fn from_leaves(leaves: &[&[u8]]) -> Result<Vec<SignedEntry>, (usize, EntryError)> {
        let mut keys = HashMap::new();
        let entries: Vec<SignedEntry> = leaves
            .iter()
            .enumerate()
            .map(|(i, l)| SignedEntry::parse_unverified(l, &mut keys).map_err(|e| (i, e)))
            .collect::<Result<_, _>>()?;
        verify_signatures_parallel(&entries)?;
        Ok(entries)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn signer(&self) -> &NoteVerifier {
        &self.signer
    }

    pub fn signed_at(&self) -> jiff::Timestamp {
        self.signed_at
    }

    pub fn content(&self) -> &Value {
        &self.content
    }

    pub fn content_sha256(&self) -> &Hash {
        &self.content_sha256
    }

    /// The bytes the log stores and hashes.
    pub fn leaf(&self) -> &[u8] {
        &self.leaf
    }

    /// `SHA-256(0x00 || leaf)`.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.leaf)
    }
}

/// Batch-verifies entry signatures; on failure finds the first bad entry.
pub fn verify_signatures(entries: &[SignedEntry]) -> Result<(), (usize, EntryError)> {
    if entries.is_empty() {
        return Ok(());
    }
    let msg_refs: Vec<&[u8]> = entries.iter().map(|e| e.message.as_slice()).collect();
    let sigs: Vec<ed25519_dalek::Signature> = entries
        .iter()
        .map(|e| ed25519_dalek::Signature::from_bytes(&e.signature))
        .collect();
    let keys: Vec<ed25519_dalek::VerifyingKey> =
        entries.iter().map(|e| *e.signer.verifying_key()).collect();
    if ed25519_dalek::verify_batch(&msg_refs, &sigs, &keys).is_ok() {
        return Ok(());
    }
    for (i, e) in entries.iter().enumerate() {
        e.check_signature().map_err(|err| (i, err))?;
    }
    // Batch verification is stricter than single verification for some malleable
    // encodings; reject rather than accept what the batch refused.
    Err((0, EntryError::Signature("batch".into())))
}

/// [`verify_signatures`] split over the machine's cores for large batches.
pub fn verify_signatures_parallel(entries: &[SignedEntry]) -> Result<(), (usize, EntryError)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || entries.len() < 256 {
        return verify_signatures(entries);
    }
    let chunk = entries.len().div_ceil(threads);
    let results: Vec<Result<(), (usize, EntryError)>> = std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .enumerate()
            .map(|(n, c)| {
                s.spawn(move || verify_signatures(c).map_err(|(i, e)| (n * chunk + i, e)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    // Report the first bad entry of the whole batch.
    results
        .into_iter()
        .find_map(Result::err)
        .map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_matches_rfc8785_examples() {
        // RFC 8785 §3.2.2.3 / Appendix B number examples.
        let cases = [
            (0.0, "0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (-1.5, "-1.5"),
            (333333333.3333333, "333333333.3333333"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740994.0, "9007199254740994"),
            (295147905179352830000.0, "295147905179352830000"),
        ];
        for (f, want) in cases {
            assert_eq!(es_number(f), want, "{f}");
        }
        let v = json!({"b": [1, 2.0, "x\n\u{1}"], "a": {"é": true, "z": null}, "\u{fb33}": 1, "\u{1f600}": 2});
        // U+1F600 is a surrogate pair (D83D...) so in UTF-16 order it sorts before
        // U+FB33, although its code point is larger.
        assert_eq!(
            canonical_json(&v),
            "{\"a\":{\"z\":null,\"é\":true},\"b\":[1,2,\"x\\n\\u0001\"],\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }

    #[test]
    fn signed_entries_round_trip_and_refuse_tampering() {
        let k = NoteSigner::generate("inspector.example/alice").unwrap();
        let e = SignedEntry::sign(
            &k,
            Kind::InspectionReport,
            json!({"site": "Natanz", "ug": 1}),
        );
        let back = SignedEntry::from_leaf(e.leaf()).unwrap();
        assert_eq!(back, e);
        let text = String::from_utf8(e.leaf().to_vec()).unwrap();
        let altered = text.replace("Natanz", "Fordow");
        assert_eq!(
            SignedEntry::from_leaf(altered.as_bytes()),
            Err(EntryError::ContentHash)
        );
        let retyped = text.replace("inspection_report", "declaration");
        assert!(matches!(
            SignedEntry::from_leaf(retyped.as_bytes()),
            Err(EntryError::Signature(_))
        ));
        let leaves: Vec<&[u8]> = vec![e.leaf(), retyped.as_bytes()];
        assert_eq!(SignedEntry::from_leaves(&leaves).unwrap_err().0, 1);
    }
}
