//! The layers stay layered: this test reads the workspace's source and fails when
//!
//! - a module of the web crate outside `src/pages/` uses a page module (only `lib.rs`, which
//!   registers the routes, may): pages sit on top of the use cases, never below the error type,
//!   the API, the access rules or the sign-in;
//! - the modules of the web crate import each other in a loop;
//! - the `trustloop` binary reaches into `trustloop_web::pages` (it calls `trustloop_app`);
//! - the use-case crate `trustloop-app` depends on the web layer (axum, tower, askama,
//!   `trustloop-web`) or on any Trustloop crate but the domain and the storage.
//!
//! Imports are read from `crate::…`, `super::…` and `trustloop_web::…` paths, in `use` lines
//! and in code alike, with comments, strings and inline test modules left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, with its path relative to `dir`, in order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path.strip_prefix(dir).expect("inside").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The code of the file at `path` (see [`code_only`]).
fn code_of(path: &Path) -> String {
    code_only(&std::fs::read_to_string(path).expect("source readable"))
}

/// The source without comments, string and character literals (their text could look like a
/// path), keeping everything else in place.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let starts_token = i == 0 || !ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if starts_token
            && (c == 'r' || (c == 'b' && next == Some('r')))
            && raw_string_hashes(&chars, if c == 'b' { i + 2 } else { i + 1 }).is_some()
        {
            let from = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = raw_string_hashes(&chars, from).unwrap_or(0);
            i = from + hashes + 1;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    i += hashes + 1;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{..}'.
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string starting at `from` (after its `r`), if one starts there.
fn raw_string_hashes(chars: &[char], from: usize) -> Option<usize> {
    let hashes = chars[from.min(chars.len())..]
        .iter()
        .take_while(|c| **c == '#')
        .count();
    (chars.get(from + hashes) == Some(&'"')).then_some(hashes)
}

/// The code without its inline modules (`mod tests { … }`): their `super` is the file itself.
fn without_inline_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = find_inline_module(rest) {
        out.push_str(&rest[..at]);
        let open = at + rest[at..].find('{').expect("a brace");
        let mut depth = 0;
        let mut end = rest.len();
        for (offset, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + offset + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Where the next `mod name {` starts.
fn find_inline_module(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = code[from..].find("mod ") {
        let at = from + found;
        let before_ok = at == 0 || !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let after: &str = code[at + 4..].trim_start();
        let name_len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if before_ok && name_len > 0 && after[name_len..].trim_start().starts_with('{') {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// Every path that follows `root::` in `code`, as its segments; `use` groups
/// (`root::{a, b::c}`) give one path each.
fn paths_after(code: &str, root: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let needle = format!("{root}::");
    let mut from = 0;
    while let Some(found) = code[from..].find(&needle) {
        let at = from + found;
        from = at + needle.len();
        let ident_before = code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let path_before = code[..at].ends_with("::");
        if ident_before || path_before {
            continue;
        }
        let mut chars = code[from..].chars().peekable();
        use_tree(&mut chars, Vec::new(), &mut paths);
    }
    paths
}

/// Reads a use tree (`a::b`, `a::{b, c::d}`, `*`) and adds its paths, each starting with `prefix`.
fn use_tree(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    prefix: Vec<String>,
    paths: &mut Vec<Vec<String>>,
) {
    skip_space(chars);
    if chars.peek() == Some(&'{') {
        chars.next();
        loop {
            skip_space(chars);
            match chars.peek() {
                Some('}') => {
                    chars.next();
                    break;
                }
                Some(',') => {
                    chars.next();
                }
                None => break,
                _ => use_tree(chars, prefix.clone(), paths),
            }
        }
        return;
    }
    let mut segment = String::new();
    while let Some(&c) = chars.peek() {
        if c.is_alphanumeric() || c == '_' || c == '*' {
            segment.push(c);
            chars.next();
        } else {
            break;
        }
    }
    let mut path = prefix;
    if !segment.is_empty() {
        path.push(segment);
    }
    let mut lookahead = chars.clone();
    if lookahead.next() == Some(':') && lookahead.next() == Some(':') {
        chars.next();
        chars.next();
        use_tree(chars, path, paths);
    } else if !path.is_empty() {
        paths.push(path);
    }
}

fn skip_space(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
}

/// A crate's module tree: each module's path (`["pages", "admin"]`) and its file.
struct Modules {
    files: BTreeMap<Vec<String>, PathBuf>,
}

impl Modules {
    fn read(src: &Path) -> Modules {
        let mut files = BTreeMap::new();
        for file in rust_files(src) {
            let mut path: Vec<String> = file
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                path.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                path.pop();
            }
            files.insert(path, file);
        }
        Modules { files }
    }

    /// The file that holds what `path` (from module `base`) names: the deepest module on it.
    fn resolve(&self, mut base: Vec<String>, path: &[String]) -> PathBuf {
        let mut segments = path.iter().peekable();
        while segments.peek().is_some_and(|s| *s == "super") {
            segments.next();
            base.pop();
        }
        for segment in segments {
            if segment == "self" {
                continue;
            }
            let mut deeper = base.clone();
            deeper.push(segment.clone());
            if self.files.contains_key(&deeper) {
                base = deeper;
            } else {
                break;
            }
        }
        self.files[&base].clone()
    }

    /// Which files each file imports (itself left out).
    fn imports(&self, src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
        let mut graph = BTreeMap::new();
        for (module, file) in &self.files {
            let code = without_inline_modules(&code_of(&src.join(file)));
            let mut targets = BTreeSet::new();
            for path in paths_after(&code, "crate") {
                targets.insert(self.resolve(Vec::new(), &path));
            }
            for path in paths_after(&code, "super") {
                let mut from_super = vec!["super".to_string()];
                from_super.extend(path);
                targets.insert(self.resolve(module.clone(), &from_super));
            }
            targets.remove(file);
            graph.insert(file.clone(), targets);
        }
        graph
    }
}

/// A loop of imports in `graph`, if there is one, as the files around it.
fn import_loop(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    fn visit(
        file: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        done: &mut BTreeSet<PathBuf>,
        trail: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        if let Some(start) = trail.iter().position(|f| f == file) {
            let mut found = trail[start..].to_vec();
            found.push(file.clone());
            return Some(found);
        }
        if done.contains(file) {
            return None;
        }
        trail.push(file.clone());
        for next in graph.get(file).into_iter().flatten() {
            if let Some(found) = visit(next, graph, done, trail) {
                return Some(found);
            }
        }
        trail.pop();
        done.insert(file.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|file| visit(file, graph, &mut done, &mut Vec::new()))
}

fn shown(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" -> ")
}

#[test]
fn only_the_route_table_uses_the_pages_and_the_web_modules_import_no_loop() {
    let src = workspace().join("crates/web/src");
    let modules = Modules::read(&src);
    let graph = modules.imports(&src);
    let pages = modules.files[&vec!["pages".to_string()]]
        .parent()
        .expect("pages folder")
        .to_path_buf();
    let mut misplaced = Vec::new();
    for (file, targets) in &graph {
        if file.starts_with(&pages) || file == Path::new("lib.rs") {
            continue;
        }
        for target in targets.iter().filter(|t| t.starts_with(&pages)) {
            misplaced.push(format!("{} uses {}", file.display(), target.display()));
        }
    }
    assert!(
        misplaced.is_empty(),
        "only lib.rs (the route table) may use the pages; call a use case of trustloop_app or \
         move the shared part below the pages instead:\n  {}",
        misplaced.join("\n  ")
    );
    if let Some(found) = import_loop(&graph) {
        panic!(
            "the web crate's modules import each other in a loop: {}",
            shown(&found)
        );
    }
}

#[test]
fn the_command_line_never_reaches_into_the_pages() {
    let crate_dir = workspace().join("crates/trustloop");
    let mut misplaced = Vec::new();
    for folder in ["src", "tests"] {
        let dir = crate_dir.join(folder);
        if !dir.exists() {
            continue;
        }
        for file in rust_files(&dir) {
            let code = code_of(&dir.join(&file));
            if paths_after(&code, "trustloop_web")
                .iter()
                .any(|path| path.first().is_some_and(|s| s == "pages"))
            {
                misplaced.push(format!("{folder}/{}", file.display()));
            }
        }
    }
    assert!(
        misplaced.is_empty(),
        "the command line calls trustloop_app, never trustloop_web::pages: {misplaced:?}"
    );
}

#[test]
fn the_use_cases_depend_on_the_domain_and_the_storage_only() {
    let app = workspace().join("crates/app");
    let manifest = std::fs::read_to_string(app.join("Cargo.toml")).expect("manifest readable");
    let web_layer = [
        "axum",
        "tower",
        "tower-http",
        "askama",
        "askama_web",
        "hyper",
    ];
    let allowed_trustloop = ["trustloop-domain", "trustloop-storage"];
    let mut wrong = Vec::new();
    let mut section = String::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if !section.contains("dependencies") {
            continue;
        }
        let name = line
            .split(['=', '.', ' '])
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        let forbidden = web_layer.contains(&name)
            || (name.starts_with("trustloop") && !allowed_trustloop.contains(&name));
        if forbidden {
            wrong.push(format!("{section} {name}"));
        }
    }
    for file in rust_files(&app.join("src")) {
        let code = code_of(&app.join("src").join(&file));
        for root in ["axum", "trustloop_web", "tower", "tower_http", "askama"] {
            if !paths_after(&code, root).is_empty() {
                wrong.push(format!("src/{} uses {root}", file.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "trustloop-app holds the use cases without HTTP: {wrong:?}"
    );
}

#[test]
fn imports_are_read_from_use_groups_and_code_but_not_comments_strings_or_test_modules() {
    let source = r#"
        use crate::{auth::SignedIn, error::{AppError, AppResult}, forms};
        // use crate::pages::Chrome;
        /* crate::api */
        const TEXT: &str = "crate::views";
        const QUOTE: char = '"';
        fn f() { crate::layout::Chrome::default(); let x = super::sibling::thing(); }
        mod tests { use crate::state::AppState; }
    "#;
    let code = without_inline_modules(&code_only(source));
    let crate_paths = paths_after(&code, "crate");
    let firsts: BTreeSet<&str> = crate_paths.iter().map(|p| p[0].as_str()).collect();
    assert_eq!(
        firsts,
        BTreeSet::from(["auth", "error", "forms", "layout"]),
        "{crate_paths:?}"
    );
    assert!(crate_paths.contains(&vec!["error".into(), "AppResult".into()]));
    assert_eq!(
        paths_after(&code, "super"),
        vec![vec!["sibling".to_string(), "thing".to_string()]]
    );
}

#[test]
fn a_loop_of_imports_is_found_and_a_tree_is_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
        for (from, to) in edges {
            graph.entry(from.into()).or_default().insert(to.into());
            graph.entry(to.into()).or_default();
        }
        graph
    };
    let tree = graph(&[
        ("lib.rs", "pages/mod.rs"),
        ("pages/mod.rs", "error.rs"),
        ("lib.rs", "error.rs"),
    ]);
    assert_eq!(import_loop(&tree), None);
    let looped = graph(&[
        ("error.rs", "forms.rs"),
        ("forms.rs", "auth.rs"),
        ("auth.rs", "error.rs"),
    ]);
    let found = import_loop(&looped).expect("a loop");
    assert_eq!(found.first(), found.last());
    assert_eq!(found.len(), 4);
}
