//! Variables and secrets (SPEC §2.1), substituted into a document's nodes for one
//! environment: `${name}`, `${env:NAME}`, `${env:NAME:-default}`, `${secret:NAME}`, `$${`.
//!
//! Precedence for `${name}`: `--var` > the environment's variables > the suite's `vars` >
//! `vars` of files holding no checks (shared). Values may use other variables. Every
//! secret value read is registered with the [`Masker`].

use std::collections::HashMap;

use crate::suite::diag::{Diagnostic, did_you_mean};
use crate::suite::raw::{Node, Pos, Value};

use super::Masker;

/// Longest value a string may have once its variables are substituted. Variables that use
/// each other twice per level (`a: ${b}${b}`, `b: ${c}${c}`…) double at every level: forty
/// lines would ask for terabytes. No URL, header or body in a suite needs more than this.
pub const MAX_EXPANDED_BYTES: usize = 1 << 20;

/// `validate`/`list` need no secrets: an unset env var or secret is a warning there and
/// leaves a placeholder; under `run` it is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Run,
    Validate,
}

/// Where a variable's value comes from.
#[derive(Debug, Clone)]
pub enum VarSource {
    /// `--var KEY=VALUE`: taken literally.
    Cli(String),
    /// A value written in a suite (may reference other variables), with its position.
    Suite(String, Pos),
}

/// A parsed piece of a template.
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Lit(&'a str),
    Var(&'a str),
    Env {
        name: &'a str,
        default: Option<&'a str>,
    },
    Secret(&'a str),
}

/// Splits `text` into literal text and references. `$${` is a literal `${`.
fn parse_template(text: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        let after = &rest[i..];
        if after.starts_with("$${") {
            parts.push(Part::Lit(&rest[..i]));
            parts.push(Part::Lit("${"));
            rest = &rest[i + 3..];
            continue;
        }
        if !after.starts_with("${") {
            parts.push(Part::Lit(&rest[..=i]));
            rest = &rest[i + 1..];
            continue;
        }
        parts.push(Part::Lit(&rest[..i]));
        let body_start = i + 2;
        let Some(len) = rest[body_start..].find('}') else {
            return Err(format!(
                "unterminated `${{` in {text:?} (write `$${{` for a literal `${{`)"
            ));
        };
        let body = &rest[body_start..body_start + len];
        parts.push(reference(body)?);
        rest = &rest[body_start + len + 1..];
    }
    parts.push(Part::Lit(rest));
    parts.retain(|p| *p != Part::Lit(""));
    Ok(parts)
}

fn reference(body: &str) -> Result<Part<'_>, String> {
    let valid = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if let Some(rest) = body.strip_prefix("env:") {
        let (name, default) = match rest.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (rest, None),
        };
        return if valid(name) {
            Ok(Part::Env { name, default })
        } else {
            Err(format!("bad environment variable name in `${{{body}}}`"))
        };
    }
    if let Some(name) = body.strip_prefix("secret:") {
        return if valid(name) {
            Ok(Part::Secret(name))
        } else {
            Err(format!("bad secret name in `${{{body}}}`"))
        };
    }
    if valid(body) {
        Ok(Part::Var(body))
    } else {
        Err(format!(
            "bad variable reference `${{{body}}}` (use `${{name}}`, `${{env:NAME}}` or `${{secret:NAME}}`)"
        ))
    }
}

/// Resolves references for one environment.
pub struct Resolver<'a> {
    pub vars: &'a HashMap<String, VarSource>,
    pub mode: Mode,
    /// Reads the process environment (injectable for tests).
    pub getenv: &'a dyn Fn(&str) -> Option<String>,
    /// Names defined in other environments, for "not defined for `staging`" messages.
    pub elsewhere: &'a dyn Fn(&str) -> Vec<String>,
    pub env_name: Option<&'a str>,
    pub masker: &'a mut Masker,
    pub diags: Vec<Diagnostic>,
    cache: HashMap<String, Option<Resolved>>,
}

#[derive(Debug, Clone)]
struct Resolved {
    text: String,
    unresolved: bool,
}

impl<'a> Resolver<'a> {
    pub fn new(
        vars: &'a HashMap<String, VarSource>,
        mode: Mode,
        getenv: &'a dyn Fn(&str) -> Option<String>,
        elsewhere: &'a dyn Fn(&str) -> Vec<String>,
        env_name: Option<&'a str>,
        masker: &'a mut Masker,
    ) -> Self {
        Resolver {
            vars,
            mode,
            getenv,
            elsewhere,
            env_name,
            masker,
            diags: Vec::new(),
            cache: HashMap::new(),
        }
    }

