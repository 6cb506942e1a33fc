//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one line per
//! signature: `— <key name> base64(4-byte key id || signature)`. Keys are named; a
//! key id is `SHA-256(name || 0x0A || 0x01 || public key)[:4]`. Verifier keys are
//! written `name+hexid+base64(0x01 || public key)` and signer keys
//! `PRIVATE+KEY+name+hexid+base64(0x01 || seed)`, the forms of the reference
//! implementation, so keys interoperate with other tools of the ecosystem.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature type byte for Ed25519 (c2sp.org/signed-note).
pub const ALG_ED25519: u8 = 0x01;

/// Signature type byte of C2SP tlog-cosignature/v1 (timestamped Ed25519 witness
/// cosignatures, c2sp.org/tlog-cosignature).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Readers must accept at least 16 signatures; we cap at 100 like the reference
/// implementation, so a hostile note cannot make verification unbounded.
pub const MAX_SIGNATURES: usize = 100;

const EM_DASH_SPACE: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error(
        "invalid key name {0:?}: a key name must be non-empty and contain no '+' or whitespace"
    )]
    BadKeyName(String),
    #[error("malformed {what} key: {why}")]
    MalformedKey { what: &'static str, why: String },
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("note text must end with a newline and contain no control characters but newlines")]
    BadText,
    #[error("signature by known key {name} (id {key_id:08x}) does not verify")]
    BadSignature { name: String, key_id: u32 },
    #[error("no signature on the note is by a trusted key (signed by: {0})")]
    Unverified(String),
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
}

/// True when `name` is acceptable as a key name (c2sp.org/signed-note).
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::BadKeyName(name.to_string()))
    }
}

/// `SHA-256(name || 0x0A || alg || public key)[:4]`, big-endian.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A named Ed25519 public key that checks signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoteVerifier({})", self.to_text())
    }
}

impl NoteVerifier {
    pub fn new(name: &str, key: VerifyingKey) -> Result<NoteVerifier, NoteError> {
        check_name(name)?;
        Ok(NoteVerifier {
            name: name.to_string(),
            key_id: key_id(name, ALG_ED25519, key.as_bytes()),
            key,
        })
    }

    /// Parses `name+hexid+base64(0x01 || public key)`.
    pub fn from_text(text: &str) -> Result<NoteVerifier, NoteError> {
        let key_text = KeyText::parse(text.trim(), "verifier", "", "32 bytes")?;
        let key = VerifyingKey::from_bytes(&key_text.key)
            .map_err(|e| key_text.bad(format!("not an Ed25519 public key: {e}")))?;
        let v = NoteVerifier::new(key_text.name, key)?;
        key_text.check_id(v.key_id)?;
        Ok(v)
    }

    pub fn to_text(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The key id of this key acting as a tlog-cosignature/v1 cosigner (the same
    /// Ed25519 key under signature type 0x04).
    pub fn cosigner_key_id(&self) -> u32 {
        key_id(&self.name, ALG_COSIGNATURE_V1, self.key.as_bytes())
    }

    /// Checks a raw Ed25519 signature on `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify(msg, &sig).is_ok()
    }
}

/// A key in text form, `{prefix}name+hexid+base64(0x01 || 32 bytes)`: the parsing and
/// checks verifier and signer keys share. `what` names the kind of key in errors,
/// `bytes` what its 32 bytes are.
struct KeyText<'a> {
    what: &'static str,
    name: &'a str,
    id: u32,
    key: [u8; 32],
}

impl<'a> KeyText<'a> {
    fn parse(
        text: &'a str,
        what: &'static str,
        prefix: &str,
        bytes: &str,
    ) -> Result<KeyText<'a>, NoteError> {
        let bad = |why: String| NoteError::MalformedKey { what, why };
        let expected = || bad(format!("expected {prefix}name+hexid+base64"));
        let mut parts = text
            .strip_prefix(prefix)
            .ok_or_else(expected)?
            .splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(expected());
        };
        check_name(name)?;
        let id = parse_key_id(id_hex).ok_or_else(|| bad("key id must be 8 hex digits".into()))?;
        let raw = B64
            .decode(b64)
            .map_err(|e| bad(format!("key is not base64: {e}")))?;
        let key = match raw.split_first() {
            Some((&ALG_ED25519, key)) => <[u8; 32]>::try_from(key).ok(),
            _ => None,
        }
        .ok_or_else(|| bad(format!("expected an Ed25519 key (type 0x01 and {bytes})")))?;
        Ok(KeyText {
            what,
            name,
            id,
            key,
        })
    }

    fn bad(&self, why: String) -> NoteError {
        NoteError::MalformedKey {
            what: self.what,
            why,
        }
    }

    /// The key id in the text must be the one the name and key give.
    fn check_id(&self, actual: u32) -> Result<(), NoteError> {
        if self.id == actual {
            return Ok(());
        }
        Err(self.bad(format!(
            "key id {:08x} does not match the key (expected {actual:08x})",
            self.id
        )))
    }
}

