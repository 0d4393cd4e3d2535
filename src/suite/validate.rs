//! Raw → model: converts one document's (already substituted) nodes into a [`Suite`],
//! reporting every problem with its location rather than stopping at the first.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::diag::did_you_mean;
use super::kinds::{self, KindCx};
use super::model::{Check, Kind, Severity};
use super::raw::{Node, Pos};
use super::read::{self, Cx, Obj};

/// One suite for one environment.
#[derive(Debug)]
pub struct Suite {
    pub name: String,
    pub description: Option<String>,
    pub defaults: Defaults,
    pub checks: Vec<Check>,
    pub ready: Option<Ready>,
}

/// `defaults:` of a suite; `None` = not set here.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub retry_delay: Option<Duration>,
}

/// `ready:` (SPEC §2.4).
#[derive(Debug)]
pub struct Ready {
    pub timeout: Option<Duration>,
    pub interval: Option<Duration>,
    pub checks: Vec<Check>,
}

/// The nodes of one document after substitution.
pub struct SuiteNodes<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub path: &'a Path,
    pub defaults: Option<&'a Node>,
    pub checks: &'a [Node],
    pub ready: Option<&'a Node>,
}

/// `envs`: every declared environment name (for `only:`).
pub fn suite(cx: &mut Cx, nodes: &SuiteNodes, envs: &[String]) -> Suite {
    let base_dir = nodes.path.parent().unwrap_or(Path::new("."));
    let k = KindCx { base_dir };
    let defaults = nodes.defaults.map(|n| defaults(cx, n)).unwrap_or_default();
    let checks = check_list(cx, &k, nodes.checks, envs, true);
    let ready = nodes.ready.and_then(|n| ready(cx, &k, n, envs));
    Suite {
        name: nodes.name.to_string(),
        description: nodes.description.map(str::to_string),
        defaults,
        checks,
        ready,
    }
}

fn defaults(cx: &mut Cx, node: &Node) -> Defaults {
    let Some(mut o) = Obj::new(cx, node, "`defaults`") else {
        return Defaults::default();
    };
    let d = Defaults {
        timeout: o
            .get("timeout")
            .and_then(|n| read::duration(cx, n, "timeout")),
        retries: o.get("retries").and_then(|n| retries(cx, n)),
        retry_delay: o
            .get("retry_delay")
            .and_then(|n| read::duration(cx, n, "retry_delay")),
    };
    o.finish(cx);
    d
}

fn retries(cx: &mut Cx, n: &Node) -> Option<u32> {
    let r = read::unsigned(cx, n, "retries")?;
    if r > 100 {
        cx.error(n.pos, format!("`retries` of {r} is more than 100: a smoke check that needs that many is hiding a problem"));
        return None;
    }
    Some(r as u32)
}

fn ready(cx: &mut Cx, k: &KindCx, node: &Node, envs: &[String]) -> Option<Ready> {
    let mut o = Obj::new(cx, node, "`ready`")?;
    let timeout = o
        .get("timeout")
        .and_then(|n| read::duration(cx, n, "timeout"));
    let interval = o
        .get("interval")
        .and_then(|n| read::duration(cx, n, "interval"));
    let checks = match o.get("checks") {
        Some(n) => match &n.value {
            super::raw::Value::Seq(items) => check_list(cx, k, items, envs, false),
            _ => {
                cx.error(
                    n.pos,
                    format!(
                        "`ready.checks` must be a list of checks, found {}",
                        read::type_name(n)
                    ),
                );
                Vec::new()
            }
        },
        None => {
            cx.error(
                node.pos,
                "`ready` needs `checks`: the checks polled until the deployment is ready",
            );
            Vec::new()
        }
    };
    o.finish(cx);
    Some(Ready {
        timeout,
        interval,
        checks,
    })
}

/// What name/`needs` validation needs of a check, kept even when its kind is invalid.
struct Named {
    name: String,
    pos: Pos,
    needs: Vec<String>,
    needs_pos: Pos,
}

