//! `strata import`: parse NDJSON files (or map a public source's file, see
//! `sources.rs`) with a progress bar, append each as one atomic batch, and
//! say what happened.

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use strata_core::{parse_line, InvalidEvent, Location, ParsedLine, Vocabulary};
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
                parse_file(&bytes, &vocab).map_err(|e| match e {
                    Refused::Utf8 { after } => anyhow::anyhow!("stream did not contain valid UTF-8")
                        .context(format!("cannot read {name} after line {after}")),
                    Refused::Invalid(e) => {
                        anyhow::Error::new(e).context(format!("{name}: nothing of this file was stored"))
                    }
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

/// Why a file was refused before anything was stored.
#[derive(Debug)]
enum Refused {
    /// The line after line `after` is not UTF-8.
    Utf8 { after: usize },
    /// A line is not a valid event.
    Invalid(InvalidEvent),
}

/// A part's events, and how many lines it has.
type Part = (Vec<(Location, ParsedLine)>, usize);

/// Below this many bytes a file is parsed on one thread.
const PARALLEL_FROM: usize = 1 << 20;

/// Parses every non-blank line of `bytes` (numbered from 1, as editors
/// count), in order; the refusal is the first bad line's, as if the lines
/// were read one by one. A large file is cut at line ends into one part per
/// core, parsed side by side.
fn parse_file(bytes: &[u8], vocab: &Vocabulary) -> Result<Vec<(Location, ParsedLine)>, Refused> {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()).min(bytes.len() / PARALLEL_FROM).max(1);
    let mut parts = Vec::with_capacity(threads);
    let mut rest = bytes;
    for i in (1..threads).rev() {
        // Cut after the first newline at or past an even share of what is left.
        let at = rest.len() / (i + 1);
        let cut =
            rest.get(at..).and_then(|tail| tail.iter().position(|b| *b == b'\n')).map_or(rest.len(), |p| at + p + 1);
        let (part, tail) = rest.split_at(cut);
        parts.push(part);
        rest = tail;
    }
    parts.push(rest);
    let results: Vec<Result<Part, Refused>> = if parts.len() == 1 {
        parts.iter().map(|p| parse_part(p, vocab)).collect()
    } else {
        thread::scope(|s| {
            let handles: Vec<_> = parts.iter().map(|p| s.spawn(move || parse_part(p, vocab))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Refused::Invalid(InvalidEvent::new(Location::Single, "", "the parser failed")))
                    })
                })
                .collect()
        })
    };
    // Number the lines of each part after those of the parts before it.
    let mut out: Vec<(Location, ParsedLine)> = Vec::new();
    let mut offset = 0usize;
    for result in results {
        match result {
            Ok((mut lines, count)) => {
                if offset > 0 {
                    for (loc, _) in &mut lines {
                        if let Location::Line(n) = loc {
                            *n += offset;
                        }
                    }
                }
                if out.is_empty() {
                    out = lines;
                } else {
                    out.append(&mut lines);
                }
                offset += count;
            }
            Err(Refused::Utf8 { after }) => return Err(Refused::Utf8 { after: after + offset }),
            Err(Refused::Invalid(mut e)) => {
                if let Location::Line(n) = &mut e.location {
                    *n += offset;
                }
                return Err(Refused::Invalid(e));
            }
        }
    }
    Ok(out)
}

/// Parses the lines of one part, numbered from 1; returns them and how many
/// lines the part has (blank ones included).
fn parse_part(part: &[u8], vocab: &Vocabulary) -> Result<Part, Refused> {
    let mut out = Vec::new();
    let mut number = 0usize;
    for raw in part.split_inclusive(|b| *b == b'\n') {
        let Ok(line) = std::str::from_utf8(raw) else {
            return Err(Refused::Utf8 { after: number });
        };
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let loc = Location::Line(number);
        out.push((loc, parse_line(text, loc, vocab).map_err(Refused::Invalid)?));
    }
    Ok((out, number))
}
