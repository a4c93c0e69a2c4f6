//! strata beside its peers: loads one generated NDJSON log into strata, cozo
//! and (through `peers.py`) Ladybug, DuckDB and networkx, asks every system the
//! same as-of questions, checks that they agree, and prints one table.

mod derive;
mod questions;
mod report;
mod systems;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use strata_core::Vocabulary;

use crate::questions::Outcome;

const USAGE: &str = "usage: strata-peers --input FILE [--work DIR] [--questions N] [--seed S] [--budget-s SECS]
                    [--python PYTHON [--script peers.py]] [--skip SYSTEM,...]
                    [--strata-batch LINES]  (0: the whole log as one batch; default 0)";

struct Args {
    input: PathBuf,
    work: PathBuf,
    questions: usize,
    seed: u64,
    budget: Duration,
    python: Option<PathBuf>,
    script: PathBuf,
    skip: Vec<String>,
    strata_batch: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        input: PathBuf::new(),
        work: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/work")),
        questions: 200,
        seed: 42,
        budget: Duration::from_secs(60),
        python: None,
        script: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/peers.py")),
        skip: Vec::new(),
        strata_batch: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--input" => a.input = value()?.into(),
            "--work" => a.work = value()?.into(),
            "--questions" => a.questions = value()?.parse()?,
            "--seed" => a.seed = value()?.parse()?,
            "--budget-s" => a.budget = Duration::from_secs(value()?.parse()?),
            "--python" => a.python = Some(value()?.into()),
            "--script" => a.script = value()?.into(),
            "--strata-batch" => a.strata_batch = value()?.parse()?,
            "--skip" => a.skip = value()?.split(',').map(str::to_string).collect(),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    if a.input.as_os_str().is_empty() {
        bail!("--input is required\n{USAGE}");
    }
    Ok(a)
}

fn main() -> Result<()> {
    let a = args()?;
    let vocab = Vocabulary::builtin();
    let started = Instant::now();
    let data = derive::load(&a.input, &vocab)?;
    let dataset = format!(
        "{}: {} events ({} retracted), {} entities, {} edges with validity intervals (derived in {:.1} s)",
        a.input.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        data.events,
        data.retracted,
        data.names.len(),
        data.edges.len(),
        started.elapsed().as_secs_f64()
    );
    eprintln!("{dataset}");
    let q = questions::draw(&data, a.questions, a.seed);
    if q.neighborhood.is_empty() {
        bail!("{} has no relations to ask about", a.input.display());
    }
    questions::write_work_dir(&a.work, &data, &q)?;

    let mut outcomes: Vec<Outcome> = Vec::new();
    let skip = |name: &str| a.skip.iter().any(|s| s == name);
    eprintln!("strata ...");
    outcomes.push(systems::strata(&data, &q, a.budget, a.strata_batch)?);
    if !skip("plain") {
        eprintln!("plain BFS ...");
        outcomes.push(systems::plain(&data, &q, a.budget)?);
    }
    if !skip("cozo") {
        eprintln!("cozo ...");
        match systems::cozo(&data, &q, a.budget) {
            Ok(o) => outcomes.push(o),
            Err(e) => outcomes.push(Outcome {
                system: "cozo 0.7.6".into(),
                note: Some(format!("failed: {e:#}")),
                ..Outcome::default()
            }),
        }
    }
    drop(data);
    if let Some(py) = &a.python {
        let results = a.work.join("python.json");
        let _ = std::fs::remove_file(&results);
        let status = Command::new(py)
            .arg(&a.script)
            .arg("--work")
            .arg(&a.work)
            .arg("--budget-s")
            .arg(a.budget.as_secs().to_string())
            .arg("--skip")
            .arg(a.skip.join(","))
            .status()
            .with_context(|| format!("running {}", py.display()))?;
        if !status.success() {
            bail!("{} {} failed: {status}", py.display(), a.script.display());
        }
        let more: Vec<Outcome> = serde_json::from_slice(&std::fs::read(&results)?)?;
        outcomes.extend(more);
    }
    let table = report::render(&dataset, &q, &outcomes);
    std::fs::write(a.work.join("table.md"), &table)?;
    std::fs::write(a.work.join("outcomes.json"), serde_json::to_vec(&outcomes)?)?;
    println!("{table}");
    Ok(())
}
