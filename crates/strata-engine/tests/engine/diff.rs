//! A line diff for failure messages: the fixtures are small, so a plain
//! longest-common-subsequence table is fast enough and needs no dependency.

/// `expected` against `actual`, as `-`/`+`/` ` lines with their line
/// numbers in the expected file and two lines of context around each change.
pub fn lines(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    // (tag, line number in the expected file, text)
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            ops.push(('+', i + 1, b[j]));
            j += 1;
        }
    }
    let changed: Vec<bool> = ops.iter().map(|(t, _, _)| *t != ' ').collect();
    let near = |k: usize| (k.saturating_sub(2)..=(k + 2).min(ops.len() - 1)).any(|m| changed[m]);
    let mut out = String::new();
    let mut skipped = false;
    for (k, (tag, n, text)) in ops.iter().enumerate() {
        if near(k) {
            if skipped {
                out.push_str("   ...\n");
                skipped = false;
            }
            // An added line has no number in the file.
            let n = if *tag == '+' { String::new() } else { n.to_string() };
            out.push_str(&format!("{tag} {n:>4} | {text}\n"));
        } else {
            skipped = true;
        }
    }
    out
}
