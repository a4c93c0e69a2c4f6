//! The questions every system answers, drawn from a seeded generator, and
//! the files that hand them (and the edge table) to the Python peers.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::derive::{Dataset, OPEN_END};

/// Hops of the neighborhood question.
pub const NEIGHBORHOOD_HOPS: usize = 3;
/// The longest path the shortest-path question looks for; longer is "none".
pub const PATH_MAX_HOPS: usize = 6;

/// The buckets of the neighborhood question by answer size `n` (entities
/// in the answer, the centre included): each holds `lo <= n < hi`, so an
/// answer of exactly 10, 100 or 1,000 entities counts in the bucket that
/// starts there.
pub const BUCKETS: [(usize, usize, &str); 4] =
    [(1, 10, "1 ≤ n < 10"), (10, 100, "10 ≤ n < 100"), (100, 1000, "100 ≤ n < 1,000"), (1000, usize::MAX, "n ≥ 1,000")];

/// The bucket of an answer of `n` entities.
pub fn bucket_of(n: usize) -> Option<usize> {
    BUCKETS.iter().position(|&(lo, hi, _)| lo <= n && n < hi)
}

/// Draws (of single questions) allowed per requested question while topping
/// up the sparse buckets, so that a log without large neighborhoods ends.
const TOP_UP_DRAWS_PER_QUESTION: usize = 50;

/// The same inputs for every system.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Questions {
    pub neighborhood_hops: usize,
    pub path_max_hops: usize,
    /// (centre, asOf day): first `uniform` drawn uniformly, then the top-up
    /// of the answer-size buckets that had fewer than `per_bucket`.
    pub neighborhood: Vec<(u32, i32)>,
    /// Entities in the answer to each neighborhood question, as the
    /// derivation's own BFS counts them (what every system must return).
    pub neighborhood_size: Vec<usize>,
    /// How many neighborhood questions are the uniform draw.
    pub uniform: usize,
    /// The questions each answer-size bucket was topped up to, where the log
    /// allowed it.
    pub per_bucket: usize,
    /// Single draws made while topping up.
    pub top_up_draws: usize,
    /// (from, to, asOf day)
    pub path: Vec<(u32, u32, i32)>,
}

/// Counts answers to neighborhood questions: a level-bounded BFS over the
/// derived edges, marking reached entities with the number of the question.
struct Sizer<'a> {
    adj: Vec<Vec<(u32, i32, i32)>>,
    visible: &'a [bool],
    mark: Vec<u32>,
    stamp: u32,
}

impl<'a> Sizer<'a> {
    fn new(data: &'a Dataset) -> Self {
        let mut adj: Vec<Vec<(u32, i32, i32)>> = vec![Vec::new(); data.names.len()];
        for e in &data.edges {
            adj[e.src as usize].push((e.dst, e.from, e.to));
            adj[e.dst as usize].push((e.src, e.from, e.to));
        }
        Self { adj, visible: &data.visible, mark: vec![0; data.names.len()], stamp: 0 }
    }

    /// Visible entities within `hops` of `c` over both directions at `day`,
    /// `c` included: the size of the answer every system must give.
    fn size(&mut self, c: u32, day: i32, hops: usize) -> usize {
        self.stamp += 1;
        self.mark[c as usize] = self.stamp;
        let mut count = usize::from(self.visible[c as usize]);
        let mut frontier = vec![c];
        for _ in 0..hops {
            let mut next = Vec::new();
            for u in frontier {
                for &(v, from, to) in &self.adj[u as usize] {
                    if from <= day && day < to && self.mark[v as usize] != self.stamp {
                        self.mark[v as usize] = self.stamp;
                        count += usize::from(self.visible[v as usize]);
                        next.push(v);
                    }
                }
            }
            frontier = next;
        }
        count
    }
}

