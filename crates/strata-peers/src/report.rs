//! Agreement between the systems, and the table of medians and ratios.

use std::fmt::Write;

use crate::questions::{Outcome, Questions};

fn percentile(us: &[f64], p: f64) -> Option<f64> {
    if us.is_empty() {
        return None;
    }
    let mut v = us.to_vec();
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    Some(v[i])
}

fn fmt_us(us: Option<f64>) -> String {
    match us {
        None => "-".into(),
        Some(us) if us >= 1e6 => format!("{:.2} s", us / 1e6),
        Some(us) if us >= 1e3 => format!("{:.1} ms", us / 1e3),
        Some(us) => format!("{us:.0} µs"),
    }
}

fn ratio(x: Option<f64>, base: Option<f64>) -> String {
    match (x, base) {
        (Some(x), Some(b)) if b > 0.0 && x / b < 0.95 => format!("{:.2}×", x / b),
        (Some(x), Some(b)) if b > 0.0 => format!("{:.1}×", x / b),
        _ => "-".into(),
    }
}

/// How many of the questions `other` answered the same as `base` (over the
/// questions both answered), and a description of the first difference.
fn agreement<A: PartialEq>(
    base: &[A],
    other: &[A],
    describe: impl Fn(&A, &A) -> String,
) -> (usize, usize, Option<String>) {
    let n = base.len().min(other.len());
    let mut first = None;
    let mut same = 0;
    for i in 0..n {
        if base[i] == other[i] {
            same += 1;
        } else if first.is_none() {
            first = Some(format!("question {i}: {}", describe(&base[i], &other[i])));
        }
    }
    (same, n, first)
}

fn set_difference(strata: &[u32], other: &[u32]) -> String {
    let a: std::collections::BTreeSet<_> = strata.iter().collect();
    let b: std::collections::BTreeSet<_> = other.iter().collect();
    let show = |v: Vec<&&u32>| {
        let head: Vec<String> = v.iter().take(8).map(|x| x.to_string()).collect();
        format!("[{}{}] ({})", head.join(", "), if v.len() > 8 { ", …" } else { "" }, v.len())
    };
    format!(
        "only strata has {}, only it has {} (entity numbers: lines of nodes.csv)",
        show(a.difference(&b).collect()),
        show(b.difference(&a).collect())
    )
}

/// The markdown table, then the agreement and notes of each system.
pub fn render(dataset: &str, q: &Questions, outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{dataset}");
    let Some(base) = outcomes.first() else { return out };
    let b_nb = percentile(&base.neighborhood_us, 0.5);
    let b_pa = percentile(&base.path_us, 0.5);
    let _ = writeln!(
        out,
        "{} questions of each kind: as-of {}-hop neighborhood over both directions; as-of shortest path length (at most {} hops)\n",
        q.neighborhood.len(),
        q.neighborhood_hops,
        q.path_max_hops
    );
    let _ = writeln!(
        out,
        "| system | load | neighborhood p50 | p90 | vs strata | path p50 | p90 | vs strata | agrees with strata |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut notes = Vec::new();
    for o in outcomes {
        let nb = percentile(&o.neighborhood_us, 0.5);
        let pa = percentile(&o.path_us, 0.5);
        let (s1, n1, d1) = agreement(&base.neighborhood, &o.neighborhood, |a, b| set_difference(a, b));
        let (s2, n2, d2) = agreement(&base.path, &o.path, |a, b| format!("strata {a:?} hops, it {b:?}"));
        let agree =
            if std::ptr::eq(o, base) { "(reference)".to_string() } else { format!("{s1}/{n1} nbhd, {s2}/{n2} paths") };
        let _ = writeln!(
            out,
            "| {} | {:.2} s | {} | {} | {} | {} | {} | {} | {} |",
            o.system,
            o.load_s,
            fmt_us(nb),
            fmt_us(percentile(&o.neighborhood_us, 0.9)),
            ratio(nb, b_nb),
            fmt_us(pa),
            fmt_us(percentile(&o.path_us, 0.9)),
            ratio(pa, b_pa),
            agree
        );
        for d in [d1, d2].into_iter().flatten() {
            notes.push(format!("- {} disagrees: {d}", o.system));
        }
        if let Some(n) = &o.note {
            notes.push(format!("- {}: {n}", o.system));
        }
    }
    let sizes: Vec<usize> = base.neighborhood.iter().map(Vec::len).collect();
    let reachable = base.path.iter().filter(|p| p.is_some()).count();
    let _ = writeln!(
        out,
        "\nneighborhood sizes (strata): median {}, max {}; paths found: {} of {}",
        percentile(&sizes.iter().map(|&s| s as f64).collect::<Vec<_>>(), 0.5).unwrap_or(0.0),
        sizes.iter().max().unwrap_or(&0),
        reachable,
        base.path.len()
    );
    for n in notes {
        let _ = writeln!(out, "{n}");
    }
    out
}
