//! Bearer tokens and roles.
//!
//! A token is `vty_` followed by 32 random bytes in hex; the store keeps only its
//! SHA-256, so a stolen database does not yield usable tokens. Roles:
//! - `admin` manages tokens and reads everything;
//! - `inspector` submits evidence and signed reports (which go into the log) and reads
//!   everything;
//! - `analyst` reads everything;
//! - anonymous callers read the public log, the public assessments and the agreements.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::error::ApiError;

pub use verity_app::Role;

/// Token generation and hashing are the application layer's (`verity_app::tokens`).
pub use verity_app::tokens::{
    PREFIX as TOKEN_PREFIX, generate as generate_token, hash as hash_token,
};

/// Who is calling: the role of a valid bearer token, or anonymous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub role: Option<Role>,
    /// The token's id in the store, for the log and the audit trail.
    pub token_id: Option<i64>,
}

impl Caller {
    /// Any authenticated role may read everything.
    pub fn require_reader(&self) -> Result<Role, ApiError> {
        self.role
            .ok_or_else(|| ApiError::unauthorized("this resource needs a bearer token (any role)"))
    }

    /// Exactly `role` (the roles do not nest: an admin manages tokens but does not
    /// submit evidence).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        match self.role {
            None => Err(ApiError::unauthorized(format!(
                "this action needs a bearer token with role `{role}`"
            ))),
            Some(r) if r == role => Ok(()),
            Some(r) => Err(ApiError::forbidden(format!(
                "this action needs role `{role}`; the token has role `{r}`"
            ))),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Caller {
                role: None,
                token_id: None,
            });
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not ASCII"))?;
        // The scheme is case-insensitive (RFC 9110, section 11.1): `bearer` is `Bearer`.
        let token = match value.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest,
            _ => {
                return Err(ApiError::unauthorized(
                    "the Authorization header must be `Bearer <token>`",
                ));
            }
        };
        let token = token.trim();
        if !token.starts_with(TOKEN_PREFIX) {
            return Err(ApiError::unauthorized("not a Verity token"));
        }
        let hash = hash_token(token);
        let store = state.store.clone();
        let found = crate::blocking(move || store.token_by_hash(&hash)).await?;
        match found {
            Some(rec) => Ok(Caller {
                role: Some(rec.role),
                token_id: Some(rec.id),
            }),
            None => Err(ApiError::unauthorized("unknown or revoked token")),
        }
    }
}

/// A caller with the inspector role, checked from the headers alone: as an extractor
/// before the body, a request without the role is refused before its upload is read.
#[derive(Debug, Clone, Copy)]
pub struct Inspector(pub Caller);

/// A caller with the admin role, checked before the body as [`Inspector`] is.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Inspector {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(Role::Inspector)?;
        Ok(Inspector(caller))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(Role::Admin)?;
        Ok(Admin(caller))
    }
}

/// An upload whose announced length (Content-Length) is within
/// [`crate::IMPORT_BODY_LIMIT`]: refused with 413 from the headers, after the role is
/// checked and before a byte of the body is read. (A body sent without a length is
/// still cut off at the limit as it is read.)
#[derive(Debug, Clone, Copy)]
pub struct AnnouncedSize;

impl<S: Sync> FromRequestParts<S> for AnnouncedSize {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let announced = parts
            .headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match announced {
            Some(n) if n > crate::IMPORT_BODY_LIMIT as u64 => Err(ApiError {
                status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                error: format!(
                    "the body announces {n} bytes; at most {} are accepted",
                    crate::IMPORT_BODY_LIMIT
                ),
                field: None,
                problems: Vec::new(),
            }),
            _ => Ok(AnnouncedSize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_to_sha256_hex() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("vty_") && a.len() == 4 + 64);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn roles_parse_and_do_not_nest() {
        assert_eq!("inspector".parse::<Role>(), Ok(Role::Inspector));
        assert!("root".parse::<Role>().unwrap_err().contains("root"));
        let admin = Caller {
            role: Some(Role::Admin),
            token_id: Some(1),
        };
        assert_eq!(admin.require(Role::Inspector).unwrap_err().status, 403);
        let anon = Caller {
            role: None,
            token_id: None,
        };
        assert_eq!(anon.require_reader().unwrap_err().status, 401);
        assert!(admin.require_reader().is_ok());
    }
}