    /// A copy of `node` with every string substituted.
    pub fn substitute(&mut self, node: &Node) -> Node {
        let value = match &node.value {
            Value::Str { text, .. } if text.contains('$') => {
                let r = self.interpolate(text, node.pos, &mut Vec::new());
                Value::Str {
                    text: r.text,
                    unresolved: r.unresolved,
                }
            }
            Value::Seq(items) => Value::Seq(items.iter().map(|n| self.substitute(n)).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.substitute(v)))
                    .collect(),
            ),
            other => other.clone(),
        };
        Node {
            pos: node.pos,
            value,
        }
    }

    /// [`Self::substitute`] without the copy, for a tree's last use (the last environment).
    pub fn substitute_owned(&mut self, mut node: Node) -> Node {
        self.substitute_in_place(&mut node);
        node
    }

    fn substitute_in_place(&mut self, node: &mut Node) {
        match &mut node.value {
            Value::Str { text, unresolved } if text.contains('$') => {
                let r = self.interpolate(text, node.pos, &mut Vec::new());
                *text = r.text;
                *unresolved = r.unresolved;
            }
            Value::Seq(items) => items.iter_mut().for_each(|n| self.substitute_in_place(n)),
            Value::Map(entries) => entries
                .iter_mut()
                .for_each(|(_, v)| self.substitute_in_place(v)),
            _ => {}
        }
    }

    /// Substitutes one string; problems become diagnostics at `pos`.
    fn interpolate(&mut self, text: &str, pos: Pos, stack: &mut Vec<String>) -> Resolved {
        let parts = match parse_template(text) {
            Ok(p) => p,
            Err(e) => {
                self.diags.push(Diagnostic::error(pos, e));
                return Resolved {
                    text: text.to_string(),
                    unresolved: true,
                };
            }
        };
        let mut out = Resolved {
            text: String::with_capacity(text.len()),
            unresolved: false,
        };
        for part in parts {
            match part {
                Part::Lit(s) => out.text.push_str(s),
                Part::Var(name) => match self.var(name, pos, stack) {
                    Some(r) => {
                        out.text.push_str(&r.text);
                        out.unresolved |= r.unresolved;
                    }
                    None => {
                        out.text.push_str(&format!("${{{name}}}"));
                        out.unresolved = true;
                    }
                },
                Part::Env { name, default } => match ((self.getenv)(name), default) {
                    (Some(v), _) => out.text.push_str(&v),
                    (None, Some(d)) => out.text.push_str(d),
                    (None, None) => {
                        self.missing(pos, format!("environment variable `{name}` is not set (used here as `${{env:{name}}}`; give a default with `${{env:{name}:-value}}`)"));
                        out.text.push_str(&format!("${{env:{name}}}"));
                        out.unresolved = true;
                    }
                },
                Part::Secret(name) => match (self.getenv)(name) {
                    Some(v) => {
                        self.masker.add(&v);
                        out.text.push_str(&v);
                    }
                    None => {
                        self.missing(pos, format!("secret `{name}` is not set: export {name} in the environment that runs smokecheck"));
                        out.text.push_str(&format!("${{secret:{name}}}"));
                        out.unresolved = true;
                    }
                },
            }
            // Checked as it grows, so memory stays bounded whatever the suite says.
            if out.text.len() > MAX_EXPANDED_BYTES {
                self.diags.push(Diagnostic::error(
                    pos,
                    "value is longer than 1 MiB once its variables are substituted (variables that repeat each other?)".to_string(),
                ));
                // Empty, not the template: a template copied up the chain would double
                // again at every level above.
                return Resolved {
                    text: String::new(),
                    unresolved: true,
                };
            }
        }
        out
    }

    fn missing(&mut self, pos: Pos, message: String) {
        let d = match self.mode {
            Mode::Run => Diagnostic::error(pos, message),
            Mode::Validate => Diagnostic::warning(pos, message),
        };
        self.diags.push(d);
    }

    fn var(&mut self, name: &str, pos: Pos, stack: &mut Vec<String>) -> Option<Resolved> {
        if let Some(cached) = self.cache.get(name) {
            return cached.clone();
        }
        if stack.iter().any(|s| s == name) {
            stack.push(name.to_string());
            self.diags.push(Diagnostic::error(
                pos,
                format!(
                    "variables refer to each other in a cycle: {}",
                    stack.join(" → ")
                ),
            ));
            stack.pop();
            return None;
        }
        let resolved = match self.vars.get(name) {
            Some(VarSource::Cli(v)) => Some(Resolved {
                text: v.clone(),
                unresolved: false,
            }),
            Some(VarSource::Suite(template, def_pos)) => {
                let (template, def_pos) = (template.clone(), *def_pos);
                stack.push(name.to_string());
                let r = self.interpolate(&template, def_pos, stack);
                stack.pop();
                Some(r)
            }
            None => {
                self.unknown(name, pos);
                None
            }
        };
        self.cache.insert(name.to_string(), resolved.clone());
        resolved
    }

    fn unknown(&mut self, name: &str, pos: Pos) {
        let elsewhere = (self.elsewhere)(name);
        let mut msg = format!("unknown variable `{name}` in `${{{name}}}`");
        if !elsewhere.is_empty() {
            let env = self.env_name.unwrap_or("(none)");
            msg = format!(
                "variable `{name}` is not defined for environment `{env}` (it is defined for {})",
                elsewhere.join(", ")
            );
        } else if let Some(s) = did_you_mean(name, self.vars.keys().map(String::as_str)) {
            msg.push_str(&format!(" (did you mean `{s}`?)"));
        } else if self.vars.is_empty() {
            msg.push_str("; no variables are defined (add `vars:` or pass `--var name=value`)");
        }
        self.diags.push(Diagnostic::error(pos, msg));
    }
}

