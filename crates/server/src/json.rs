//! Extractors whose rejections are the API's JSON error naming the field at fault:
//! [`ValidJson`] for bodies, [`Query`] and [`Path`] in place of axum's (whose
//! rejections are plain text).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A raw body, read up to the route's limit; an oversized one is the API's JSON 413
/// (axum's own rejection is plain text).
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| ApiError {
                status: e.status(),
                error: format!("the body could not be read: {}", e.body_text()),
                field: None,
                problems: Vec::new(),
            })
    }
}

/// Like `axum::Json`, but a body that does not match the schema is a 400 whose
/// `field` is the JSON path of the first offending value (`stocks[1].mass_kg_u`), or
/// the missing field's name.
pub struct ValidJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::bad_request(
                "expected a JSON body with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError {
                status: e.status(),
                error: e.body_text(),
                field: None,
                problems: Vec::new(),
            })?;
        parse(&bytes).map(ValidJson)
    }
}

/// Like `axum::extract::Query`, but a bad parameter is a JSON 400 whose `field` is the
/// parameter's name (`?sigma=abc` → `sigma`).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or("")).map(Query)
    }
}

/// Parses a query string as `T`, naming the offending parameter on failure.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let msg = err.into_inner().to_string();
        match missing_field(&msg) {
            Some(name) => ApiError::bad_field(name, format!("missing query parameter `{name}`")),
            None if path != "." => {
                ApiError::bad_field(path.clone(), format!("query parameter `{path}`: {msg}"))
            }
            None => ApiError::bad_request(format!("bad query string: {msg}")),
        }
    })
}

/// Like `axum::extract::Path`, but a bad path segment is a JSON 400 whose `field` is
/// the segment's name (`/log/entries/abc` → `index`).
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                // A single value (`Path<u64>`) is reported without its key: take the
                // name from the route's parameters.
                let names: Vec<String> =
                    axum::extract::RawPathParams::from_request_parts(parts, state)
                        .await
                        .map(|raw| raw.iter().map(|(k, _)| k.to_owned()).collect())
                        .unwrap_or_default();
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::DeserializeError { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key } => Some(key.clone()),
                    ErrorKind::ParseErrorAtIndex { index, .. } => names.get(*index).cloned(),
                    _ if names.len() == 1 => names.into_iter().next(),
                    _ => None,
                };
                Err(ApiError {
                    status: e.status(),
                    error: e.body_text(),
                    field,
                    problems: Vec::new(),
                })
            }
            Err(e) => Err(ApiError {
                status: e.status(),
                error: e.body_text(),
                field: None,
                problems: Vec::new(),
            }),
        }
    }
}

/// The name in serde's "missing field `name`" message.
fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// Parses `bytes` as `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let msg = inner.to_string();
        // serde reports a missing field at its parent's path; name the field itself.
        let field = match missing_field(&msg) {
            Some(name) if path == "." => name.to_owned(),
            Some(name) => format!("{path}.{name}"),
            None => path,
        };
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("the body is not valid JSON: {msg}"))
        } else {
            ApiError::bad_field(field, msg)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Stock {
        assay_pct: f64,
        mass_kg_u: f64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Req {
        stocks: Vec<Stock>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Q {
        index: u64,
        sigma: Option<f64>,
    }

    #[test]
    fn names_the_wrong_query_parameter() {
        let q: Q = parse_query("index=3&sigma=2.5").unwrap();
        assert_eq!((q.index, q.sigma), (3, Some(2.5)));
        for (query, field) in [
            ("index=abc", "index"),
            ("index=-1", "index"),
            ("index=1&sigma=abc", "sigma"),
            ("sigma=1", "index"),
            ("", "index"),
        ] {
            let err = parse_query::<Q>(query).unwrap_err();
            assert_eq!(err.status, 400, "{query}");
            assert_eq!(err.field.as_deref(), Some(field), "{query}: {}", err.error);
            assert!(err.error.contains(field), "{query}: {}", err.error);
        }
    }

    #[test]
    fn names_the_wrong_field() {
        let err = parse::<Req>(
            br#"{"stocks":[{"assay_pct":3.67,"mass_kg_u":1},{"assay_pct":20,"mass_kg_u":"x"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.field.as_deref(), Some("stocks[1].mass_kg_u"));
        let err = parse::<Req>(br#"{"stocks":[{"assay_pct":3.67}]}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("stocks[0].mass_kg_u"));
        let err = parse::<Req>(br#"{}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("stocks"));
        let err = parse::<Req>(b"{not json").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.error.contains("not valid JSON"));
    }
}
