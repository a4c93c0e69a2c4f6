//! strata's importers: a public source's own file in, strata event lines out.
//!
//! Three formats: the US Consolidated Screening List
//! ([`csl`], CSV or JSON as downloaded), Wikidata entity JSON
//! ([`wikidata`]) and GDELT 2.0 event exports ([`gdelt`]). Each takes the
//! file's bytes and a [`Context`] (the crosswalk, the snapshot date, what
//! the store already holds) and returns an [`Import`]: the event lines to
//! append as one batch, in order, and the records it skipped with the
//! reason. No I/O: the caller reads the file and the store.
//!
//! Event ids are UUIDv5 over each record's lasting facts ([`ids`]), so
//! importing a file again appends nothing, and a later snapshot of a source
//! appends only what changed.

pub mod csl;
pub mod gdelt;
pub mod ids;
pub mod wikidata;

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use strata_core::{Day, EntityType, Vocabulary};

pub use ids::{event_id, slug, Crosswalk};
pub use uuid::Uuid;

/// What the store already holds, as the importer needs to know it. The
/// caller answers from the store (the CLI through the engine's public
/// reads); tests answer from memory.
pub trait StoreView {
    /// The type of the entity with this id, if the store has it.
    fn entity_type(&self, id: &str) -> Option<EntityType>;
    /// Whether an event with this id is stored.
    fn has_event(&self, id: Uuid) -> bool;
    /// Whether a believed `relation` from `subject` to `object` is open on
    /// `day` (as known now), so that a close of it would find it.
    fn is_open(&self, relation: &str, subject: &str, object: &str, day: Day) -> bool;
}

/// An empty store.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmptyStore;

impl StoreView for EmptyStore {
    fn entity_type(&self, _: &str) -> Option<EntityType> {
        None
    }
    fn has_event(&self, _: Uuid) -> bool {
        false
    }
    fn is_open(&self, _: &str, _: &str, _: &str, _: Day) -> bool {
        false
    }
}

/// A listing an earlier import of a source stated: a `ban_imposed` whose
/// attrs name the importer, with its end if a close is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenListing {
    /// The `ban_imposed` event's id.
    pub event: Uuid,
    /// Its subject (the list's agency).
    pub agency: String,
    /// Its object (the listed party).
    pub party: String,
    /// The first day it holds.
    pub from: Day,
    /// The day it ends, if a close is stored (a denial order's end date,
    /// which may lie after the snapshot being imported).
    pub to: Option<Day>,
    /// The list's code (`attrs.list`), for the report.
    pub list: String,
}

/// What an earlier import of the same source left in the store.
#[derive(Debug, Clone, Default)]
pub struct Prior {
    /// The latest snapshot of this source already imported.
    pub last_snapshot: Option<Day>,
    /// Its listings, each with its end if it has one (an import closes
    /// only those still open at its snapshot's date).
    pub open: Vec<OpenListing>,
}

/// Everything an importer reads besides the file.
pub struct Context<'a> {
    /// The vocabulary events are checked against.
    pub vocabulary: &'a Vocabulary,
    /// Source keys mapped to strata ids.
    pub crosswalk: &'a Crosswalk,
    /// The date of the snapshot the file is: `--snapshot-date`, else today.
    pub snapshot_date: Day,
    /// Whether `--snapshot-date` gave [`Context::snapshot_date`]. If not, a
    /// file that carries its own date (the CSL's JSON names when each list
    /// was imported) is dated by it.
    pub snapshot_given: bool,
    /// What the store holds.
    pub store: &'a dyn StoreView,
    /// What earlier imports of this source stated (used by `csl`).
    pub prior: Prior,
    /// Whether event lines may carry the `note` field; otherwise a note goes
    /// to `attrs.note`.
    pub note_field: bool,
}

/// One event line of the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The record it comes from (data records count from 1); 0 for lines
    /// the importer adds itself (agencies, closes).
    pub record: usize,
    /// The first line number of that record in the file (0 when none).
    pub line: usize,
    /// The event, as an NDJSON line's JSON object.
    pub event: Value,
}

/// A record the importer could not map (malformed, or a date it cannot
/// read); records a source's mapping leaves out by design are only counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its number (data records count from 1, a header not counted).
    pub record: usize,
    /// Its first line number in the file.
    pub line: usize,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "record {}: {}", self.record, self.reason),
            line => write!(f, "record {} (line {line}): {}", self.record, self.reason),
        }
    }
}

/// What an importer made of a file.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// The event lines to append, in order, as one batch.
    pub lines: Vec<Line>,
    /// Records that could not be mapped, in file order.
    pub skipped: Vec<Skipped>,
    /// How many data records the file has.
    pub records: usize,
    /// Per-category counts for the report (GDELT: rows mapped per CAMEO
    /// code; CSL: listings per list), in key order.
    pub counts: BTreeMap<String, usize>,
    /// Remarks that are not skips (a dropped listing left open, and why).
    pub remarks: Vec<String>,
}

/// Why a whole file is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file is not what the format expects at all.
    #[error("{0}")]
    Unreadable(String),
    /// A snapshot older than the last one imported from the same source.
    #[error(
        "this snapshot is dated {snapshot} but a snapshot of {source_name} dated {last} is already imported: \
         snapshots of one source are imported in date order (give --snapshot-date if the file's date is wrong)"
    )]
    Older {
        /// The source.
        source_name: String,
        /// This snapshot's date.
        snapshot: String,
        /// The last imported one's.
        last: String,
    },
}

/// Puts `note` on an event: the `note` field when the store knows it,
/// else `attrs.note`.
pub(crate) fn set_note(event: &mut Map<String, Value>, note: String, note_field: bool) {
    if note_field {
        event.insert("note".into(), Value::String(note));
    } else {
        let attrs = event.entry("attrs").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(a) = attrs {
            a.insert("note".into(), Value::String(note));
        }
    }
}

/// Whether `kind` allows `subject` and `object` types (object `None`: no object).
pub(crate) fn kind_allows(
    vocab: &Vocabulary,
    kind: &str,
    subject: EntityType,
    object: Option<EntityType>,
) -> Result<(), String> {
    let Some(spec) = vocab.get(kind) else {
        return Err(format!("the vocabulary has no kind {kind:?}"));
    };
    if !spec.subject.contains(&subject) {
        return Err(format!("{kind} takes a subject of type {}, not {}", list(&spec.subject), subject.as_str()));
    }
    match (&spec.object, object) {
        (strata_core::ObjectRule::Required(t) | strata_core::ObjectRule::Optional(t), Some(o)) if !t.contains(&o) => {
            Err(format!("{kind} takes an object of type {}, not {}", list(t), o.as_str()))
        }
        (strata_core::ObjectRule::None, Some(_)) => Err(format!("{kind} takes no object")),
        (strata_core::ObjectRule::Required(_), None) => Err(format!("{kind} needs an object")),
        _ => Ok(()),
    }
}

fn list(t: &[EntityType]) -> String {
    t.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(" or ")
}
