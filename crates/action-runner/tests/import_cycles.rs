//! No import cycles between the source files of a crate (issue 12): if `a.rs` refers to `b.rs`
//! (a `use crate::…`, `super::…`, `self::…` or a child module's path, in a `use` or inline), then
//! nothing `b.rs` refers to may lead back to `a.rs`. A `mod x;` declaration is no reference, and
//! code under `#[cfg(test)]` is left out (tests may reach anywhere).
//!
//! Run: `cargo test -p action-runner --test import_cycles`. [`import_cycles`] takes any crate's
//! `src/`: the ignored tests run it over probe-core and every workspace crate
//! (`cargo test -p action-runner --test import_cycles -- --ignored --nocapture`); to enforce it on
//! a crate, add a test like `action_runner_has_no_import_cycles` for its `src/`; for any
//! directory, `MTLS_IMPORT_CYCLES_SRC=path/to/src cargo test -p action-runner --test
//! import_cycles -- --ignored src_from_env`.

#![allow(clippy::indexing_slicing)] // token and graph indices come from the same vectors

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

/// One cycle: files in order, each referring to the next, the last to the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// Each step: the file, and the line (1-based) and path of its reference to the next file.
    pub steps: Vec<(PathBuf, usize, String)>,
    /// Every file of the strongly connected component the cycle belongs to.
    pub component: Vec<PathBuf>,
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (file, line, path) in &self.steps {
            write!(f, "{}:{line} ({path}) → ", file.display())?;
        }
        if let Some((first, ..)) = self.steps.first() {
            write!(f, "{}", first.display())?;
        }
        if self.component.len() > self.steps.len() {
            let all: Vec<String> = self
                .component
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            write!(f, "\n    (all tangled: {})", all.join(", "))?;
        }
        Ok(())
    }
}

/// Every import cycle between the files of the crate whose sources are in `src` (with `lib.rs`
/// or `main.rs`); empty when there is none. Paths in the result are relative to `src`.
pub fn import_cycles(src: &Path) -> std::io::Result<Vec<Cycle>> {
    let files = module_files(src)?;
    let mut parsed = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(src.join(file))?;
        parsed.insert(module.clone(), scan(&lex(&text)));
    }
    // Modules declared under #[cfg(test)], and everything below them, are tests.
    let test_modules: Vec<Vec<String>> = parsed
        .iter()
        .flat_map(|(m, s)| {
            s.test_children.iter().map(move |c| {
                let mut child = m.clone();
                child.push(c.clone());
                child
            })
        })
        .collect();
    let is_test = |m: &[String]| test_modules.iter().any(|t| m.starts_with(t));
    let mut edges: BTreeMap<PathBuf, BTreeMap<PathBuf, (usize, String)>> = BTreeMap::new();
    for (module, scanned) in &parsed {
        if is_test(module) {
            continue;
        }
        let from = &files[module];
        let node = edges.entry(from.clone()).or_default();
        for r in &scanned.refs {
            let within = [module.as_slice(), &r.inline].concat();
            let children = if r.inline.is_empty() {
                &scanned.children
            } else {
                &BTreeSet::new()
            };
            let Some(absolute) = resolve(&within, &r.path, children) else {
                continue;
            };
            let Some(to) = file_of(&absolute, &files) else {
                continue;
            };
            if to != from && !is_test(&absolute) {
                node.entry(to.clone())
                    .or_insert_with(|| (r.line, r.path.join("::")));
            }
        }
    }
    Ok(cycles(&edges))
}

/// Module path → file (relative to `src`). With both `lib.rs` and `main.rs`, `main.rs` is
/// another crate (it uses the library by name) and is left out, as is `src/bin/`.
fn module_files(src: &Path) -> std::io::Result<BTreeMap<Vec<String>, PathBuf>> {
    let mut out = BTreeMap::new();
    let has_lib = src.join("lib.rs").is_file();
    let mut stack = vec![PathBuf::new()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(src.join(&dir))?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let rel = dir.join(e.file_name());
            if e.file_type()?.is_dir() {
                if rel != Path::new("bin") {
                    stack.push(rel);
                }
                continue;
            }
            let Some(stem) = rel.to_str().and_then(|r| r.strip_suffix(".rs")) else {
                continue;
            };
            let mut module: Vec<String> = stem.split('/').map(str::to_owned).collect();
            match module.last().map(String::as_str) {
                Some("lib") if module.len() == 1 => module.clear(),
                Some("main") if module.len() == 1 && !has_lib => module.clear(),
                Some("main") if module.len() == 1 => continue,
                Some("mod") => {
                    module.pop();
                }
                _ => {}
            }
            out.insert(module, rel);
        }
    }
    Ok(out)
}

