//! The shape of the shared crate, read from its sources: the layers import downwards only
//! (`domain` imports nothing of ours, use cases never touch an SDK type), and no module
//! imports a module that imports it back, directly or around a longer loop.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every module of `shared/src` (binaries excluded) with the source it was read from.
fn modules() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src");
    let mut found = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("the shared crate's sources are readable") {
            let path: PathBuf = entry.expect("a directory entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).expect("under the root").with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let source = fs::read_to_string(&path).expect("a readable source file");
            // Unit tests may reach anywhere (fakes, fixtures); only the shipped code counts,
            // and a comment's link to another module is not an import.
            let shipped = source.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            let code: Vec<&str> = shipped.lines().map(|line| line.split("//").next().unwrap_or_default()).collect();
            found.insert(parts.join("::"), code.join("\n"));
        }
    }
    found
}

/// The `crate::a::b` and `super::c` paths a source names.
fn paths_named(source: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for start in ["crate::", "super::"] {
        let mut rest = source;
        while let Some(at) = rest.find(start) {
            let preceded_by_ident = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
            let tail = &rest[at..];
            let end = tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
            if !preceded_by_ident {
                paths.push(tail[..end].trim_end_matches(':').to_owned());
            }
            rest = &tail[start.len()..];
        }
    }
    paths
}

/// The module a path lands in: its longest prefix that is a module.
fn resolve(from: &str, path: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = if from.is_empty() { vec![] } else { from.split("::").collect() };
    match segments.first() {
        Some(&"crate") => {
            base.clear();
            segments.remove(0);
        }
        Some(&"super") => {
            while segments.first() == Some(&"super") {
                base.pop();
                segments.remove(0);
            }
        }
        _ => return None,
    }
    let full: Vec<&str> = base.into_iter().chain(segments).collect();
    (1..=full.len()).rev().map(|n| full[..n].join("::")).find(|m| modules.contains_key(m))
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for (name, source) in &modules {
        let targets: BTreeSet<String> = paths_named(source)
            .iter()
            .filter_map(|p| resolve(name, p, &modules))
            // A parent declares its children and a child sees its parent: that is nesting,
            // not an import between peers.
            .filter(|t| t != name && !name.starts_with(&format!("{t}::")) && !t.starts_with(&format!("{name}::")))
            .collect();
        graph.insert(name.clone(), targets);
    }
    graph
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    // Arrange
    let graph = import_graph();
    assert!(graph.len() > 20, "the shared crate's modules were found ({} of them)", graph.len());

    // Act: follow every import from every module and see whether it comes back
    let mut loops = BTreeSet::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Vec<String>> = vec![vec![start.clone()]];
        while let Some(trail) = stack.pop() {
            let last = trail.last().expect("a non-empty trail");
            for next in graph.get(last).into_iter().flatten() {
                if next == start {
                    loops.insert(format!("{} -> {start}", trail.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    stack.push(trail.iter().cloned().chain([next.clone()]).collect());
                }
            }
        }
    }

    // Assert
    assert!(loops.is_empty(), "modules that import each other:\n{}", loops.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn the_domain_imports_nothing_of_ours_and_use_cases_touch_no_sdk_type() {
    let graph = import_graph();
    let modules = modules();
    let mut problems = Vec::new();
    for (name, targets) in &graph {
        if name.starts_with("domain") {
            for t in targets.iter().filter(|t| !t.starts_with("domain")) {
                problems.push(format!("{name} imports {t}"));
            }
        }
        if name.starts_with("app") {
            for t in targets.iter().filter(|t| t.starts_with("http") || t.starts_with("local")) {
                problems.push(format!("{name} imports {t} (use cases sit below the edge)"));
            }
            // `app` itself wires the adapters from the SDK configuration; its use cases
            // (`app::*`) speak only in domain types and ports.
            if name.starts_with("app::") && modules[name].contains("aws_sdk_") {
                problems.push(format!("{name} names an AWS SDK type"));
            }
        }
    }
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

#[test]
fn the_import_reader_sees_an_import_loop_when_there_is_one() {
    // The checks above are only as good as the reader: it must find these two imports.
    let paths = paths_named("use crate::app::{App, x};\nuse super::edge::respond;\nlet a = my_crate::b;");
    assert_eq!(
        paths,
        ["crate::app::", "super::edge::respond"].iter().map(|p| p.trim_end_matches(':').to_owned()).collect::<Vec<_>>()
    );
}
