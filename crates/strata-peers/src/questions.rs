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

/// The same inputs for every system.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Questions {
    pub neighborhood_hops: usize,
    pub path_max_hops: usize,
    /// (centre, asOf day)
    pub neighborhood: Vec<(u32, i32)>,
    /// (from, to, asOf day)
    pub path: Vec<(u32, u32, i32)>,
}

/// Draws `n` questions of each kind: centres and endpoints among visible
/// entities that have at least one edge, dates between the first and the last
/// day any edge starts.
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
        path: Vec::new(),
    };
    if pool.is_empty() {
        return questions;
    }
    for _ in 0..n {
        let c = pick(&mut rng);
        questions.neighborhood.push((c, rng.gen_range(lo..=hi)));
    }
    for _ in 0..n {
        let a = pick(&mut rng);
        let b = pick(&mut rng);
        questions.path.push((a, b, rng.gen_range(lo..=hi)));
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
