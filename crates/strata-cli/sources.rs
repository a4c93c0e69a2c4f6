//! `strata import --format csl|wikidata|gdelt`: what the importers of
//! `strata-import` need from the store, read through the engine's public
//! reads, and their report of skipped records.

use std::fmt::Write as _;

use anyhow::{bail, Context as _};
use strata_core::{parse_value, EventId, Location, ParsedLine, Timestamp, Vocabulary};
use strata_engine::{Day, Direction, Engine, EntityId, EntityType, EventFilter, Role};
use strata_import::{csl, gdelt, wikidata, Context, Crosswalk, OpenListing, Prior, StoreView, Uuid};

use crate::args::{ImportArgs, ImportFormat};

/// The crosswalk shipped under `schema/`.
const BUILTIN_CROSSWALK: &str = include_str!("../../schema/crosswalk.json");
/// The CAMEO mapping shipped under `schema/`.
const BUILTIN_CAMEO: &str = include_str!("../../schema/gdelt-cameo.json");

/// How many skipped records the report lists one by one.
const LISTED: usize = 20;

/// The crosswalk, the CAMEO mapping and the snapshot date, read once.
pub struct Sources {
    crosswalk: Crosswalk,
    cameo: gdelt::CameoMap,
    snapshot_date: Day,
    snapshot_given: bool,
}

impl Sources {
    /// Reads the files the flags name (or the built-in ones).
    pub fn load(args: &ImportArgs, vocab: &Vocabulary) -> anyhow::Result<Sources> {
        let read = |path: &Option<std::path::PathBuf>, builtin: &str| -> anyhow::Result<String> {
            match path {
                Some(p) => std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display())),
                None => Ok(builtin.to_owned()),
            }
        };
        let crosswalk = Crosswalk::from_json(&read(&args.crosswalk, BUILTIN_CROSSWALK)?)?;
        let cameo = gdelt::CameoMap::from_json(&read(&args.cameo, BUILTIN_CAMEO)?, vocab)?;
        let snapshot_given = args.snapshot_date.is_some();
        let snapshot_date = match &args.snapshot_date {
            Some(d) => {
                let v = strata_core::ValidTime::parse(d).map_err(|e| anyhow::anyhow!("--snapshot-date {d:?}: {e}"))?;
                if v.precision() != strata_core::Precision::Day {
                    bail!("--snapshot-date {d:?}: give a day, YYYY-MM-DD");
                }
                v.start()
            }
            None => Timestamp::now().day(),
        };
        Ok(Sources { crosswalk, cameo, snapshot_date, snapshot_given })
    }
}

/// The store as the importers see it: entity types and stored event ids.
struct EngineView<'a> {
    engine: &'a Engine,
}

impl StoreView for EngineView<'_> {
    fn entity_type(&self, id: &str) -> Option<EntityType> {
        let id = EntityId::parse(id).ok()?;
        let snap = self.engine.snapshot();
        snap.entity(&id, snap.filter(None, None)).map(|e| e.entity_type)
    }

    fn has_event(&self, id: Uuid) -> bool {
        self.engine.position_of(EventId(id)).is_some()
    }

    fn is_open(&self, relation: &str, subject: &str, object: &str, day: Day) -> bool {
        let (Ok(subject), Ok(object)) = (EntityId::parse(subject), EntityId::parse(object)) else { return false };
        let snap = self.engine.snapshot();
        let relations = [relation.to_owned()];
        snap.relations(&subject, snap.filter(Some(day), None), Direction::Out, Some(&relations))
            .iter()
            .any(|r| r.role == Role::SubjectObject && r.from == subject && r.to == object)
    }
}

