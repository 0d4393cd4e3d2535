//! A JUnit report read back into a small tree, so tests can ask "which testsuites, which
//! testcases, what did each say" instead of grepping XML text.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// One XML element: its name, attributes (unescaped), children and text.
#[derive(Debug, Default, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The attribute, which the test requires to be there.
    pub fn get(&self, name: &str) -> &str {
        self.attr(name)
            .unwrap_or_else(|| panic!("<{}> has no {name}: {self:?}", self.name))
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child<'a>(&'a self, name: &'a str) -> Option<&'a Element> {
        self.all(name).next()
    }
}

/// Parses a whole document into its root element; panics (a test failure) on bad XML.
pub fn parse(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(element(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text += &t.decode().unwrap(),
            Event::CData(t) => stack.last_mut().unwrap().text += &t.decode().unwrap(),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match &*r.decode().unwrap() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("unknown entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text += &text;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements in {xml}");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element expected: {xml}");
    doc.children.pop().unwrap()
}

fn element(e: &BytesStart<'_>) -> Element {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.normalized_value(XmlVersion::Explicit1_0)
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect();
    Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs,
        ..Element::default()
    }
}

/// A JUnit testcase, flattened for assertions.
#[derive(Debug)]
pub struct Case {
    /// The enclosing testsuite's name (`shop [production]`).
    pub suite: String,
    pub name: String,
    pub classname: String,
    /// `failure`, `error`, `skipped`, or `""` for a passing testcase.
    pub outcome: String,
    /// The `type` of the failure/error element (the layer).
    pub layer: String,
    /// The `message` of the failure/error/skipped element.
    pub message: String,
    /// Names of the rerun elements (`flakyFailure`, `rerunFailure`…), in order.
    pub reruns: Vec<String>,
    pub system_out: String,
}

/// Every testcase of a JUnit document, in order.
pub fn cases(root: &Element) -> Vec<Case> {
    assert_eq!(root.name, "testsuites");
    let mut out = Vec::new();
    for suite in root.all("testsuite") {
        for tc in suite.all("testcase") {
            let verdict = tc
                .children
                .iter()
                .find(|c| matches!(c.name.as_str(), "failure" | "error" | "skipped"));
            out.push(Case {
                suite: suite.get("name").to_string(),
                name: tc.get("name").to_string(),
                classname: tc.get("classname").to_string(),
                outcome: verdict.map(|v| v.name.clone()).unwrap_or_default(),
                layer: verdict
                    .and_then(|v| v.attr("type"))
                    .unwrap_or_default()
                    .to_string(),
                message: verdict
                    .and_then(|v| v.attr("message"))
                    .unwrap_or_default()
                    .to_string(),
                reruns: tc
                    .children
                    .iter()
                    .filter(|c| c.name.ends_with("Failure") || c.name.ends_with("Error"))
                    .map(|c| c.name.clone())
                    .collect(),
                system_out: tc
                    .child("system-out")
                    .map(|s| s.text.clone())
                    .unwrap_or_default(),
            });
        }
    }
    out
}
