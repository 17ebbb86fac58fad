//! The app's modules form a tree: no module uses one that uses it back,
//! directly or through others. A module "uses" another when it names it
//! (`crate::pages::…`, `super::…`) or declares it (`mod home;`); unit tests
//! (`#[cfg(test)]`) are left out, they may look at their parent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use portal112_e2e::Result;
use portal112_e2e::fixtures;

/// Module path of a source file: `pages/report.rs` -> `pages::report`, `lib.rs` (the crate's root) -> the
/// empty path (`main.rs`, the wasm binary that only starts the library, stays `main`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts == ["lib"] { String::new() } else { parts.join("::") }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("app/src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `a::b::c` -> the longest prefix that is a module.
fn resolve(path: &[&str], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m))
}

/// The identifier path after `at` (`pages::report::Step` from `pages::report::Step;`).
fn path_after(text: &str) -> Vec<&str> {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(text.len());
    text[..end].split("::").filter(|s| !s.is_empty()).collect()
}

/// Every module each module uses.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut uses = BTreeMap::new();
    for file in &files {
        let me = module_of(src, file);
        let source = std::fs::read_to_string(file).expect("readable source");
        // Comments may name any module; code that uses one is what counts.
        let code: String = source
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let code = code.as_str();
        let mut targets = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            if let Some(m) = resolve(&path_after(&code[at + "crate::".len()..]), &modules) {
                targets.insert(m);
            }
        }
        let parent: Vec<&str> = me.split("::").filter(|s| !s.is_empty()).collect();
        for (at, _) in code.match_indices("super::") {
            let mut path: Vec<&str> = parent[..parent.len().saturating_sub(1)].to_vec();
            path.extend(path_after(&code[at + "super::".len()..]));
            if let Some(m) = resolve(&path, &modules) {
                targets.insert(m);
            }
        }
        for line in code.lines() {
            let line = line.trim_start().trim_start_matches("pub ");
            if let Some(child) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(';')) {
                let child = if me.is_empty() { child.to_owned() } else { format!("{me}::{child}") };
                if modules.contains(&child) {
                    targets.insert(child);
                }
            }
        }
        targets.remove(&me);
        uses.insert(me, targets);
    }
    uses
}

/// A circle of modules using each other, if any: the modules along it.
fn cycle(uses: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut found = path[i..].to_vec();
            found.push(m.to_owned());
            return Some(found);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for next in uses.get(m).into_iter().flatten() {
            if let Some(found) = visit(next, uses, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    uses.keys().find_map(|m| visit(m, uses, &mut Vec::new(), &mut done))
}

#[test]
fn the_app_modules_form_a_tree() -> Result {
    let src = fixtures::workspace().join("app/src");
    let uses = graph(&src);
    let name = |m: &str| if m.is_empty() { "lib".to_owned() } else { m.to_owned() };
    if let Some(found) = cycle(&uses) {
        anyhow::bail!(
            "app modules use each other in a circle: {}",
            found.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> ")
        );
    }
    // The checker itself sees what it should: the root uses the pages (through
    // the parts they are split into), and no component uses a page.
    assert!(uses[""].contains("app") && uses["app"].contains("parts") && uses["parts"].contains("pages"), "{uses:#?}");
    for (m, used) in &uses {
        if m.starts_with("components") {
            assert!(!used.iter().any(|u| u.starts_with("pages") || u == "app"), "{m} uses {used:?}");
        }
    }
    Ok(())
}

#[test]
fn a_circle_is_found() {
    let uses: BTreeMap<String, BTreeSet<String>> = [
        ("app".to_owned(), BTreeSet::from(["pages".to_owned()])),
        ("pages".to_owned(), BTreeSet::from(["pages::home".to_owned()])),
        ("pages::home".to_owned(), BTreeSet::from(["app".to_owned()])),
    ]
    .into();
    assert_eq!(cycle(&uses), Some(vec!["app".into(), "pages".into(), "pages::home".into(), "app".into()]));
}