/// Converts a list of checks, then checks names and `needs` across the list.
fn check_list(
    cx: &mut Cx,
    k: &KindCx,
    items: &[Node],
    envs: &[String],
    allow_needs: bool,
) -> Vec<Check> {
    let (checks, named) = convert_all(cx, k, items, envs);
    let mut first_seen: HashMap<&str, Pos> = HashMap::with_capacity(named.len());
    for c in &named {
        if let Some(first) = first_seen.get(c.name.as_str()) {
            cx.error(c.pos, format!("duplicate check name `{}` (first defined at line {}): names must be unique in a suite", c.name, first.line));
        } else {
            first_seen.insert(&c.name, c.pos);
        }
    }
    for c in &named {
        if !allow_needs && !c.needs.is_empty() {
            cx.error(
                c.needs_pos,
                "ready checks cannot have `needs`: they are polled together until all pass",
            );
        }
        for need in &c.needs {
            if !first_seen.contains_key(need.as_str()) {
                let hint = did_you_mean(need, first_seen.keys().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                cx.error(
                    c.needs_pos,
                    format!("`needs` names unknown check `{need}`{hint}"),
                );
            }
        }
    }
    report_cycles(cx, &named);
    checks
}

/// Lists at least this long are converted on two threads.
const PARALLEL_FROM: usize = 1000;

/// Converts every check of a list, in order. Each conversion stands alone, so a long
/// list is cut in two halves converted side by side: about a third of the time to
/// validate a 10,000-check suite (SPEC §6: under 200 ms) goes here.
fn convert_all(
    cx: &mut Cx,
    k: &KindCx,
    items: &[Node],
    envs: &[String],
) -> (Vec<Check>, Vec<Named>) {
    if items.len() < PARALLEL_FROM {
        return convert_each(cx, k, items, envs);
    }
    let (front, back) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let back_half = scope.spawn(|| {
            let mut back_cx = Cx::default();
            let converted = convert_each(&mut back_cx, k, back, envs);
            (converted, back_cx)
        });
        let (mut checks, mut named) = convert_each(cx, k, front, envs);
        let ((more_checks, more_named), mut back_cx) = match back_half.join() {
            Ok(done) => done,
            // Its panic was already reported by the hook; do that half here instead.
            Err(_) => {
                let mut back_cx = Cx::default();
                (convert_each(&mut back_cx, k, back, envs), back_cx)
            }
        };
        checks.extend(more_checks);
        named.extend(more_named);
        cx.diags.append(&mut back_cx.diags);
        (checks, named)
    })
}

fn convert_each(
    cx: &mut Cx,
    k: &KindCx,
    items: &[Node],
    envs: &[String],
) -> (Vec<Check>, Vec<Named>) {
    let mut checks = Vec::with_capacity(items.len());
    let mut named = Vec::with_capacity(items.len());
    for item in items {
        let (check, n) = check(cx, k, item, envs);
        checks.extend(check);
        named.extend(n);
    }
    (checks, named)
}

/// Reports each `needs` cycle once, at its first check: `a → b → a`.
fn report_cycles(cx: &mut Cx, checks: &[Named]) {
    let index: HashMap<&str, usize> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done
    let mut state = vec![0u8; checks.len()];
    for start in 0..checks.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS: (node, next need to look at)
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let needs = &checks[node].needs;
            if *next >= needs.len() {
                state[node] = 2;
                stack.pop();
                continue;
            }
            let need = &needs[*next];
            *next += 1;
            let Some(&dep) = index.get(need.as_str()) else {
                continue;
            };
            match state[dep] {
                0 => {
                    state[dep] = 1;
                    stack.push((dep, 0));
                }
                1 => {
                    let from = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                    let mut names: Vec<&str> = stack[from..]
                        .iter()
                        .map(|(n, _)| checks[*n].name.as_str())
                        .collect();
                    names.push(&checks[dep].name);
                    cx.error(
                        checks[dep].needs_pos,
                        format!("cyclic `needs`: {}", names.join(" → ")),
                    );
                }
                _ => {}
            }
        }
    }
}

