//! Keeps a connection URL's password out of everything a probe says. The executor masks
//! declared `${secret:…}` values later, but a password typed into a URL is not declared,
//! and servers and drivers sometimes echo the URL or the password back in their errors.

use crate::plan::Masker;
use crate::probe::{Outcome, Verdict};

/// The secrets of one connection URL: its password (as written and percent-decoded) and a
/// `password=` (libpq) or `pass=` (redis unix socket) query parameter.
#[derive(Debug, Default, Clone)]
pub(crate) struct Redactor {
    masker: Masker,
}

impl Redactor {
    pub(crate) fn from_url(raw: &str) -> Self {
        let mut masker = Masker::new();
        if let Ok(url) = url::Url::parse(raw) {
            if let Some(pw) = url.password() {
                masker.add(pw);
                masker.add(&decode(pw));
            }
            for (key, value) in url.query_pairs() {
                if key == "password" || key == "pass" {
                    masker.add(&value);
                }
            }
        }
        Redactor { masker }
    }

    /// `text` with the URL's secrets and any `scheme://user:password@` masked.
    #[cfg(test)]
    fn text(&self, text: &str) -> String {
        self.masker.mask(text).into_owned()
    }

    /// Masks every string an outcome carries: message, fact, warnings and details.
    pub(crate) fn outcome(&self, mut outcome: Outcome) -> Outcome {
        if let Verdict::Fail { message, .. } = &mut outcome.verdict {
            self.masker.mask_in_place(message);
        }
        self.masker.mask_in_place(&mut outcome.fact);
        for warning in &mut outcome.warnings {
            self.masker.mask_in_place(warning);
        }
        for value in outcome.details.values_mut() {
            self.masker.mask_json(value);
        }
        outcome
    }
}

/// Percent-decoding of a URL's userinfo (`+` is literal there, unlike in a query).
fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_raw_and_decoded_password_and_query_password() {
        let r = Redactor::from_url("postgres://smoke:p%40ss+w@db:5432/x?password=other1");
        assert_eq!(
            r.text("auth failed for p@ss+w and p%40ss+w"),
            "auth failed for **** and ****"
        );
        assert_eq!(r.text("other1 leaked"), "**** leaked");
        assert_eq!(
            r.text("could not connect to postgres://smoke:p%40ss+w@db:5432/x"),
            "could not connect to postgres://smoke:****@db:5432/x"
        );
    }

    #[test]
    fn masked_url_keeps_everything_else() {
        let raw = "postgres://smoke:hunter2@db:5432/x?sslmode=require&password=abc";
        let shown = Redactor::from_url(raw).text(raw);
        assert_eq!(
            shown,
            "postgres://smoke:****@db:5432/x?sslmode=require&password=****"
        );
    }

    #[test]
    fn outcome_is_masked_everywhere() {
        let r = Redactor::from_url("mysql://u:s3cret@h/db");
        let out = Outcome::fail(crate::probe::Layer::Auth, "denied for s3cret")
            .with_fact("x s3cret")
            .with_detail("url", "mysql://u:s3cret@h/db");
        let out = r.outcome(out);
        assert_eq!(
            out.verdict,
            Verdict::Fail {
                layer: crate::probe::Layer::Auth,
                message: "denied for ****".into()
            }
        );
        assert_eq!(out.fact, "x ****");
        assert_eq!(out.details["url"], "mysql://u:****@h/db");
    }

    #[test]
    fn url_without_secrets_is_unchanged() {
        let raw = "redis://cache:6379/0";
        let r = Redactor::from_url(raw);
        assert_eq!(r.text(raw), raw);
        assert_eq!(r.text("redis answered"), "redis answered");
    }
}
