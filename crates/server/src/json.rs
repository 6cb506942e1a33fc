//! A JSON body extractor whose rejections name the field at fault.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

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

/// Parses `bytes` as `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let msg = inner.to_string();
        // serde reports a missing field at its parent's path; name the field itself.
        let field = match msg
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
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