/// Draws `n` questions of each kind: centres and endpoints among visible
/// entities that have at least one edge, dates between the first and the last
/// day any edge starts. Then, for the neighborhood, keeps drawing the same
/// way and keeps only the questions whose answer falls in a bucket of
/// [`BUCKETS`] that has fewer than `n / 4` questions, until every bucket has
/// them or `50 × n` more draws are spent.
pub fn draw(data: &Dataset, n: usize, seed: u64) -> Questions {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut has_edge = vec![false; data.names.len()];
    for e in &data.edges {
        has_edge[e.src as usize] = true;
        has_edge[e.dst as usize] = true;
    }
    let pool: Vec<u32> =
        (0..data.names.len() as u32).filter(|&i| has_edge[i as usize] && data.visible[i as usize]).collect();
    let lo = data.edges.iter().map(|e| e.from).min().unwrap_or(0);
    let hi = data.edges.iter().map(|e| e.from).max().unwrap_or(0).max(lo);
    let pick = |rng: &mut StdRng| pool[rng.gen_range(0..pool.len())];
    let mut questions = Questions {
        neighborhood_hops: NEIGHBORHOOD_HOPS,
        path_max_hops: PATH_MAX_HOPS,
        neighborhood: Vec::new(),
        neighborhood_size: Vec::new(),
        uniform: 0,
        per_bucket: n / 4,
        top_up_draws: 0,
        path: Vec::new(),
    };
    if pool.is_empty() {
        return questions;
    }
    let mut sizer = Sizer::new(data);
    let mut size = |c: u32, day: i32| sizer.size(c, day, NEIGHBORHOOD_HOPS);
    for _ in 0..n {
        let c = pick(&mut rng);
        let day = rng.gen_range(lo..=hi);
        questions.neighborhood.push((c, day));
        questions.neighborhood_size.push(size(c, day));
    }
    for _ in 0..n {
        let a = pick(&mut rng);
        let b = pick(&mut rng);
        questions.path.push((a, b, rng.gen_range(lo..=hi)));
    }
    questions.uniform = n;
    // The top-up draws from a generator of its own, so the uniform questions
    // (and the paths) are the same as without it.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0b0c_3e75);
    let mut count = [0usize; BUCKETS.len()];
    for &s in &questions.neighborhood_size {
        if let Some(b) = bucket_of(s) {
            count[b] += 1;
        }
    }
    while count.iter().any(|&c| c < questions.per_bucket) && questions.top_up_draws < TOP_UP_DRAWS_PER_QUESTION * n {
        questions.top_up_draws += 1;
        let c = pick(&mut rng);
        let day = rng.gen_range(lo..=hi);
        let s = size(c, day);
        if let Some(b) = bucket_of(s).filter(|&b| count[b] < questions.per_bucket) {
            count[b] += 1;
            questions.neighborhood.push((c, day));
            questions.neighborhood_size.push(s);
        }
    }
    questions
}

/// Writes `nodes.csv` (id, visible), `edges.csv` (src, dst, from, to; `to`
/// is 2147483647 while open) and `questions.json` into `dir`.
pub fn write_work_dir(dir: &Path, data: &Dataset, q: &Questions) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut nodes = std::io::BufWriter::new(std::fs::File::create(dir.join("nodes.csv"))?);
    writeln!(nodes, "id,visible")?;
    for (i, v) in data.visible.iter().enumerate() {
        writeln!(nodes, "{i},{}", u8::from(*v))?;
    }
    nodes.flush()?;
    let mut edges = std::io::BufWriter::new(std::fs::File::create(dir.join("edges.csv"))?);
    writeln!(edges, "src,dst,vf,vt")?;
    for e in &data.edges {
        writeln!(edges, "{},{},{},{}", e.src, e.dst, e.from, e.to)?;
    }
    edges.flush()?;
    debug_assert_eq!(OPEN_END, 2147483647);
    std::fs::write(dir.join("questions.json"), serde_json::to_vec(q)?)?;
    Ok(())
}

/// One system's answers and timings, as the Python script writes them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub system: String,
    /// Seconds to load the data and be ready to answer.
    pub load_s: f64,
    /// Sorted entity numbers per neighborhood question (only the questions answered).
    pub neighborhood: Vec<Vec<u32>>,
    pub neighborhood_us: Vec<f64>,
    /// Hops per path question, `None` when there is no path within the limit.
    pub path: Vec<Option<u32>>,
    pub path_us: Vec<f64>,
    /// Why the system stopped early or failed, if it did.
    pub note: Option<String>,
}
