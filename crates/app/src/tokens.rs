//! API access tokens: `vty_` and 32 random bytes in hex, shown once when created; the
//! store keeps only the SHA-256. One set of use cases for `verity token …` and the
//! server's `/api/v1/tokens`.

use sha2::{Digest, Sha256};
use verity_store::Store;
use verity_store::tokens::{self, TokenRecord};

use crate::{AppError, AppResult, Role};

/// Every token starts with this, so a leaked one is recognisable.
pub const PREFIX: &str = "vty_";

/// The longest label a token may carry, in characters.
pub const MAX_LABEL: usize = 200;

/// A fresh random token (shown to its owner once, never stored).
pub fn generate() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Failed(anyhow::anyhow!("no randomness for a token: {e}")))?;
    Ok(format!("{PREFIX}{}", hex::encode(bytes)))
}

/// The stored form of a token: lowercase hex SHA-256 of its text.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token just created: its text (this is the only time it exists) and its record.
#[derive(Debug, Clone)]
pub struct Created {
    pub token: String,
    pub record: TokenRecord,
}

fn store_err(e: verity_store::StoreError) -> AppError {
    AppError::Failed(e.into())
}

/// Creates a token of `role` labelled `label` (at most [`MAX_LABEL`] characters).
pub fn create(store: &Store, role: Role, label: &str) -> AppResult<Created> {
    if label.chars().count() > MAX_LABEL {
        return Err(AppError::field(
            "label",
            format!("({} characters)", label.chars().count()),
            format!("a label has at most {MAX_LABEL} characters"),
        ));
    }
    let token = generate()?;
    let record = store
        .write(|tx| tokens::create_token(tx, role, label, &hash(&token)))
        .map_err(store_err)?;
    Ok(Created { token, record })
}

/// The live tokens, oldest first (never their text or hash).
pub fn list(store: &Store) -> AppResult<Vec<TokenRecord>> {
    store.read(tokens::list_tokens).map_err(store_err)
}

/// Revokes a live token; `NotFound` when there is none with that id.
pub fn revoke(store: &Store, id: i64) -> AppResult<()> {
    if store
        .write(|tx| tokens::revoke_token(tx, id))
        .map_err(store_err)?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("no live token with id {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_as_their_hash() {
        let a = generate().unwrap();
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 64);
        assert_ne!(a, generate().unwrap());
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("t.db")).unwrap();
        let c = create(&store, Role::Inspector, "field team").unwrap();
        assert_eq!(c.record.role, Role::Inspector);
        let found = store
            .read(|tx| tokens::token_by_hash(tx, &hash(&c.token)))
            .unwrap();
        assert_eq!(found.map(|r| r.id), Some(c.record.id));
        assert!(matches!(
            create(&store, Role::Analyst, &"x".repeat(201)),
            Err(AppError::BadInput { .. })
        ));
        assert_eq!(list(&store).unwrap().len(), 1);
        revoke(&store, c.record.id).unwrap();
        assert!(matches!(
            revoke(&store, c.record.id),
            Err(AppError::NotFound(_))
        ));
        assert!(list(&store).unwrap().is_empty());
    }
}