fn parse_key_id(s: &str) -> Option<u32> {
    (s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(s, 16).ok())
        .flatten()
}

/// A named Ed25519 private key that signs notes and entries.
#[derive(Clone)]
pub struct NoteSigner {
    verifier: NoteVerifier,
    key: SigningKey,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the private key.
        write!(f, "NoteSigner({})", self.verifier.to_text())
    }
}

impl NoteSigner {
    /// A fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<NoteSigner, NoteError> {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        NoteSigner::from_signing_key(name, key)
    }

    pub fn from_signing_key(name: &str, key: SigningKey) -> Result<NoteSigner, NoteError> {
        Ok(NoteSigner {
            verifier: NoteVerifier::new(name, key.verifying_key())?,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+name+hexid+base64(0x01 || 32-byte seed)`.
    pub fn from_text(text: &str) -> Result<NoteSigner, NoteError> {
        let key_text = KeyText::parse(text.trim(), "signer", "PRIVATE+KEY+", "a 32-byte seed")?;
        let s = NoteSigner::from_signing_key(key_text.name, SigningKey::from_bytes(&key_text.key))?;
        key_text.check_id(s.verifier.key_id)?;
        Ok(s)
    }

    pub fn to_text(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.verifier.name,
            self.verifier.key_id,
            B64.encode(raw)
        )
    }

    pub fn name(&self) -> &str {
        &self.verifier.name
    }

    pub fn key_id(&self) -> u32 {
        self.verifier.key_id
    }

    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// A raw Ed25519 signature on `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    pub signature: Vec<u8>,
}

/// A signed note: its text (ending in a newline) and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::BadText);
    }
    Ok(())
}

