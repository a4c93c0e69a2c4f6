//! The repository explains itself: no committed text points at documents a
//! clone does not have (a sibling `shared/` folder, an outside contract by
//! section number, issues by number). The contract is stated in
//! `schema/README.md`; guarantees are named by their names.

use std::path::Path;
use std::process::Command;

use crate::support::root;

/// Text that points outside the repository, lowercased, with why it is refused.
const POINTERS: &[(&str, &str)] = &[
    ("../shared", "a folder beside the clone"),
    ("spec.md", "the contract lives in schema/README.md"),
    ("spec section", "the contract lives in schema/README.md"),
    ("style.md", "the house style is stated where it applies"),
    ("style habit", "the house style is stated where it applies"),
];

/// `issue 12`, `issue #3`: a guarantee named by a tracker number.
fn names_an_issue(line: &str) -> bool {
    let mut rest = line;
    while let Some(at) = rest.find("issue") {
        let word_starts = !rest[..at].ends_with(|c: char| c.is_alphanumeric());
        let after = rest[at + "issue".len()..].trim_start_matches([' ', '#']);
        let spaced = rest[at + "issue".len()..].starts_with([' ', '#']);
        if word_starts && spaced && after.starts_with(|c: char| c.is_ascii_digit()) {
            return true;
        }
        rest = &rest[at + "issue".len()..];
    }
    false
}

fn committed_files(root: &Path) -> Vec<String> {
    let out = Command::new("git").arg("-C").arg(root).args(["ls-files", "-z"]).output().unwrap();
    assert!(out.status.success(), "git ls-files failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split('\0').filter(|f| !f.is_empty()).map(str::to_string).collect()
}

#[test]
fn no_committed_text_points_outside_the_repository() {
    let root = root();
    let this_file = "tests/it/self_contained.rs";
    let mut found = Vec::new();
    for file in committed_files(&root) {
        // Third-party files are kept as their authors wrote them.
        let third_party = file.split('/').any(|part| part == "vendor") || file.ends_with("package-lock.json");
        if file == this_file || third_party {
            continue;
        }
        // Binary files (vendored bundles' images, screenshots) and files a
        // checkout may lack are skipped; text is read as UTF-8 where it is.
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else { continue };
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            for (pointer, why) in POINTERS {
                if lower.contains(pointer) {
                    found.push(format!("{file}:{}: `{pointer}` ({why}): {line}", n + 1));
                }
            }
            if names_an_issue(&lower) {
                found.push(format!("{file}:{}: names an issue by number: {line}", n + 1));
            }
        }
    }
    assert!(found.is_empty(), "committed text points outside the repository:\n{}", found.join("\n"));
}

#[test]
fn the_issue_number_rule_catches_what_it_should() {
    assert!(names_an_issue("see issue 5 for why"));
    assert!(names_an_issue("(issue #12)"));
    assert!(!names_an_issue("an issue with the disk"));
    assert!(!names_an_issue("issues 7"));
    assert!(!names_an_issue("tissue 5"));
}
