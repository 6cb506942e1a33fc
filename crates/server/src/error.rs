//! The API's one error shape: `{"error": "...", "field": "..."}` with the right status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
    /// The request field at fault (a JSON path such as `stocks[1].mass_kg_u`, or a
    /// query parameter name), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For an upload refused whole: every problem, each located
    /// (`file:line:col: field: message`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// An error a handler returns; it becomes a JSON [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub field: Option<String>,
    pub problems: Vec<String>,
}

impl ApiError {
    /// 400: the request is malformed; `field` names what is wrong.
    pub fn bad_field(field: impl Into<String>, error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            field: Some(field.into()),
            problems: Vec::new(),
        }
    }

    /// 400 without a single field at fault (e.g. a file with errors at a line).
    pub fn bad_request(error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    pub fn unauthorized(error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            error: error.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    pub fn forbidden(error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            error: error.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    pub fn not_found(error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error: error.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    pub fn conflict(error: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::CONFLICT,
            error: error.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    /// 500: a failure of the server or its store, logged with its cause; the client
    /// sees only that it failed.
    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %err, "internal error");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "internal error; see the server log".to_owned(),
            field: None,
            problems: Vec::new(),
        }
    }
}

impl ApiError {
    pub fn with_problems(mut self, problems: Vec<String>) -> ApiError {
        // Name the first problem's field (`file:line:col: field: …`) when it has one.
        if self.field.is_none() {
            self.field = problems.first().and_then(|p| {
                let mut parts = p.splitn(5, ':');
                let (_, _, _) = (parts.next()?, parts.next()?, parts.next()?);
                let field = parts.next()?.trim();
                parts.next()?;
                (!field.is_empty() && !field.contains(' ')).then(|| field.to_owned())
            });
        }
        self.problems = problems;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(ErrorBody {
                // Messages may quote what the client sent: never more than a few KB back.
                error: verity_app::text::echo(&self.error, 2000).into_owned(),
                field: self.field,
                problems: self.problems,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An application-layer error as an HTTP answer: bad input is 400 naming the request
/// field (the JSON path or query parameter) and the value given; a missing thing 404;
/// anything else 500.
impl From<verity_app::AppError> for ApiError {
    fn from(e: verity_app::AppError) -> ApiError {
        use verity_app::AppError;
        match e {
            AppError::BadInput {
                field,
                value,
                reason,
                problems,
            } => {
                let error = match &value {
                    Some(v) => format!("{v}: {reason}"),
                    None => reason,
                };
                let e = ApiError {
                    status: StatusCode::BAD_REQUEST,
                    error,
                    field,
                    problems: Vec::new(),
                };
                if problems.is_empty() {
                    e
                } else {
                    e.with_problems(problems)
                }
            }
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::Failed(e) => ApiError::internal(format!("{e:#}")),
        }
    }
}
