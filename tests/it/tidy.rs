//! Tidy checks that keep the map a map: every repository path that
//! ARCHITECTURE.md, the README, `docs/` and the contract name (in backticks
//! or as a relative link) exists, every `.rs` file opens with a `//!` line saying
//! what it is for, and every invariant is spelled `*Architecture invariant:*`.
//! Each failure names the file and the line to mend.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::readme::documents;
use crate::support::root;

/// The one spelling of an invariant's label.
const INVARIANT: &str = "*Architecture invariant:*";

/// Endings that make a backticked word a file name, even without a `/`.
const FILE_ENDINGS: &[&str] =
    &["rs", "md", "toml", "json", "graphql", "py", "sh", "js", "html", "css", "ndjson", "test", "lock", "txt", "png"];

/// The maps: ARCHITECTURE.md, the README, the pages of `docs/`, the
/// contract and the examples' README.
fn maps() -> Vec<PathBuf> {
    let mut maps = vec![root().join("ARCHITECTURE.md")];
    maps.extend(documents());
    maps.push(root().join("schema/README.md"));
    maps.push(root().join("examples/README.md"));
    maps
}

/// A file's path relative to the repository, for messages.
fn shown(path: &Path) -> String {
    match path.strip_prefix(root()) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Ok(relative) => relative.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// The inline code spans of a line (text between single backticks).
fn code_spans(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// The relative link targets of a line (`[text](target)`), without their `#anchor`.
fn link_targets(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split('#').next().unwrap_or("");
        let external = target.contains("://") || target.starts_with("mailto:");
        if !target.is_empty() && !external {
            out.push(target);
        }
        rest = &after[end..];
    }
    out
}

/// Whether a backticked word names a file or folder of the repository: it
/// ends like a file name, or its first segment is a folder of one of the
/// places it is read from. Words with spaces, flags, variables, URLs and
/// placeholders are not paths; neither are format names (`strata-log/2`),
/// whose first segment names nothing.
fn is_path(word: &str, bases: &[PathBuf]) -> bool {
    let unusable = word.is_empty()
        || word.contains(char::is_whitespace)
        || word.contains("://")
        || word.contains("::")
        || word.contains(['<', '>', '=', '$', '(', '{', '"', '\''])
        || word.starts_with('-');
    if unusable {
        return false;
    }
    let last = word.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let file_like =
        last.rsplit_once('.').is_some_and(|(stem, ending)| !stem.is_empty() && FILE_ENDINGS.contains(&ending));
    // `./strata-data`, `../x`: places relative to where a command runs, not the
    // repository; `target/...`: what a build makes, not what the repository holds.
    let first = word.split('/').next().unwrap_or("");
    let named = !first.is_empty() && ![".", "..", "target"].contains(&first);
    let folder_like = word.contains('/') && named && bases.iter().any(|b| b.join(first).is_dir());
    file_like || folder_like
}

/// Whether `word` exists under one of `bases`; a `*` in the last segment
/// matches any run of characters.
fn exists(word: &str, bases: &[PathBuf]) -> bool {
    let word = word.trim_end_matches('/');
    bases.iter().any(|base| match word.rsplit_once('/').map_or(("", word), |(dir, name)| (dir, name)) {
        (dir, name) if name.contains('*') => {
            let (prefix, suffix) = name.split_once('*').unwrap_or((name, ""));
            std::fs::read_dir(base.join(dir)).into_iter().flatten().flatten().any(|entry| {
                let n = entry.file_name().to_string_lossy().into_owned();
                n.len() >= prefix.len() + suffix.len() && n.starts_with(prefix) && n.ends_with(suffix)
            })
        }
        _ => base.join(word).exists(),
    })
}

/// The crate a heading is about (`### \`crates/strata-store\``), if any.
fn heading_crate(line: &str) -> Option<String> {
    code_spans(line).find_map(|span| {
        let name = span.strip_prefix("crates/")?.trim_end_matches('/');
        (!name.is_empty() && !name.contains('/')).then(|| format!("crates/{name}"))
    })
}

/// Every named path of one map that does not exist, as `file:line: why`.
/// Paths resolve from the repository's root, the map's own folder and,
/// under a crate's heading, that crate and its `src/`.
fn missing_paths(map: &Path, text: &str) -> Vec<String> {
    let root = root();
    let here = map.parent().map_or_else(|| root.clone(), Path::to_path_buf);
    let mut found = Vec::new();
    let mut fenced = false;
    let mut crate_heading: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        if level > 0 && line[level..].starts_with(' ') {
            if crate_heading.as_ref().is_some_and(|(l, _)| level <= *l) {
                crate_heading = None;
            }
            if let Some(krate) = heading_crate(line) {
                crate_heading = Some((level, krate));
            }
        }
        let mut bases = vec![root.clone()];
        if here != root {
            bases.push(here.clone());
        }
        if let Some((_, krate)) = &crate_heading {
            bases.push(root.join(krate));
            bases.push(root.join(krate).join("src"));
        }
        for word in code_spans(line) {
            if is_path(word, &bases) && !exists(word, &bases) {
                let places: Vec<String> = bases.iter().map(|b| format!("{}/", shown(b))).collect();
                found.push(format!(
                    "{}:{}: `{word}` is not a file or folder of the repository (looked in {})",
                    shown(map),
                    n + 1,
                    places.join(", ")
                ));
            }
        }
        for target in link_targets(line) {
            if !here.join(target).exists() {
                found.push(format!("{}:{}: the link to `{target}` leads nowhere", shown(map), n + 1));
            }
        }
    }
    found
}

