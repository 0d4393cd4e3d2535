//! Secret masking: every string that leaves the process goes through [`Masker::mask`].
//!
//! Values of `${secret:…}` are masked wherever they appear (also inside longer strings),
//! as are passwords in URLs (`postgres://u:pw@h` → `postgres://u:****@h`). Header values
//! of `Authorization`, `Cookie`, `Set-Cookie`, `Proxy-Authorization` and `*-Token` are
//! masked where headers are shown (see [`is_sensitive_header`]).

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

pub const MASK: &str = "****";

#[derive(Debug, Default, Clone)]
pub struct Masker {
    /// Longest first, so a secret containing another is masked whole.
    secrets: Vec<String>,
}

impl Masker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret value. Empty values are ignored (they would mask everything).
    pub fn add(&mut self, secret: &str) {
        // A secret that is percent-encoded in a URL must be found too (one level only:
        // encoding again would escape the `%` signs, forever).
        let encoded = percent_encode(secret);
        for value in [secret.to_string(), encoded] {
            if !value.is_empty() && !self.secrets.contains(&value) {
                self.secrets.push(value);
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Masks secrets and URL passwords in `text`.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        match mask_url_password(&out) {
            Cow::Borrowed(_) => out,
            Cow::Owned(s) => Cow::Owned(s),
        }
    }

    /// Masks in place, for the common case of owned strings.
    pub fn mask_in_place(&self, text: &mut String) {
        if let Cow::Owned(masked) = self.mask(text) {
            *text = masked;
        }
    }

    /// Masks every string (and object key) inside a JSON value.
    pub fn mask_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.mask_in_place(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.mask_json(v)),
            serde_json::Value::Object(map) => {
                // Keys rarely hold a secret: rebuild the map only when one does.
                if map.keys().any(|k| matches!(self.mask(k), Cow::Owned(_))) {
                    let entries = std::mem::take(map);
                    for (mut k, v) in entries {
                        self.mask_in_place(&mut k);
                        map.insert(k, v);
                    }
                }
                map.values_mut().for_each(|v| self.mask_json(v));
            }
            _ => {}
        }
    }
}

/// `scheme://user:password@host` → `scheme://user:****@host`, anywhere in `text`.
pub fn mask_url_password(text: &str) -> Cow<'_, str> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re =
        RE.get_or_init(|| Regex::new(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@?#]*):[^\s@/]+@").ok());
    // The regex needs both `@` and `://`: most text (URLs without userinfo) skips it.
    // `@` first: a char search is a memchr, a `&str` search sets up a searcher per call.
    match re {
        Some(re) if text.contains('@') && text.contains("://") => {
            re.replace_all(text, format!("${{1}}:{MASK}@"))
        }
        _ => Cow::Borrowed(text),
    }
}

/// Headers whose values are credentials and never shown.
pub fn is_sensitive_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-api-key" | "api-key"
    ) || lower.ends_with("-token")
        || lower == "token"
}

fn percent_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_anywhere_longest_first() {
        let mut m = Masker::new();
        m.add("abc");
        m.add("abcdef");
        assert_eq!(m.mask("x=abcdef y=abc"), "x=**** y=****");
    }

    #[test]
    fn masks_url_passwords_even_when_not_declared_secret() {
        let m = Masker::new();
        assert_eq!(
            m.mask("failed: postgres://smoke:hunter2@db:5432/x down"),
            "failed: postgres://smoke:****@db:5432/x down"
        );
        assert_eq!(m.mask("redis://:pw@cache:6379"), "redis://:****@cache:6379");
        assert_eq!(
            m.mask("https://example.com:443/a@b"),
            "https://example.com:443/a@b"
        );
    }

    #[test]
    fn masks_percent_encoded_secrets() {
        let mut m = Masker::new();
        m.add("p@ss word");
        assert_eq!(m.mask("db://u:p%40ss%20word@h"), "db://u:****@h");
        assert_eq!(m.mask("said p@ss word"), "said ****");
    }

    #[test]
    fn secrets_with_url_characters_terminate() {
        let mut m = Masker::new();
        m.add("postgres://u:hunter2@db/x?a=%41");
        assert_eq!(
            m.mask("url postgres://u:hunter2@db/x?a=%41 end"),
            "url **** end"
        );
    }

    #[test]
    fn empty_secret_masks_nothing() {
        let mut m = Masker::new();
        m.add("");
        assert_eq!(m.mask("hello"), "hello");
    }

    #[test]
    fn sensitive_headers() {
        for h in ["Authorization", "cookie", "X-Auth-Token", "Set-Cookie"] {
            assert!(is_sensitive_header(h), "{h}");
        }
        assert!(!is_sensitive_header("Content-Type"));
    }

    #[test]
    fn masks_json_keys_and_values() {
        let mut m = Masker::new();
        m.add("s3cr3t");
        let mut v = serde_json::json!({"a": ["s3cr3t", 1], "s3cr3t": "x"});
        m.mask_json(&mut v);
        assert_eq!(v, serde_json::json!({"a": ["****", 1], "****": "x"}));
    }
}