impl Note {
    /// An unsigned note over `text`.
    pub fn new(text: &str) -> Result<Note, NoteError> {
        check_text(text)?;
        Ok(Note {
            text: text.to_string(),
            signatures: Vec::new(),
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds (or replaces) the signature of `signer`: co-signing is adding more.
    pub fn sign(&mut self, signer: &NoteSigner) -> Result<(), NoteError> {
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let sig = NoteSignature {
            name: signer.name().to_string(),
            key_id: signer.key_id(),
            signature: signer.sign(self.text.as_bytes()).to_vec(),
        };
        self.signatures
            .retain(|s| !(s.name == sig.name && s.key_id == sig.key_id));
        self.signatures.push(sig);
        Ok(())
    }

    /// Parses a signed note. Signatures are not checked here; see [`Note::verify`].
    pub fn parse(msg: &str) -> Result<Note, NoteError> {
        if msg.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoteError::BadText);
        }
        // The signature block follows the LAST blank line; the text keeps its final
        // newline (it is what was signed).
        let split = msg
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let text = &msg[..split + 1];
        let sig_block = &msg[split + 2..];
        if !sig_block.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the signature block must end with a newline".into(),
            ));
        }
        let mut signatures = Vec::new();
        for (i, line) in sig_block[..sig_block.len() - 1].split('\n').enumerate() {
            let bad = |why: &str| {
                NoteError::Malformed(format!("signature line {}: {why}: {line:?}", i + 1))
            };
            let rest = line
                .strip_prefix(EM_DASH_SPACE)
                .ok_or_else(|| bad("expected '— <name> <base64>'"))?;
            let (name, b64) = rest
                .split_once(' ')
                .ok_or_else(|| bad("expected '— <name> <base64>'"))?;
            check_name(name).map_err(|_| bad("invalid key name"))?;
            let raw = B64
                .decode(b64)
                .map_err(|_| bad("signature is not base64"))?;
            if raw.len() < 5 {
                return Err(bad("signature too short"));
            }
            signatures.push(NoteSignature {
                name: name.to_string(),
                key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
                signature: raw[4..].to_vec(),
            });
            if signatures.len() > MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
        }
        if signatures.is_empty() {
            return Err(NoteError::Malformed("the note has no signatures".into()));
        }
        Note::new(text).map(|n| Note { signatures, ..n })
    }

    /// Adds a C2SP tlog-cosignature/v1 by `witness` made at `timestamp` (POSIX
    /// seconds): an Ed25519 signature over `cosignature/v1\ntime <t>\n` followed by
    /// the note text, written as `key id (type 0x04) || u64 timestamp || signature`.
    pub fn cosign(&mut self, witness: &NoteSigner, timestamp: u64) -> Result<(), NoteError> {
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        if timestamp > i64::MAX as u64 {
            return Err(NoteError::Malformed(
                "cosignature timestamp beyond 2^63 - 1".into(),
            ));
        }
        let key_id = witness.verifier().cosigner_key_id();
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&witness.sign(&cosignature_message(timestamp, &self.text)));
        self.signatures
            .retain(|s| !(s.name == witness.name() && s.key_id == key_id));
        self.signatures.push(NoteSignature {
            name: witness.name().to_string(),
            key_id,
            signature,
        });
        Ok(())
    }

    /// Checks every signature made by one of `keys`, as a plain note signature
    /// (type 0x01) or as a tlog-cosignature/v1 (type 0x04); a failing one is an
    /// error. Returns the names of the keys with a valid signature (possibly none).
    pub fn verify_known(&self, keys: &[NoteVerifier]) -> Result<Vec<String>, NoteError> {
        let mut ok: Vec<String> = Vec::new();
        for sig in &self.signatures {
            let bad = || NoteError::BadSignature {
                name: sig.name.clone(),
                key_id: sig.key_id,
            };
            for k in keys.iter().filter(|k| k.name == sig.name) {
                let valid = if sig.key_id == k.key_id {
                    k.verify(self.text.as_bytes(), &sig.signature)
                } else if sig.key_id == k.cosigner_key_id() {
                    sig.signature.len() == 72 && {
                        let t = u64::from_be_bytes(sig.signature[..8].try_into().expect("8 bytes"));
                        t <= i64::MAX as u64
                            && k.verify(&cosignature_message(t, &self.text), &sig.signature[8..])
                    }
                } else {
                    continue;
                };
                if !valid {
                    return Err(bad());
                }
                if !ok.contains(&k.name) {
                    ok.push(k.name.clone());
                }
            }
        }
        Ok(ok)
    }

    /// Verifies the note against the keys the caller trusts. Signatures by unknown
    /// keys are ignored; a failing signature by a known key rejects the note; at
    /// least one known key must have signed. Returns the verifiers that signed.
    pub fn verify<'v>(
        &self,
        trusted: &'v [NoteVerifier],
    ) -> Result<Vec<&'v NoteVerifier>, NoteError> {
        let mut ok = Vec::new();
        for sig in &self.signatures {
            let Some(v) = trusted
                .iter()
                .find(|v| v.name == sig.name && v.key_id == sig.key_id)
            else {
                continue;
            };
            if !v.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::BadSignature {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !ok.contains(&v) {
                ok.push(v);
            }
        }
        if ok.is_empty() {
            let names: Vec<String> = self
                .signatures
                .iter()
                .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                .collect();
            return Err(NoteError::Unverified(names.join(", ")));
        }
        Ok(ok)
    }
}

