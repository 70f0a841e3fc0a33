//! Chain-manager accounts and their sessions at head office.
//!
//! Why a module of its own: the chain views (uploads, failures,
//! reconciliation, regulator figures, prices) are read by named people, not
//! by whoever holds the one admin token. A manager has a name and an
//! argon2id password hash (the same PHC strings the counter's operators
//! use); signing in opens a session whose random token is returned once and
//! kept only as its SHA-256 hash, with an expiry; signing out deletes it.
//!
//! Password hashing and checking are pure functions ([`hash_password`],
//! [`verify_password`]) so that head office runs them off the async
//! threads; an unknown name is checked against [`DUMMY_HASH`] so that it
//! costs the same time as a wrong password (no user enumeration).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::{get_i, get_s, hash_secret, random_hex, ChainDb, ChainError, Result};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A valid argon2id hash of no known password: what an unknown name is
/// checked against.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// argon2id PHC string of `password`.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ChainError::WeakPassword);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ChainError::Corrupt(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches the PHC string `phc` (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A manager name: 1–64 characters, no control characters, no surrounding blanks.
pub fn valid_manager_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && name.trim() == name && !name.chars().any(char::is_control)
}

/// A session just opened (its token is shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSession {
    /// The bearer token.
    pub token: String,
    /// The manager.
    pub manager: String,
    /// When it expires (Unix ms).
    pub expires_at: i64,
}

impl ChainDb {
    /// Adds a manager with an argon2id hash made by [`hash_password`].
    pub async fn add_manager(&self, name: &str, password_hash: &str, now: i64) -> Result<()> {
        if !valid_manager_name(name) {
            return Err(ChainError::BadManagerName);
        }
        let r = sqlx::query(
            "INSERT INTO managers (name, password_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(password_hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        if r.rows_affected() == 0 {
            return Err(ChainError::ManagerExists);
        }
        tracing::info!(manager = name, "chain manager added");
        Ok(())
    }

    /// Replaces a manager's password hash and ends their sessions; false
    /// when there is no such manager.
    pub async fn set_manager_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        let r = sqlx::query("UPDATE managers SET password_hash = $1 WHERE name = $2")
            .bind(password_hash)
            .bind(name)
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM manager_sessions WHERE manager = $1")
            .bind(name)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The names of the managers, sorted.
    pub async fn managers(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT name FROM managers ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| get_s(r, 0)).collect()
    }

    /// The password hash of a manager, if there is one by that name.
    pub async fn manager_password_hash(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT password_hash FROM managers WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| get_s(&r, 0)).transpose()
    }

    /// Opens a session of `manager` (whose password was checked) valid for
    /// `ttl_ms`; expired sessions are purged on the way.
    pub async fn open_manager_session(
        &self,
        manager: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<OpenedSession> {
        sqlx::query("DELETE FROM manager_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        let token = random_hex(32)?;
        let expires_at = now.saturating_add(ttl_ms);
        sqlx::query(
            "INSERT INTO manager_sessions (token_hash, manager, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_secret(&token))
        .bind(manager)
        .bind(now)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        tracing::info!(manager, expires_at, "chain manager signed in");
        Ok(OpenedSession {
            token,
            manager: manager.to_string(),
            expires_at,
        })
    }

    /// The manager of a session token: `session_unknown` when there is no
    /// such session (or it was ended), `session_expired` past its expiry.
    pub async fn manager_of_session(&self, token: &str, now: i64) -> Result<String> {
        let row =
            sqlx::query("SELECT manager, expires_at FROM manager_sessions WHERE token_hash = $1")
                .bind(hash_secret(token))
                .fetch_optional(self.pool())
                .await?
                .ok_or(ChainError::SessionUnknown)?;
        if get_i(&row, 1)? <= now {
            return Err(ChainError::SessionExpired);
        }
        get_s(&row, 0)
    }

    /// Ends a session; false when there was none.
    pub async fn close_manager_session(&self, token: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM manager_sessions WHERE token_hash = $1")
            .bind(hash_secret(token))
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_check_only_the_password() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("anything", DUMMY_HASH));
        assert!(!verify_password("x", "not a phc string"));
        assert!(matches!(
            hash_password("short"),
            Err(ChainError::WeakPassword)
        ));
    }

    #[test]
    fn manager_names_are_plain() {
        assert!(valid_manager_name("王店长"));
        assert!(valid_manager_name("li.ming"));
        assert!(!valid_manager_name(""));
        assert!(!valid_manager_name(" li"));
        assert!(!valid_manager_name("a\nb"));
        assert!(!valid_manager_name(&"x".repeat(65)));
    }
}
