//! Agreement between the systems, and the table of medians and ratios.

use std::fmt::Write;

use crate::questions::{bucket_of, Outcome, Questions, BUCKETS};

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
        Some(us) if us >= 10.0 => format!("{us:.0} µs"),
        Some(us) => format!("{us:.1} µs"),
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
    // The main table reads the uniform draw only; the top-up for the
    // buckets would tilt its medians towards the rare sizes.
    let uniform = |us: &[f64]| us[..us.len().min(q.uniform)].to_vec();
    let b_nb = percentile(&uniform(&base.neighborhood_us), 0.5);
    let b_pa = percentile(&base.path_us, 0.5);
    let _ = writeln!(
        out,
        "{} questions of each kind: as-of {}-hop neighborhood over both directions; as-of shortest path length (at most {} hops)\n",
        q.uniform,
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
        let nb = percentile(&uniform(&o.neighborhood_us), 0.5);
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
            fmt_us(percentile(&uniform(&o.neighborhood_us), 0.9)),
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
    let sizes: Vec<usize> = base.neighborhood.iter().take(q.uniform).map(Vec::len).collect();
    let reachable = base.path.iter().filter(|p| p.is_some()).count();
    let _ = writeln!(
        out,
        "\nneighborhood sizes (strata): median {}, max {}; paths found: {} of {}",
        percentile(&sizes.iter().map(|&s| s as f64).collect::<Vec<_>>(), 0.5).unwrap_or(0.0),
        sizes.iter().max().unwrap_or(&0),
        reachable,
        base.path.len()
    );
    let wrong_size = base.neighborhood.iter().zip(&q.neighborhood_size).filter(|(a, &n)| a.len() != n).count();
    if wrong_size > 0 {
        notes.push(format!(
            "- strata's answer has another size than the derivation's BFS counts on {wrong_size} neighborhood questions"
        ));
    }
    for n in notes {
        let _ = writeln!(out, "{n}");
    }
    buckets(&mut out, q, outcomes);
    out
}

/// The neighborhood question again, by the size of its answer: per bucket
/// and system the questions answered, the median and p90, and the p90 over
/// the plain BFS floor's p90 in the same bucket; then whether strata meets
/// the target in each bucket (p90 within 3× the floor's and below every
/// peer's).
fn buckets(out: &mut String, q: &Questions, outcomes: &[Outcome]) {
    let extra = q.neighborhood.len() - q.uniform;
    let _ = writeln!(
        out,
        "\n### Neighborhood by answer size\n\n\
         n = entities in the answer, the centre included. A bucket holds lo ≤ n < hi: an answer of exactly \
         10, 100 or 1,000 entities counts in the bucket that starts there. The {} uniform questions, plus {extra} \
         drawn the same way and kept only for a bucket with fewer than {} ({} draws). \
         \"vs floor\": the system's p90 over the plain BFS's p90 in the same bucket.\n",
        q.uniform, q.per_bucket, q.top_up_draws
    );
    let short: Vec<String> = BUCKETS
        .iter()
        .enumerate()
        .filter_map(|(i, &(_, _, label))| {
            let asked = q.neighborhood_size.iter().filter(|&&n| bucket_of(n) == Some(i)).count();
            (asked < q.per_bucket).then(|| format!("{label}: {asked}"))
        })
        .collect();
    if !short.is_empty() {
        let _ = writeln!(
            out,
            "Short of {} after the draws (the log has few such questions): {}.\n",
            q.per_bucket,
            short.join(", ")
        );
    }
    let _ = writeln!(out, "| answer size | system | questions | p50 | p90 | p90 vs floor |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
    // Times per system and bucket, over the questions the system answered.
    let per: Vec<Vec<Vec<f64>>> = outcomes
        .iter()
        .map(|o| {
            let mut b = vec![Vec::new(); BUCKETS.len()];
            for (&us, &n) in o.neighborhood_us.iter().zip(&q.neighborhood_size) {
                if let Some(i) = bucket_of(n) {
                    b[i].push(us);
                }
            }
            b
        })
        .collect();
    let floor = outcomes.iter().position(|o| o.system.starts_with("plain BFS"));
    let mut verdicts = Vec::new();
    for (i, &(_, _, label)) in BUCKETS.iter().enumerate() {
        let asked = q.neighborhood_size.iter().filter(|&&n| bucket_of(n) == Some(i)).count();
        if asked == 0 {
            let _ = writeln!(out, "| {label} | (empty: no question of the log fell here) | 0 | - | - | - |");
            verdicts.push(format!("- {label}: empty, no verdict"));
            continue;
        }
        let floor_p90 = floor.and_then(|f| percentile(&per[f][i], 0.9));
        for (o, times) in outcomes.iter().zip(&per) {
            let p90 = percentile(&times[i], 0.9);
            let _ = writeln!(
                out,
                "| {label} | {} | {}{} | {} | {} | {} |",
                o.system,
                times[i].len(),
                if times[i].len() < asked { format!(" of {asked}") } else { String::new() },
                fmt_us(percentile(&times[i], 0.5)),
                fmt_us(p90),
                ratio(p90, floor_p90)
            );
        }
        let strata_p90 = percentile(&per[0][i], 0.9);
        let near = match (strata_p90, floor_p90) {
            (Some(s), Some(f)) if f > 0.0 => {
                format!("p90 {:.1}× the floor's ({})", s / f, if s <= 3.0 * f { "within 3×" } else { "NOT within 3×" })
            }
            _ => "no floor to compare with".into(),
        };
        let peers: Vec<(&str, Option<f64>)> = outcomes
            .iter()
            .zip(&per)
            .enumerate()
            .filter(|&(k, _)| k != 0 && Some(k) != floor)
            .map(|(_, (o, t))| (o.system.as_str(), percentile(&t[i], 0.9)))
            .collect();
        let behind: Vec<&str> = peers
            .iter()
            .filter(|(_, p)| matches!((strata_p90, p), (Some(s), Some(p)) if *p <= s))
            .map(|(name, _)| *name)
            .collect();
        let ahead = if peers.is_empty() {
            "no peer run".to_string()
        } else if behind.is_empty() {
            "ahead of every peer".to_string()
        } else {
            format!("NOT ahead of {}", behind.join(", "))
        };
        verdicts.push(format!("- {label}: strata {near}; {ahead}"));
    }
    let _ =
        writeln!(out, "\nTarget (#24): in every bucket strata's p90 within 3× the floor's and ahead of every peer's.");
    for v in verdicts {
        let _ = writeln!(out, "{v}");
    }
}
