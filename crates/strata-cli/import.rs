//! `strata import`: parse NDJSON files (or map a public source's file, see
//! `sources.rs`) with a progress bar, append each as one atomic batch, and
//! say what happened.

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use strata_core::{parse_batch, BatchError};
use strata_engine::{MAX_BATCH, PART_BYTES};

use crate::args::{Global, ImportArgs, ImportFormat};
use crate::sources;

pub fn run(global: &Global, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let engine = global.open()?;
    let shared = global.jetstream().is_some();
    let vocab = engine.vocabulary();
    let show_progress = std::io::stderr().is_terminal();
    let mut expect = args.expect_position;
    let sources = sources::Sources::load(&args, &vocab)?;
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
        let mut bytes = Vec::with_capacity(size.map_or(0, |n| n as usize));
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        loop {
            let got = reader.fill_buf().with_context(|| format!("cannot read {name} after {} bytes", bytes.len()))?;
            if got.is_empty() {
                break;
            }
            let n = got.len();
            bytes.extend_from_slice(got);
            reader.consume(n);
            bar.inc(n as u64);
        }
        let read = started.elapsed();
        bar.set_message(format!("parsing {name}"));
        let (parsed, report) = match args.format {
            ImportFormat::Ndjson => (
                parse_batch(&bytes, &vocab).map_err(|e| match e {
                    BatchError::NotUtf8 { after } => anyhow::anyhow!("stream did not contain valid UTF-8")
                        .context(format!("cannot read {name} after line {after}")),
                    e => anyhow::Error::new(e).context(format!("{name}: nothing of this file was stored")),
                })?,
                None,
            ),
            format => {
                let (parsed, report) = sources::map_file(&engine, &vocab, &sources, format, &name, &bytes, &args)?;
                (parsed, Some(report))
            }
        };
        drop(bytes);
        tracing::debug!(
            lines = parsed.len(),
            read_ms = read.as_millis() as u64,
            parse_ms = (started.elapsed() - read).as_millis() as u64,
            "parsed {name}"
        );
        bar.set_message(format!("storing {} events from {name}", parsed.len()));
        let count = parsed.len();
        // A shared log takes one atomic part at a time: a larger file goes
        // in consecutive parts, and the output says so; the error of a
        // write that fails after whole parts were stored says which.
        let refused = match shared {
            false => format!("{name}: nothing of this file was stored"),
            true => format!(
                "{name}: nothing of this file was stored beyond the whole atomic parts the error names, if any \
                 (the shared log stores a file over {MAX_BATCH} chunks or {} MiB of events in several atomic \
                 parts; importing the file again skips the lines whose id is stored)",
                PART_BYTES >> 20
            ),
        };
        let outcome = engine.append(parsed, expect.take()).context(refused)?;
        bar.finish_and_clear();
        let appended_at = started.elapsed();
        drop(outcome.events);
        tracing::debug!(drop_ms = (started.elapsed() - appended_at).as_millis() as u64, "dropped the outcome's events");
        let secs = started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { outcome.appended as f64 / secs } else { 0.0 };
        let split = match shared && outcome.parts > 1 {
            true => format!(
                "; stored in {} atomic parts, each all or nothing: one atomic write on the shared log takes at \
                 most {MAX_BATCH} chunks or {} MiB",
                outcome.parts,
                PART_BYTES >> 20
            ),
            false => String::new(),
        };
        if let Some(report) = report {
            eprint!("{report}");
        }
        eprintln!(
            "{name}: {} new events, {} already stored (log at position {}; {:.2}s, {:.0} events/s{split})",
            outcome.appended,
            count - outcome.appended,
            outcome.position,
            secs,
            rate
        );
    }
    Ok(ExitCode::SUCCESS)
}
