//! `strata verify`: check a store end to end and say whether it holds.

use std::io::Write;
use std::process::ExitCode;

use strata_engine::VerifyReport;

use crate::args::{Global, VerifyArgs};

pub fn run(global: &Global, _args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let dir = global.data_dir();
    let vocabulary = global.config(None)?.vocabulary;
    let (report, place) = match global.jetstream() {
        Some(mut config) => {
            config.data_dir = Some(dir.clone());
            let place =
                format!("stream {} on {} (checkpoint in {})", config.stream, config.urls.join(","), dir.display());
            (strata_engine::verify_jetstream(&config, &vocabulary), place)
        }
        None => (strata_engine::verify(&dir, &vocabulary), dir.display().to_string()),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", summary(&place, &report))?;
    out.flush()?;
    match &report.problem {
        None => {
            writeln!(out, "ok: every check holds")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            drop(out);
            let _ = writeln!(std::io::stderr(), "error: {problem}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// What was checked, as aligned lines.
fn summary(dir: &str, r: &VerifyReport) -> String {
    let upto = if r.is_ok() { "" } else { " before the problem" };
    let acked = match r.acknowledged.position {
        0 => "nothing acknowledged yet".to_owned(),
        p => format!("last acknowledged position {p}"),
    };
    let checkpoint = match r.checkpoint {
        Some(p) => format!("at position {p}"),
        None => "none".to_owned(),
    };
    format!(
        "store       {dir}\n\
         events      {}{upto}\n\
         entities    {}\n\
         relations   {}\n\
         head file   {acked}\n\
         checkpoint  {checkpoint}\n\
         time        {:.2} s",
        r.events,
        r.entities,
        r.relations,
        r.elapsed.as_secs_f64()
    )
}