/// One check (if valid), and its name and `needs` (if it has a name).
fn check(cx: &mut Cx, k: &KindCx, node: &Node, envs: &[String]) -> (Option<Check>, Option<Named>) {
    let Some(mut o) = Obj::new(cx, node, "a check") else {
        return (None, None);
    };
    let name = match o.get("name") {
        Some(n) => read::string(cx, n, "name"),
        None => {
            cx.error(node.pos, "a check needs a `name`");
            None
        }
    };
    let description = o
        .get("description")
        .and_then(|n| read::string(cx, n, "description"));
    let tags = o
        .get("tags")
        .and_then(|n| read::string_list(cx, n, "tags"))
        .unwrap_or_default();
    let needs_node = o.get("needs");
    let needs_pos = needs_node.map_or(node.pos, |n| n.pos);
    let needs = needs_node
        .and_then(|n| read::string_list(cx, n, "needs"))
        .unwrap_or_default();
    let severity =
        o.get("severity")
            .and_then(|n| match read::string(cx, n, "severity")?.as_str() {
                "critical" => Some(Severity::Critical),
                "warning" => Some(Severity::Warning),
                other => {
                    cx.error(
                        n.pos,
                        format!("`severity` must be critical or warning, found {other:?}"),
                    );
                    None
                }
            });
    let only = match o.get("only") {
        Some(n) => {
            let only = read::string_list(cx, n, "only").unwrap_or_default();
            for env in &only {
                if !envs.iter().any(|e| e == env) {
                    let msg = if envs.is_empty() {
                        format!("`only` names environment `{env}`, but no environment is declared")
                    } else {
                        let hint = did_you_mean(env, envs.iter().map(String::as_str))
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        format!(
                            "`only` names unknown environment `{env}`{hint}; declared: {}",
                            envs.join(", ")
                        )
                    };
                    cx.error(n.pos, msg);
                }
            }
            only
        }
        None => Vec::new(),
    };
    let skip = o.get("skip").and_then(|n| read::string(cx, n, "skip"));
    let timeout = o
        .get("timeout")
        .and_then(|n| read::duration(cx, n, "timeout"));
    if timeout == Some(Duration::ZERO) {
        cx.error(node.pos, "`timeout` must be more than 0s");
    }
    let retries = o.get("retries").and_then(|n| retries(cx, n));
    let retry_delay = o
        .get("retry_delay")
        .and_then(|n| read::duration(cx, n, "retry_delay"));

    let found: Vec<(Kind, &Node)> = Kind::ALL
        .iter()
        .filter_map(|&kd| o.get(kd.as_str()).map(|n| (kd, n)))
        .collect();
    let expect = o.get("expect");
    let spec = match found.as_slice() {
        [(kind, target)] => kinds::convert(cx, k, *kind, target, expect),
        [] => {
            let declared_null = Kind::ALL.iter().find(|kd| o.has(kd.as_str()));
            let msg = match declared_null {
                Some(kd) => format!(
                    "`{}` is empty: say what to check (e.g. `{}: {{ … }}`)",
                    kd.as_str(),
                    kd.as_str()
                ),
                None => format!("a check needs exactly one of {}; found none", kind_list()),
            };
            cx.error(node.pos, msg);
            None
        }
        many => {
            let names: Vec<&str> = many.iter().map(|(kd, _)| kd.as_str()).collect();
            let found = match names.split_last() {
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            let second_pos = o
                .keys()
                .filter(|key| Kind::from_key(&key.name).is_some())
                .nth(1)
                .map_or(node.pos, |key| key.pos);
            cx.error(
                second_pos,
                format!(
                    "a check needs exactly one of {}; found {found}",
                    kind_list()
                ),
            );
            None
        }
    };
    o.finish(cx);
    let named = name.clone().map(|name| Named {
        name,
        pos: node.pos,
        needs: needs.clone(),
        needs_pos,
    });
    let check = (|| {
        Some(Check {
            name: name?,
            pos: node.pos,
            description,
            tags,
            needs,
            severity: severity.unwrap_or_default(),
            only,
            skip,
            timeout,
            retries,
            retry_delay,
            spec: spec?,
        })
    })();
    (check, named)
}

fn kind_list() -> String {
    Kind::ALL.map(Kind::as_str).join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::PARALLEL_FROM;
    use crate::plan::{PlanOptions, build_loaded};
    use crate::suite::load::{Loaded, load_str};

    fn suite(n: usize, bad: &[usize]) -> String {
        let mut yaml = String::from("checks:\n");
        for i in 0..n {
            let typo = if bad.contains(&i) {
                "timout: 5s\n    "
            } else {
                ""
            };
            yaml.push_str(&format!(
                "  - name: c{i}\n    {typo}tcp: {{ host: h, port: 1 }}\n"
            ));
        }
        yaml
    }

    fn plan(yaml: &str) -> Result<crate::plan::Planned, crate::plan::PlanError> {
        let mut loaded = Loaded::default();
        load_str(Path::new("s.yaml"), yaml, &mut loaded);
        build_loaded(loaded, &PlanOptions::default(), &|_| None)
    }

    /// A list long enough to be converted on two threads keeps its order and reports the
    /// problems of both halves.
    #[test]
    fn long_lists_convert_in_two_halves_and_lose_nothing() {
        let n = 2 * PARALLEL_FROM;
        let planned = plan(&suite(n, &[])).unwrap();
        let names: Vec<String> = planned.plan.checks.iter().map(|c| c.name.clone()).collect();
        let expected: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        assert_eq!(names, expected);

        let err = plan(&suite(n, &[1, n - 2])).unwrap_err();
        let lines: Vec<u32> = err
            .diags
            .iter()
            .filter_map(|d| d.pos)
            .map(|p| p.line)
            .collect();
        // Check i starts on line 2 + 2i (+1 after the first typo, a line of its own);
        // the typo is the line after the name.
        assert_eq!(lines, vec![5, 2 + 2 * (n as u32 - 2) + 2]);
    }
}
