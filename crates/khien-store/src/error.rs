//! Store errors: each says what went wrong in terms the web layer can turn into a status and
//! a message a user can act on.

use khien_core::FieldError;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or outside the caller's scope (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow the action.
    #[error("forbidden")]
    Forbidden,
    /// Input failed validation; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Login refused: the account is locked until this time.
    #[error("account locked until {until}")]
    Locked { until: i64 },
    /// Login refused: wrong user name or password, or disabled account.
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    pub fn invalid(field: &str, problem: khien_core::Problem) -> StoreError {
        StoreError::Invalid(vec![FieldError::new(field, problem)])
    }

    /// True when a unique constraint was violated.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}
