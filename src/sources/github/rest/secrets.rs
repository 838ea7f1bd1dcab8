//! Secrets that must never be printed: every token and key the client holds is registered
//! here, and every message the client builds passes through [`redact`] as a second line of
//! defence (octocrab itself marks nothing of the token loggable).

use std::sync::{Mutex, OnceLock};

/// Secrets that must never be printed. Filled by [`RestClient::connect`].
fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

pub(crate) fn register_secret(secret: &str) {
    if secret.len() >= 4
        && let Ok(mut list) = secrets().lock()
    {
        list.push(secret.to_owned());
    }
}

/// Replace every known secret in `text` with `[REDACTED]`.
pub fn redact(text: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(list) = secrets().lock() {
        for s in list.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
    }
    out
}
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn redacts_registered_secrets() {
        register_secret("ghp_secretsecret123");
        assert_eq!(
            redact("token ghp_secretsecret123 here"),
            "token [REDACTED] here"
        );
    }
}
