//! `strata import`: parse NDJSON files with a progress bar, append each as
//! one atomic batch, and say what happened.

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use strata_core::{parse_line, Location};

use crate::args::{Global, ImportArgs};

pub fn run(global: &Global, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let engine = global.open()?;
    let vocab = engine.vocabulary();
    let show_progress = std::io::stderr().is_terminal();
    let mut expect = args.expect_position;
    for path in &args.files {
        let name = path.display().to_string();
        let (reader, size): (Box<dyn Read>, Option<u64>) = if name == "-" {
            (Box::new(std::io::stdin().lock()), None)
        } else {
            let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(file), size)
        };
        let bar = if show_progress {
            let bar = size.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            let style = ProgressStyle::with_template(
                "{msg} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(format!("reading {name}"));
            bar
        } else {
            ProgressBar::hidden()
        };

        let started = Instant::now();
        let mut parsed = Vec::new();
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let mut line = String::new();
        let mut number = 0usize;
        loop {
            line.clear();
            let n = reader.read_line(&mut line).with_context(|| format!("cannot read {name} after line {number}"))?;
            if n == 0 {
                break;
            }
            number += 1;
            bar.inc(n as u64);
            let text = line.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            let loc = Location::Line(number);
            let event = parse_line(text, loc, &vocab).with_context(|| format!("{name}: nothing of this file was stored"))?;
            parsed.push((loc, event));
        }
        bar.set_message(format!("storing {} events from {name}", parsed.len()));
        let count = parsed.len();
        let outcome = engine
            .append(parsed, expect.take())
            .with_context(|| format!("{name}: nothing of this file was stored"))?;
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { outcome.appended as f64 / secs } else { 0.0 };
        eprintln!(
            "{name}: {} new events, {} already stored (log at position {}; {:.2}s, {:.0} events/s)",
            outcome.appended,
            count - outcome.appended,
            outcome.position,
            secs,
            rate
        );
    }
    Ok(ExitCode::SUCCESS)
}