/// What earlier CSL imports left: the listings whose attrs name the
/// importer, with their ends (the import closes only those still open at
/// its snapshot's date), and the last snapshot date (the `statement_made` of the
/// list's publisher that each import states).
fn csl_prior(engine: &Engine) -> anyhow::Result<Prior> {
    let snap = engine.snapshot();
    let filter = snap.filter(None, None);
    let mut prior = Prior::default();
    let bans = ["bans".to_owned()];
    for (agency, ..) in csl::AGENCIES {
        let Ok(id) = EntityId::parse(agency) else { continue };
        for rel in snap.relations(&id, filter, Direction::Out, Some(&bans)) {
            if rel.role != Role::SubjectObject || rel.from != id {
                continue;
            }
            let Some(recorded) = snap.event_at(rel.event)? else { continue };
            let e = &recorded.event;
            if e.kind != "ban_imposed" || e.attrs.get("importer").and_then(|v| v.as_str()) != Some(csl::IMPORTER) {
                continue;
            }
            prior.open.push(OpenListing {
                event: e.id.0,
                agency: agency.to_owned(),
                party: rel.to.as_str().to_owned(),
                from: rel.valid_from,
                to: rel.valid_to,
                list: e.attrs.get("list").and_then(|v| v.as_str()).unwrap_or("").to_owned(),
            });
        }
    }
    if let Ok(publisher) = EntityId::parse(csl::PUBLISHER) {
        let positions = snap.events(EventFilter {
            entity: Some(publisher),
            kinds: Some(vec!["statement_made".into()]),
            ..EventFilter::default()
        });
        for p in positions {
            let Some(recorded) = snap.event_at(p)? else { continue };
            let e = &recorded.event;
            if e.attrs.get("importer").and_then(|v| v.as_str()) == Some(csl::IMPORTER) {
                let day = e.at.start();
                prior.last_snapshot = Some(prior.last_snapshot.map_or(day, |d: Day| d.max(day)));
            }
        }
    }
    Ok(prior)
}

/// Maps one file of a public source to events, checks them as NDJSON lines
/// are checked, and returns them with the report to print.
pub fn map_file(
    engine: &Engine,
    vocab: &Vocabulary,
    sources: &Sources,
    format: ImportFormat,
    name: &str,
    bytes: &[u8],
    args: &ImportArgs,
) -> anyhow::Result<(Vec<(Location, ParsedLine)>, String)> {
    let view = EngineView { engine };
    let prior = match format {
        ImportFormat::Csl => csl_prior(engine)?,
        _ => Prior::default(),
    };
    let cx = Context {
        vocabulary: vocab,
        crosswalk: &sources.crosswalk,
        snapshot_date: sources.snapshot_date,
        snapshot_given: sources.snapshot_given,
        store: &view,
        prior,
        note_field: true,
    };
    let refused = || format!("{name}: nothing of this file was stored");
    let import = match format {
        ImportFormat::Csl => csl::import(bytes, &cx),
        ImportFormat::Wikidata => wikidata::import(bytes, &cx),
        ImportFormat::Gdelt => gdelt::import(bytes, &sources.cameo, &cx),
        ImportFormat::Ndjson => bail!("{name}: ndjson is not a source format"),
    }
    .with_context(refused)?;
    if args.strict && !import.skipped.is_empty() {
        let mut msg = format!(
            "--strict: {} of {} records cannot be mapped, so the file is refused and nothing of it was stored:",
            import.skipped.len(),
            import.records
        );
        for s in import.skipped.iter().take(LISTED) {
            let _ = write!(msg, "\n  {s}");
        }
        if import.skipped.len() > LISTED {
            let _ = write!(msg, "\n  ... and {} more", import.skipped.len() - LISTED);
        }
        bail!("{name}: {msg}");
    }
    let mut parsed = Vec::with_capacity(import.lines.len());
    for (i, line) in import.lines.iter().enumerate() {
        let loc = Location::Line(if line.line > 0 { line.line } else { i + 1 });
        let p = parse_value(&line.event, loc, vocab).map_err(|e| {
            anyhow::anyhow!(
                "record {} (line {}): the importer made an event strata refuses: {e}",
                line.record,
                line.line
            )
        });
        parsed.push((loc, p.with_context(refused)?));
    }
    let mut report = String::new();
    let _ = write!(report, "{name}: {} records", import.records);
    if !import.counts.is_empty() {
        let counts: Vec<String> = import.counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let _ = write!(report, " ({})", counts.join(", "));
    }
    let _ = writeln!(report, "; {} skipped", import.skipped.len());
    for s in import.skipped.iter().take(LISTED) {
        let _ = writeln!(report, "{name}: skipped {s}");
    }
    if import.skipped.len() > LISTED {
        let _ = writeln!(report, "{name}: ... and {} more skipped records", import.skipped.len() - LISTED);
    }
    for r in &import.remarks {
        let _ = writeln!(report, "{name}: {r}");
    }
    Ok((parsed, report))
}
