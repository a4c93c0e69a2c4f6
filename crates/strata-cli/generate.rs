//! `strata generate`: a realistic synthetic log for scale tests and
//! benchmarks (see the `strata-gen` crate), to a file or standard output.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use strata_gen::{Config, Generator};

use crate::args::{GenerateArgs, Global};

pub fn run(global: &Global, args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if !global.log.is_empty() {
        anyhow::bail!(
            "strata generate writes NDJSON and touches no log, so --log does not apply to it; \
             generate a file, then `strata import FILE --log ...`"
        );
    }
    // Generate from the vocabulary in force, so a custom one's kinds appear too.
    let vocab = global.config(None)?.vocabulary;
    let generator = Generator::new(Config { events: args.events, seed: args.seed }, &vocab)?;
    let started = Instant::now();
    let (out, bar): (Box<dyn Write>, ProgressBar) = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            // A bar only where a person watches, and never mixed into the log itself.
            let bar = if std::io::stderr().is_terminal() {
                let bar = ProgressBar::new(args.events);
                let style = ProgressStyle::with_template(
                    "generating [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} events ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar
            } else {
                ProgressBar::hidden()
            };
            (Box::new(file), bar)
        }
        None => (Box::new(std::io::stdout().lock()), ProgressBar::hidden()),
    };
    let written = match generator.write_to(out, |n| bar.set_position(n)) {
        Ok(n) => n,
        // `strata generate | head` is a reader that has seen enough, not a failure.
        Err(strata_gen::Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("generating the log"),
    };
    bar.finish_and_clear();
    if let Some(path) = &args.output {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{}: {written} events (seed {}; {secs:.2}s, {:.0} events/s)",
            path.display(),
            args.seed,
            if secs > 0.0 { written as f64 / secs } else { 0.0 }
        );
    }
    Ok(ExitCode::SUCCESS)
}