/// The file that holds a module or item path: the longest prefix that is a file's module.
fn file_of<'a>(path: &[String], files: &'a BTreeMap<Vec<String>, PathBuf>) -> Option<&'a PathBuf> {
    (0..=path.len()).rev().find_map(|n| files.get(&path[..n]))
}

/// A path as written in `module` (`crate::a::b`, `super::x`, `self::y`, `child::z`) as an
/// absolute module path; `None` for another crate's.
fn resolve(module: &[String], path: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let first = path.first()?;
    let (mut base, rest) = match first.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (module.to_vec(), &path[1..]),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let keep = module.len().checked_sub(ups)?;
            (module[..keep].to_vec(), &path[ups..])
        }
        child if children.contains(child) => (module.to_vec(), path),
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

// ---------------------------------------------------------------------------------------------
// Lexing: identifiers and punctuation, without comments, strings and characters
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Punct(&'static str),
    Other,
}

fn lex(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        let next = at(i + 1);
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(&c, i + 1, 0, &mut line);
        } else if ch == '\'' {
            if next == '\\' {
                i += 3; // the quote, the backslash and the escaped character
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime: its name is read as an identifier
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let hashes = c[i..].iter().take_while(|x| **x == '#').count();
            match (word.as_str(), at(i + hashes)) {
                ("r" | "br" | "cr", '"') => i = skip_string(&c, i + hashes + 1, hashes, &mut line),
                ("b" | "c", '"') if hashes == 0 => i = skip_string(&c, i + 1, 0, &mut line),
                ("b", '\'') if hashes == 0 => {
                    i += 1;
                    out.push((Tok::Other, line)); // the byte literal itself is skipped next turn
                }
                ("r", _) if hashes == 1 && (at(i + 1).is_alphabetic() || at(i + 1) == '_') => {
                    i += 1; // r#ident: the identifier follows
                }
                _ => out.push((Tok::Ident(word), line)),
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                i += 1;
            }
            out.push((Tok::Other, line));
        } else if ch == ':' && next == ':' {
            out.push((Tok::Punct("::"), line));
            i += 2;
        } else {
            let p = match ch {
                '{' => "{",
                '}' => "}",
                '(' => "(",
                ')' => ")",
                '[' => "[",
                ']' => "]",
                ';' => ";",
                ',' => ",",
                '*' => "*",
                '#' => "#",
                '!' => "!",
                _ => "",
            };
            out.push((
                if p.is_empty() {
                    Tok::Other
                } else {
                    Tok::Punct(p)
                },
                line,
            ));
            i += 1;
        }
    }
    out
}

/// Skips a string literal whose body starts at `i`; `hashes` for a raw string's `#`s.
fn skip_string(c: &[char], mut i: usize, hashes: usize, line: &mut usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' if hashes == 0 => i += 2,
            '"' if c[i + 1..]
                .iter()
                .take(hashes)
                .filter(|x| **x == '#')
                .count()
                == hashes =>
            {
                return i + 1 + hashes;
            }
            ch => {
                *line += usize::from(ch == '\n');
                i += 1;
            }
        }
    }
    i
}

// ---------------------------------------------------------------------------------------------
// Scanning: the paths a file refers to, its child modules, the ones that are tests
// ---------------------------------------------------------------------------------------------

/// A path a file refers to.
#[derive(Debug, Clone)]
struct Ref {
    /// The inline modules (`mod x { … }`) it is in, outermost first.
    inline: Vec<String>,
    /// As written, relative to the module it is in (`super`, `crate`, `self` included).
    path: Vec<String>,
    line: usize,
}

#[derive(Debug, Default)]
struct Scanned {
    refs: Vec<Ref>,
    /// Child modules declared here (`mod x;` or inline).
    children: BTreeSet<String>,
    /// Child modules declared under `#[cfg(test)]`.
    test_children: BTreeSet<String>,
}

