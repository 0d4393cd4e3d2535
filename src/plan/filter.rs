//! Selection by the command line: `--tag`, `--skip-tag`, `--check` (globs).

#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Run only checks having one of these tags (empty = no restriction).
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    /// Run only checks whose name matches one of these globs.
    pub checks: Vec<String>,
}

impl Filters {
    /// `None` if the check is selected, or the reason it is not.
    pub fn exclude_reason(&self, name: &str, tags: &[String]) -> Option<String> {
        if let Some(t) = self.skip_tags.iter().find(|t| tags.contains(t)) {
            return Some(format!("--skip-tag {t}"));
        }
        if !self.tags.is_empty() && !self.tags.iter().any(|t| tags.contains(t)) {
            return Some(format!("not tagged {}", self.tags.join(" or ")));
        }
        if !self.checks.is_empty() && !self.checks.iter().any(|p| glob_match(p, name)) {
            return Some(format!("does not match --check {}", self.checks.join(", ")));
        }
        None
    }
}

/// Shell-style glob: `*` any run of characters, `?` one character; otherwise exact
/// (case-sensitive). Iterative with backtracking on the last `*`: linear-ish, no recursion.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("store*", "storefront answers"));
        assert!(glob_match("*front*", "storefront answers"));
        assert!(glob_match("db?", "db1"));
        assert!(!glob_match("db?", "db12"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }

    #[test]
    fn filters_give_reasons() {
        let f = Filters {
            tags: vec!["web".into()],
            skip_tags: vec!["slow".into()],
            checks: vec![],
        };
        assert_eq!(f.exclude_reason("x", &["web".into()]), None);
        assert_eq!(
            f.exclude_reason("x", &["db".into()]).as_deref(),
            Some("not tagged web")
        );
        assert_eq!(
            f.exclude_reason("x", &["web".into(), "slow".into()])
                .as_deref(),
            Some("--skip-tag slow")
        );
    }
}
