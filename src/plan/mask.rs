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
        // encoding again would escape the `%` signs, forever): fully encoded, and as the
        // URL parser leaves it in each part of a URL (`a b/c` → `a%20b/c` in a query),
        // which is how it shows in targets, details and echoed bodies.
        let mut forms = vec![secret.to_string(), percent_encode(secret)];
        forms.extend(url_encodings(secret));
        // Messages quote values (`expected "…"`, JSON in details): a secret holding `"` or
        // `\` is then written escaped, and must be found escaped.
        forms.extend(quoted_forms(secret));
        for value in forms {
            if !value.is_empty() && !self.secrets.contains(&value) {
                self.secrets.push(value);
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Registers a credential the suite did not declare secret: a URL password or a
    /// credential header's value. Values under 4 characters are left to the URL-password
    /// rule: masking every `a` or `pw` in every output would make it unreadable.
    pub fn add_credential(&mut self, value: &str) {
        if value.chars().count() >= 4 {
            self.add(value);
        }
    }

    /// The credentials hidden in a URL: the password (decoded), and for http(s) the
    /// `Authorization: Basic` form the client derives from it, which an echoing server
    /// would otherwise show.
    pub fn add_url_credentials(&mut self, url: &str) {
        let Ok(parsed) = url::Url::parse(url) else {
            return;
        };
        let Some(password) = parsed.password() else {
            return;
        };
        let decoded = url::form_urlencoded::parse(format!("p={password}").as_bytes())
            .next()
            .map_or_else(|| password.to_string(), |(_, v)| v.into_owned());
        self.add_credential(password);
        self.add_credential(&decoded);
        if matches!(parsed.scheme(), "http" | "https") {
            use base64::Engine as _;
            let user = parsed.username();
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{decoded}"));
            self.add_credential(&basic);
        }
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

/// `secret` inside a Rust `{:?}` string and a JSON string, without the quotes.
fn quoted_forms(secret: &str) -> Vec<String> {
    let debug = format!("{secret:?}");
    let json = serde_json::to_string(secret).unwrap_or_default();
    [debug, json]
        .into_iter()
        .filter_map(|q| Some(q.strip_prefix('"')?.strip_suffix('"')?.to_string()))
        .collect()
}

fn percent_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `secret` as the `url` crate writes it in a path, a query (special and other schemes:
/// they differ on `'`), a fragment, a user name and a password.
fn url_encodings(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    for base in ["http://h/", "db://h/"] {
        let Ok(mut url) = url::Url::parse(base) else {
            continue;
        };
        url.set_query(Some(secret));
        out.extend(url.query().map(str::to_string));
        url.set_fragment(Some(secret));
        out.extend(url.fragment().map(str::to_string));
        url.set_path(&format!("/{secret}"));
        out.extend(url.path().get(1..).map(str::to_string));
        if url.set_username(secret).is_ok() {
            out.push(url.username().to_string());
        }
        if url.set_password(Some(secret)).is_ok() {
            out.extend(url.password().map(str::to_string));
        }
    }
    out
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
        // As the URL parser encodes it in a query: the space only.
        m.add("s3cr t/T0k+n");
        assert_eq!(
            m.mask("/echo?token=s3cr%20t/T0k+n&x=1"),
            "/echo?token=****&x=1"
        );
        assert_eq!(m.mask("/s3cr%20t/T0k+n/x"), "/****/x");
    }

    #[test]
    fn masks_secrets_as_a_url_encodes_them() {
        let mut m = Masker::new();
        m.add("a\"b €/c");
        let url = url::Url::parse("http://h/p/a\"b €/c?k=a\"b €/c").unwrap();
        assert_eq!(m.mask(url.as_str()), "http://h/p/****?k=****");
    }

    #[test]
    fn masks_quoted_secrets() {
        let mut m = Masker::new();
        m.add(r#"a"b\c"#);
        assert_eq!(
            m.mask(&format!("expected {:?}", r#"a"b\c"#)),
            "expected \"****\""
        );
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
    fn url_credentials_are_masked_in_every_form() {
        let mut m = Masker::new();
        m.add_url_credentials("https://smoke:p%40ss-w0rd@h/x");
        assert_eq!(m.mask("echoed p@ss-w0rd"), "echoed ****");
        // base64("smoke:p@ss-w0rd"), as sent in `Authorization: Basic …`
        assert_eq!(m.mask("Basic c21va2U6cEBzcy13MHJk"), "Basic ****");
        let mut m = Masker::new();
        m.add_url_credentials("postgres://u:pw@h/db");
        assert_eq!(
            m.mask("pw is short: left to the URL rule"),
            "pw is short: left to the URL rule"
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