/// Every label of an invariant on a line not spelled [`INVARIANT`].
fn misspelled_invariants(line: &str) -> usize {
    let lower = line.to_ascii_lowercase();
    let mut bad = 0;
    let mut from = 0;
    while let Some(at) = lower[from..].find("invariant").map(|i| i + from) {
        from = at + "invariant".len();
        let before = lower[..at].trim_end_matches([' ', '-', '*', '_']);
        let after = lower[from..].strip_prefix('s').unwrap_or(&lower[from..]);
        let labelled = before.ends_with("architecture")
            || before.ends_with("architectural")
            || after.trim_start_matches(['*', '_', ' ']).starts_with(':');
        let start = at.checked_sub("*Architecture ".len());
        let spelled = start.is_some_and(|s| line.get(s..).is_some_and(|rest| rest.starts_with(INVARIANT)));
        if labelled && !spelled {
            bad += 1;
        }
    }
    bad
}

/// The repository's files, committed or new (not ignored), from git.
fn repository_files() -> Vec<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output()
        .unwrap();
    assert!(out.status.success(), "git ls-files failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut files: Vec<String> =
        String::from_utf8(out.stdout).unwrap().split('\0').filter(|f| !f.is_empty()).map(str::to_string).collect();
    files.sort();
    files.dedup();
    files
}

#[test]
fn every_path_the_docs_name_exists() {
    let mut found = Vec::new();
    for map in maps() {
        let text = std::fs::read_to_string(&map).unwrap_or_else(|e| panic!("{}: {e}", shown(&map)));
        found.extend(missing_paths(&map, &text));
    }
    assert!(found.is_empty(), "named paths that do not exist:\n{}", found.join("\n"));
}

#[test]
fn every_rust_file_opens_with_a_doc_comment() {
    let mut found = Vec::new();
    for file in repository_files() {
        // Third-party code is kept as its authors wrote it.
        let third_party = file.split('/').any(|part| part == "vendor" || part == "target");
        if !file.ends_with(".rs") || third_party {
            continue;
        }
        // A file git lists may be gone from the work tree (deleted, not yet committed).
        let Ok(text) = std::fs::read_to_string(root().join(&file)) else { continue };
        let first = text.lines().next().unwrap_or("");
        if !first.starts_with("//!") {
            found.push(format!("{file}:1: opens with `{first}`, not a `//!` line saying what the file is for"));
        }
    }
    assert!(found.is_empty(), "Rust files without an opening `//!` line:\n{}", found.join("\n"));
}

#[test]
fn every_invariant_is_spelled_one_way() {
    let mut found = Vec::new();
    for doc in maps() {
        let text = std::fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{}: {e}", shown(&doc)));
        for (n, line) in text.lines().enumerate() {
            if misspelled_invariants(line) > 0 {
                found.push(format!("{}:{}: spell the label `{INVARIANT}`: {line}", shown(&doc), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "invariants spelled another way:\n{}", found.join("\n"));
}

#[test]
fn the_tidy_rules_catch_what_they_should() {
    let root = root();
    let store = vec![root.clone(), root.join("crates/strata-store"), root.join("crates/strata-store/src")];
    // Paths: file names and folders are checked; format names, flags and types are not paths.
    assert!(is_path("crates/strata-store/src/no-such-file.rs", &store));
    assert!(is_path("lib.rs", &store));
    assert!(is_path("tests/it/", &store));
    assert!(!is_path("strata-log/2", &store));
    assert!(!is_path("--data/stream-copy", &store));
    assert!(!is_path("./strata-data", &store));
    assert!(!is_path("target/pyvenv", &store));
    assert!(!is_path("Engine::open", &store));
    assert!(!is_path("tests/fuzz/artifacts/<target>/", &store));
    assert!(exists("lib.rs", &store) && exists("crates/strata-engine/tests/data/*.test", &store));
    assert!(!exists("no-such-file.rs", &store));
    let map = root.join("ARCHITECTURE.md");
    let text = "### `crates/strata-store`\n\n`lib.rs` and `src/lib.rs`\n\n## Next\n\n`lib.rs`, [gone](gone.md)\n";
    let found = missing_paths(&map, text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("ARCHITECTURE.md:7: `lib.rs`"), "{found:?}");
    assert!(found[1].starts_with("ARCHITECTURE.md:7: the link to `gone.md`"), "{found:?}");
    // Code blocks hold commands and output, not paths to check.
    assert!(missing_paths(&map, "```sh\nls `no-such-file.rs`\n```\n").is_empty());
    // Invariants: one spelling, whatever the case, the dash or the emphasis of the others.
    assert_eq!(misspelled_invariants("*Architecture invariant:* no I/O."), 0);
    assert_eq!(misspelled_invariants("what must stay true: the invariants hold"), 0);
    assert_eq!(misspelled_invariants("*Architecture Invariant:* no I/O."), 1);
    assert_eq!(misspelled_invariants("**Architecture invariant**: no I/O."), 1);
    assert_eq!(misspelled_invariants("Invariant: no I/O."), 1);
    assert_eq!(misspelled_invariants("*Architectural invariant*: x; *Architecture invariant:* y"), 1);
}