/// `cosignature/v1\ntime <t>\n` followed by the note text (c2sp.org/tlog-cosignature).
fn cosignature_message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.signatures {
            let mut raw = s.key_id.to_be_bytes().to_vec();
            raw.extend_from_slice(&s.signature);
            writeln!(f, "{EM_DASH_SPACE}{} {}", s.name, B64.encode(raw))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_text() {
        let s = NoteSigner::generate("example.org/log").unwrap();
        let s2 = NoteSigner::from_text(&s.to_text()).unwrap();
        assert_eq!(s2.verifier(), s.verifier());
        let v = NoteVerifier::from_text(&s.verifier().to_text()).unwrap();
        assert_eq!(&v, s.verifier());
        assert!(NoteSigner::generate("has space").is_err());
        assert!(NoteSigner::generate("a+b").is_err());
    }

    #[test]
    fn malformed_key_texts_say_what_is_wrong() {
        let why = |r: Result<(), NoteError>| match r {
            Err(NoteError::MalformedKey { what, why }) => format!("{what}: {why}"),
            other => panic!("expected a malformed key, got {other:?}"),
        };
        let v = |t: &str| why(NoteVerifier::from_text(t).map(|_| ()));
        let s = |t: &str| why(NoteSigner::from_text(t).map(|_| ()));
        let signer = NoteSigner::generate("log").unwrap();
        let vtext = signer.verifier().to_text();
        let stext = signer.to_text();
        // Base64 may contain '+': the key is everything after the second '+'.
        let vb64 = vtext.splitn(3, '+').nth(2).unwrap();
        let sb64 = stext.splitn(5, '+').nth(4).unwrap();
        let id = signer.key_id();
        let other = format!("{:08x}", id ^ 1);
        assert_eq!(v("log+00"), "verifier: expected name+hexid+base64");
        assert_eq!(s(&vtext), "signer: expected PRIVATE+KEY+name+hexid+base64");
        assert_eq!(
            s("PRIVATE+KEY+log+00"),
            "signer: expected PRIVATE+KEY+name+hexid+base64"
        );
        assert_eq!(
            v(&format!("log+123+{vb64}")),
            "verifier: key id must be 8 hex digits"
        );
        assert!(v(&format!("log+{:08x}+!!", id)).starts_with("verifier: key is not base64: "));
        // A signer's text read as a verifier's: the right shape, the wrong key type.
        assert_eq!(
            v(&format!("log+{:08x}+{}", id, B64.encode([2u8; 33]))),
            "verifier: expected an Ed25519 key (type 0x01 and 32 bytes)"
        );
        assert_eq!(
            s(&format!(
                "PRIVATE+KEY+log+{:08x}+{}",
                id,
                B64.encode([1u8; 32])
            )),
            "signer: expected an Ed25519 key (type 0x01 and a 32-byte seed)"
        );
        assert_eq!(
            v(&format!("log+{}+{vb64}", other)),
            format!(
                "verifier: key id {} does not match the key (expected {id:08x})",
                other
            )
        );
        assert_eq!(
            s(&format!("PRIVATE+KEY+log+{}+{sb64}", other)),
            format!(
                "signer: key id {} does not match the key (expected {id:08x})",
                other
            )
        );
    }

    #[test]
    fn cosigned_note_verifies_against_any_trusted_subset() {
        let log = NoteSigner::generate("log").unwrap();
        let w = NoteSigner::generate("witness").unwrap();
        let mut n = Note::new("hello\n").unwrap();
        n.sign(&log).unwrap();
        n.sign(&w).unwrap();
        let parsed = Note::parse(&n.to_string()).unwrap();
        assert_eq!(parsed, n);
        let both = [log.verifier().clone(), w.verifier().clone()];
        assert_eq!(parsed.verify(&both).unwrap().len(), 2);
        assert_eq!(parsed.verify(&both[1..]).unwrap().len(), 1);
        let stranger = NoteSigner::generate("stranger").unwrap();
        assert!(matches!(
            parsed.verify(&[stranger.verifier().clone()]),
            Err(NoteError::Unverified(_))
        ));
        // A timestamped cosignature (type 0x04) by the witness verifies, is ignored
        // by plain verification, and breaks when the text changes.
        let mut c = Note::new("hello\n").unwrap();
        c.sign(&log).unwrap();
        c.cosign(&w, 1_679_315_147).unwrap();
        let text = c.to_string();
        let parsed_c = Note::parse(&text).unwrap();
        let cs = &parsed_c.signatures()[1];
        assert_eq!(cs.key_id, w.verifier().cosigner_key_id());
        assert_ne!(cs.key_id, w.key_id());
        assert_eq!(&cs.signature[..8], &1_679_315_147u64.to_be_bytes());
        let msg = b"cosignature/v1\ntime 1679315147\nhello\n";
        assert!(w.verifier().verify(msg, &cs.signature[8..]));
        assert_eq!(
            parsed_c.verify_known(&both[1..]).unwrap(),
            vec!["witness".to_string()]
        );
        assert_eq!(parsed_c.verify(&both[1..]).map_err(|_| ()), Err(()));
        let forged = Note::parse(&text.replacen("hello", "hellO", 1)).unwrap();
        assert!(matches!(
            forged.verify_known(&both[1..]),
            Err(NoteError::BadSignature { .. })
        ));
        // Tampering with the text breaks a known key's signature.
        let forged = n.to_string().replacen("hello", "hellO", 1);
        assert!(matches!(
            Note::parse(&forged).unwrap().verify(&both),
            Err(NoteError::BadSignature { .. })
        ));
    }
}