fn ident(toks: &[(Tok, usize)], i: usize) -> Option<&str> {
    match toks.get(i) {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn punct(toks: &[(Tok, usize)], i: usize, p: &str) -> bool {
    matches!(toks.get(i), Some((Tok::Punct(q), _)) if *q == p)
}

/// The index after the item starting at `i`: its `;` or its `{…}` block, at nesting depth 0.
fn skip_item(toks: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct("(" | "[") => depth += 1,
            Tok::Punct(")" | "]") => depth = depth.saturating_sub(1),
            Tok::Punct(";") if depth == 0 => return i + 1,
            Tok::Punct("{") if depth == 0 => {
                let mut braces = 0usize;
                while i < toks.len() {
                    match &toks[i].0 {
                        Tok::Punct("{") => braces += 1,
                        Tok::Punct("}") => {
                            braces -= 1;
                            if braces == 0 {
                                return i + 1;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The attribute at `i` (`#[…]` or `#![…]`): the index after it, and whether it is `cfg(test)`.
fn attribute(toks: &[(Tok, usize)], i: usize) -> (usize, bool) {
    let open = if punct(toks, i + 1, "!") {
        i + 2
    } else {
        i + 1
    };
    let is_test = ident(toks, open + 1) == Some("cfg")
        && punct(toks, open + 2, "(")
        && ident(toks, open + 3) == Some("test")
        && punct(toks, open + 4, ")");
    let mut depth = 0usize;
    let mut j = open;
    while j < toks.len() {
        match &toks[j].0 {
            Tok::Punct("[") => depth += 1,
            Tok::Punct("]") => {
                depth -= 1;
                if depth == 0 {
                    return (j + 1, is_test);
                }
            }
            _ => {}
        }
        j += 1;
    }
    (j, is_test)
}

/// `a::b::c` from `i`: the segments and the index after them (and after a trailing `::`).
fn segments(toks: &[(Tok, usize)], mut i: usize) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    while let Some(s) = ident(toks, i) {
        out.push(s.to_owned());
        i += 1;
        if punct(toks, i, "::") {
            i += 1;
        } else {
            break;
        }
    }
    (out, i)
}

/// A use tree from `i` (after `use` or a `{`), every path it names pushed with `prefix`.
fn use_tree(
    toks: &[(Tok, usize)],
    i: usize,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) -> usize {
    let (segs, mut i) = segments(toks, i);
    let mut path = prefix.to_vec();
    path.extend(segs);
    if punct(toks, i, "{") {
        i += 1;
        while i < toks.len() && !punct(toks, i, "}") {
            i = use_tree(toks, i, &path, out);
            if punct(toks, i, ",") {
                i += 1;
            }
        }
        return i + 1;
    }
    if punct(toks, i, "*") {
        i += 1;
    }
    if ident(toks, i) == Some("as") {
        i += 2;
    }
    if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
        path.pop(); // `use a::{self, …}`: the module itself
    }
    if !path.is_empty() {
        out.push(path);
    }
    i
}

fn scan(toks: &[(Tok, usize)]) -> Scanned {
    let mut s = Scanned::default();
    let mut i = 0;
    let mut depth = 0usize;
    // Inline modules: their name and the brace depth their body is at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let names = |inline: &[(String, usize)]| inline.iter().map(|(n, _)| n.clone()).collect();
    while i < toks.len() {
        let line = toks[i].1;
        match &toks[i].0 {
            Tok::Punct("#") => {
                let (after, is_test) = attribute(toks, i);
                if punct(toks, i + 1, "!") && is_test && depth == 0 && inline.is_empty() {
                    return Scanned::default(); // the whole file is a test
                }
                i = after;
                if is_test {
                    while punct(toks, i, "#") {
                        i = attribute(toks, i).0;
                    }
                    let (vis, _) = visibility(toks, i);
                    if ident(toks, vis) == Some("mod") {
                        if let Some(name) = ident(toks, vis + 1) {
                            if inline.is_empty() {
                                s.test_children.insert(name.to_owned());
                            }
                        }
                    }
                    i = skip_item(toks, i);
                }
                continue;
            }
            Tok::Punct("{") => depth += 1,
            Tok::Punct("}") => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(toks, i + 1) {
                    if inline.is_empty() {
                        s.children.insert(name.to_owned());
                    }
                    if punct(toks, i + 2, "{") {
                        inline.push((name.to_owned(), depth + 1));
                    }
                }
            }
            Tok::Ident(w) if w == "use" => {
                let mut paths = Vec::new();
                let end = use_tree(toks, i + 1, &[], &mut paths);
                for p in paths {
                    s.refs.push(Ref {
                        inline: names(&inline),
                        path: p,
                        line,
                    });
                }
                i = end;
                continue;
            }
            Tok::Ident(w) if punct(toks, i + 1, "::") && !punct(toks, i.wrapping_sub(1), "::") => {
                let starts = matches!(w.as_str(), "crate" | "super" | "self")
                    || (inline.is_empty() && s.children.contains(w));
                if starts {
                    let (path, end) = segments(toks, i);
                    s.refs.push(Ref {
                        inline: names(&inline),
                        path,
                        line,
                    });
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    s
}

/// Skips `pub`, `pub(crate)`, `pub(super)`, `pub(in …)` at `i`.
fn visibility(toks: &[(Tok, usize)], mut i: usize) -> (usize, bool) {
    if ident(toks, i) != Some("pub") {
        return (i, false);
    }
    i += 1;
    if punct(toks, i, "(") {
        while i < toks.len() && !punct(toks, i, ")") {
            i += 1;
        }
        i += 1;
    }
    (i, true)
}

// ---------------------------------------------------------------------------------------------
// Cycles
// ---------------------------------------------------------------------------------------------

type Graph = BTreeMap<PathBuf, BTreeMap<PathBuf, (usize, String)>>;

/// One cycle per strongly connected component of more than one file (Tarjan), the shortest
/// through its first file.
fn cycles(g: &Graph) -> Vec<Cycle> {
    let nodes: Vec<&PathBuf> = g.keys().collect();
    let index_of: BTreeMap<&PathBuf, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let succ: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            g[*n]
                .keys()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for comp in tarjan(&succ) {
        if comp.len() < 2 {
            continue;
        }
        let members: BTreeSet<usize> = comp.iter().copied().collect();
        let Some(&start) = members.iter().next() else {
            continue;
        };
        // Shortest way back to `start`, inside the component.
        let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut back = None;
        while let Some(n) = queue.pop_front() {
            for &m in &succ[n] {
                if m == start {
                    back = Some(n);
                    queue.clear();
                    break;
                }
                if members.contains(&m) && m != start && !prev.contains_key(&m) {
                    prev.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        let Some(last) = back else {
            continue;
        };
        let mut order = vec![last];
        while let Some(&p) = order.last().and_then(|n| prev.get(n)) {
            order.push(p);
        }
        if order.last() != Some(&start) {
            order.push(start);
        }
        order.reverse();
        let steps = order
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let to = order.get(k + 1).copied().unwrap_or(start);
                let (line, path) = g[nodes[n]][nodes[to]].clone();
                (nodes[n].clone(), line, path)
            })
            .collect();
        out.push(Cycle {
            steps,
            component: members.iter().map(|&n| nodes[n].clone()).collect(),
        });
    }
    out
}

/// Strongly connected components (Tarjan's algorithm, iterative).
fn tarjan(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = succ.len();
    let (mut index, mut low) = (vec![usize::MAX; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut comps, mut next) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some((v, k)) = work.pop() {
            if k == 0 {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = succ[v].get(k) {
                work.push((v, k + 1));
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comps.push(comp);
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
        }
    }
    comps
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

fn assert_no_cycles(src: &Path) {
    let found = match import_cycles(src) {
        Ok(c) => c,
        Err(e) => panic!("cannot read {}: {e}", src.display()),
    };
    let shown: Vec<String> = found.iter().map(|c| format!("  {c}")).collect();
    assert!(
        found.is_empty(),
        "{} import cycle(s) in {}:\n{}",
        found.len(),
        src.display(),
        shown.join("\n")
    );
}

#[test]
fn action_runner_has_no_import_cycles() {
    assert_no_cycles(&crate_src("action-runner"));
}

/// probe-core: the engine v2 layering (text, facts, identity, transport, finding, checks, probe,
/// verdict, engine, report, policy) has no cycle.
#[test]
fn probe_core_has_no_import_cycles() {
    assert_no_cycles(&crate_src("probe-core"));
}

/// Every crate of the workspace: prints what it finds, fails on any cycle.
#[test]
fn every_workspace_crate() {
    let mut failed = Vec::new();
    for name in ["action-runner", "probe-core", "mtls-lab", "openssl-pha"] {
        match import_cycles(&crate_src(name)) {
            Ok(c) if c.is_empty() => eprintln!("{name}: no import cycle"),
            Ok(c) => {
                for cycle in &c {
                    eprintln!("{name}: {cycle}");
                }
                failed.push(name);
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert!(failed.is_empty(), "import cycles in {failed:?}");
}

/// Any crate's `src/`, named by `MTLS_IMPORT_CYCLES_SRC`:
/// `MTLS_IMPORT_CYCLES_SRC=crates/probe-core/src cargo test -p action-runner --test import_cycles
/// -- --ignored src_from_env` (a relative path is taken from the workspace root).
#[test]
#[ignore = "needs MTLS_IMPORT_CYCLES_SRC"]
fn src_from_env() {
    let Some(src) = std::env::var_os("MTLS_IMPORT_CYCLES_SRC") else {
        panic!("set MTLS_IMPORT_CYCLES_SRC to a crate's src/ directory")
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(src);
    assert_no_cycles(&src);
}

/// The checker itself, on small crates written for it.
mod checker {
    use super::*;

    fn write_crate(files: &[(&str, &str)]) -> tempfile::TempDir {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("tempdir")
        };
        for (path, text) in files {
            let p = dir.path().join(path);
            if let Some(d) = p.parent() {
                let _ = std::fs::create_dir_all(d);
            }
            if let Err(e) = std::fs::write(&p, text) {
                panic!("{}: {e}", p.display());
            }
        }
        dir
    }

    fn found(files: &[(&str, &str)]) -> Vec<Cycle> {
        let dir = write_crate(files);
        match import_cycles(dir.path()) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    fn files_of(c: &Cycle) -> Vec<String> {
        c.steps
            .iter()
            .map(|(f, ..)| f.display().to_string())
            .collect()
    }

    #[test]
    fn finds_a_cycle_through_use_and_inline_paths() {
        let c = found(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;\n"),
            ("b.rs", "pub struct B;\nfn f() { let _ = crate::c::f(); }\n"),
            ("c.rs", "pub fn f() -> crate::a::A { crate::a::A }\n"),
        ]);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(files_of(&c[0]), ["a.rs", "b.rs", "c.rs"]);
        assert_eq!(c[0].steps[0].1, 1, "the line of the reference");
        assert!(c[0]
            .to_string()
            .starts_with("a.rs:1 (crate::b::B) → b.rs:2"));
    }

    #[test]
    fn follows_super_self_groups_and_child_modules() {
        let c = found(&[
            ("lib.rs", "pub mod g;\n"),
            (
                "g/mod.rs",
                "pub mod x;\npub mod y;\npub use self::x::X;\npub fn helper() {}\n",
            ),
            ("g/x.rs", "use super::helper;\npub struct X;\n"),
            ("g/y.rs", "use super::{x::X as _, *};\n"),
        ]);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(files_of(&c[0]), ["g/mod.rs", "g/x.rs"]);
        let c = found(&[
            ("lib.rs", "pub mod g;\npub fn top() {}\n"),
            ("g/mod.rs", "mod x;\nfn f() { x::go() }\n"),
            (
                "g/x.rs",
                "pub fn go() { super::super::top() }\nfn h() { super::f() }\n",
            ),
        ]);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(files_of(&c[0]), ["g/mod.rs", "g/x.rs"]);
    }

    #[test]
    fn leaves_out_declarations_tests_comments_strings_and_other_crates() {
        let c = found(&[
            ("lib.rs", "pub mod a;\npub mod b;\n#[cfg(test)]\nmod testing;\n"),
            (
                "a.rs",
                "use crate::b::B;\n// use crate::b::x; crate::b::y\n/* crate::b::z */\n\
                 #[cfg(test)]\nmod tests {\n    use crate::b::*;\n}\n",
            ),
            (
                "b.rs",
                "pub struct B;\nconst S: &str = \"crate::a::A\";\nconst R: &str = r#\"crate::a\"#;\n\
                 fn f<'a>(x: &'a str) -> char { let _ = std::fmt::Error; 'a' }\n\
                 #[cfg(test)]\nfn t() { crate::a::f() }\nfn g() { crate::testing::x() }\n",
            ),
            ("testing.rs", "use crate::a::A;\n"),
            ("main.rs", "use mylib::a;\nfn main() {}\n"),
        ]);
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn inline_modules_resolve_super_to_their_parent() {
        // `super` inside `mod inner` is the file's own module: no edge, no cycle.
        let c = found(&[
            ("lib.rs", "pub mod a;\npub mod b;\n"),
            (
                "a.rs",
                "use crate::b::B;\nmod inner { use super::*; }\npub struct A;\n",
            ),
            ("b.rs", "pub struct B;\n"),
        ]);
        assert!(c.is_empty(), "{c:?}");
    }
}