/// Substitutes a standalone string (no position): for tests and simple uses.
pub fn interpolate_str(resolver: &mut Resolver, text: &str) -> (String, bool) {
    let r = resolver.interpolate(text, Pos::default(), &mut Vec::new());
    (r.text, r.unresolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        vars: &[(&str, VarSource)],
        env: &[(&str, &str)],
        mode: Mode,
        text: &str,
    ) -> (String, bool, Vec<String>, Masker) {
        let vars: HashMap<String, VarSource> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let getenv = move |n: &str| env.get(n).cloned();
        let elsewhere = |_: &str| Vec::new();
        let mut masker = Masker::new();
        let mut r = Resolver::new(&vars, mode, &getenv, &elsewhere, Some("prod"), &mut masker);
        let (text, unresolved) = interpolate_str(&mut r, text);
        let diags = r.diags.iter().map(|d| d.message.clone()).collect();
        (text, unresolved, diags, masker)
    }

    fn suite(v: &str) -> VarSource {
        VarSource::Suite(v.into(), Pos::default())
    }

    #[test]
    fn substitutes_every_reference_form() {
        let (t, u, d, _) = run(
            &[
                ("base", suite("https://${host}")),
                ("host", suite("shop.example")),
            ],
            &[("BUILD", "42")],
            Mode::Run,
            "${base}/v/${env:BUILD}/${env:NOPE:-x}/$${literal}",
        );
        assert_eq!(t, "https://shop.example/v/42/x/${literal}");
        assert!(!u);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn secrets_are_registered_for_masking() {
        let (t, _, _, masker) = run(
            &[],
            &[("TOKEN", "s3cr3t")],
            Mode::Run,
            "Bearer ${secret:TOKEN}",
        );
        assert_eq!(t, "Bearer s3cr3t");
        assert_eq!(masker.mask(&t), "Bearer ****");
    }

    #[test]
    fn missing_secret_is_error_under_run_warning_under_validate() {
        let (_, u, d, _) = run(&[], &[], Mode::Run, "${secret:DB}");
        assert!(u);
        assert_eq!(
            d,
            ["secret `DB` is not set: export DB in the environment that runs smokecheck"]
        );
        let (t, u, _, _) = run(&[], &[], Mode::Validate, "${secret:DB}");
        assert_eq!(t, "${secret:DB}");
        assert!(u);
    }

    #[test]
    fn cli_vars_are_literal_and_win() {
        let (t, _, _, _) = run(
            &[("a", VarSource::Cli("${b}".into()))],
            &[],
            Mode::Run,
            "${a}",
        );
        assert_eq!(t, "${b}");
    }

    #[test]
    fn unknown_variable_suggests() {
        let (_, _, d, _) = run(&[("base_url", suite("x"))], &[], Mode::Run, "${base_ur}");
        assert_eq!(
            d,
            ["unknown variable `base_ur` in `${base_ur}` (did you mean `base_url`?)"]
        );
    }

    #[test]
    fn cycles_are_errors_not_hangs() {
        let (_, _, d, _) = run(
            &[("a", suite("${b}")), ("b", suite("${a}"))],
            &[],
            Mode::Run,
            "${a}",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("cycle: a → b → a"), "{d:?}");
    }

    #[test]
    fn exponential_expansion_is_an_error_not_an_abort() {
        let mut vars: Vec<(String, VarSource)> = (0..40)
            .map(|i| {
                (
                    format!("v{i}"),
                    suite(&format!("${{v{}}}${{v{}}}", i + 1, i + 1)),
                )
            })
            .collect();
        vars.push(("v40".into(), suite("abcdefgh")));
        let vars: Vec<(&str, VarSource)> =
            vars.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let (_, unresolved, d, _) = run(&vars, &[], Mode::Run, "${v0}");
        assert!(unresolved);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with("value is longer than 1 MiB"), "{d:?}");
    }

    #[test]
    fn template_syntax_errors() {
        assert!(parse_template("${unterminated").is_err());
        assert!(parse_template("${}").is_err());
        assert!(parse_template("${env:}").is_err());
        assert!(parse_template("${1x}").is_err());
        assert_eq!(
            parse_template("a$b").unwrap(),
            vec![Part::Lit("a$"), Part::Lit("b")]
        );
    }
}
