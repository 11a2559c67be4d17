//! The layout's rules, checked on the source (README, "Layout"):
//!
//! - no circle of imports between source files: following the `crate::`
//!   paths (and `super::` ones) a file names outside its unit tests never
//!   leads back to it;
//! - the pure layers (`domain`, `spam`, `render`, `client_ip`, `form_token`,
//!   `i18n`) use neither the web framework, the database driver nor the
//!   async runtime, and none of the layers above them;
//! - the use cases (`usecases`, `export`, `import`) and storage (`db`)
//!   never reach up into the HTTP edge (`routes`, `startup`).

// A test reports what it found and may stop on an unreadable tree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`spam::rules`, `lib` for the crate root) -> its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src/") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|l| l == "mod") {
            parts.pop();
        }
        // The binary's own files are not part of the library's graph.
        if parts
            .first()
            .is_some_and(|p| p == "main" || p == "commands")
        {
            continue;
        }
        let source = std::fs::read_to_string(&f).expect("read a source file");
        out.insert(parts.join("::"), code_only(&source));
    }
    out
}

/// The source without comments, string contents and the unit tests
/// (`#[cfg(test)] mod tests { ... }` at the end of a file).
fn code_only(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(i) => &source[..i],
        None => source,
    };
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Every path of identifiers that starts with `prefix` in `code`, as
/// segments (`crate::a::{b, c::d}` gives `a::b` and `a::c::d`).
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand(rest, Vec::new(), &mut out);
    }
    out
}

/// Reads `a::b::{c, d::e}` at the start of `s` into paths.
fn expand(s: &str, base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = base;
    let mut s = s;
    loop {
        let ident: String = s
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            if let Some(inner) = s.strip_prefix('{') {
                let end = matching_brace(inner);
                for part in split_top(&inner[..end]) {
                    expand(part.trim(), path.clone(), out);
                }
                return;
            }
            break;
        }
        path.push(ident.clone());
        s = &s[ident.len()..];
        match s.strip_prefix("::") {
            Some(r) => s = r,
            None => break,
        }
    }
    if !path.is_empty() {
        out.push(path);
    }
}

fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The longest module of `modules` that `path` starts with.
fn resolve(path: &[String], modules: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains_key(m))
}

/// Each file's imports of other files of the library.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut edges = BTreeMap::new();
    for (module, code) in &modules {
        let mut deps = BTreeSet::new();
        for p in paths_after(code, "crate::") {
            deps.extend(resolve(&p, &modules));
        }
        // `super` of `a::b` is `a`, whether `b` is a file or a folder.
        let parent: Vec<String> = module.split("::").map(str::to_owned).collect();
        let parent = parent[..parent.len().saturating_sub(1)].to_vec();
        for p in paths_after(code, "super::") {
            // `super::super::x` climbs twice.
            let mut base = parent.clone();
            let mut p = p;
            while p.first().is_some_and(|s| s == "super") {
                p.remove(0);
                base.pop();
            }
            base.extend(p);
            deps.extend(resolve(&base, &modules));
        }
        deps.remove(module);
        deps.remove("lib");
        edges.insert(module.clone(), deps);
    }
    edges
}

/// A circle through `start`, if any (as the files along it).
fn circle_through(start: &str, edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((at, trail)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == start {
                let mut c = trail.clone();
                c.push(start.to_owned());
                return Some(c);
            }
            if seen.insert(next.clone()) {
                let mut t = trail.clone();
                t.push(next.clone());
                stack.push((next.clone(), t));
            }
        }
    }
    None
}

#[test]
fn no_source_file_imports_one_that_imports_it_back() {
    let edges = graph();
    assert!(edges.len() > 50, "the source tree was not found: {edges:?}");
    assert!(
        edges["routes::public::comments"].contains("usecases::submission"),
        "the import graph misses plain `use crate::` lines"
    );
    let circles: Vec<String> = edges
        .keys()
        .filter_map(|m| circle_through(m, &edges))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_pure_layers_use_no_framework_driver_runtime_or_upper_layer() {
    const PURE: [&str; 6] = [
        "domain",
        "spam",
        "render",
        "client_ip",
        "form_token",
        "i18n",
    ];
    const UPPER: [&str; 14] = [
        "auth",
        "config",
        "db",
        "error",
        "export",
        "import",
        "metrics",
        "pg",
        "public_cache",
        "routes",
        "startup",
        "state",
        "telemetry",
        "usecases",
    ];
    const CRATES: [&str; 4] = ["actix_web::", "sqlx::", "tokio::", "reqwest::"];
    let modules = modules();
    let edges = graph();
    let mut found = Vec::new();
    for (module, code) in &modules {
        let top = module.split("::").next().unwrap_or_default();
        if !PURE.contains(&top) {
            continue;
        }
        for krate in CRATES {
            if !paths_after(code, krate).is_empty() || code.contains(&format!("use {krate}")) {
                found.push(format!("{module} uses {krate}"));
            }
        }
    }
    found.extend(imports_from_into(&edges, &PURE, &UPPER));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `a imports b` for each file `a` under one of `from` that imports a file
/// `b` under one of `into` (top-level modules).
fn imports_from_into(
    edges: &BTreeMap<String, BTreeSet<String>>,
    from: &[&str],
    into: &[&str],
) -> Vec<String> {
    let top = |m: &str| m.split("::").next().unwrap_or_default().to_owned();
    edges
        .iter()
        .filter(|(module, _)| from.contains(&top(module).as_str()))
        .flat_map(|(module, deps)| {
            deps.iter()
                .filter(|d| into.contains(&top(d).as_str()))
                .map(move |d| format!("{module} imports {d}"))
        })
        .collect()
}

#[test]
fn use_cases_and_storage_never_reach_into_the_http_edge() {
    const INNER: [&str; 4] = ["usecases", "export", "import", "db"];
    const EDGE: [&str; 2] = ["routes", "startup"];
    let found = imports_from_into(&graph(), &INNER, &EDGE);
    assert!(found.is_empty(), "{}", found.join("\n"));
}
