//! The US Consolidated Screening List (trade.gov), CSV or JSON as
//! downloaded: each listed party an entity, each listing a confirmed
//! `ban_imposed` from the list's agency.
//!
//! Lasting facts make the ids: a listing is (list, party, listing date), a
//! declaration is (party, a hash of what it declares). The record's `_id`
//! drifts between snapshots and is never used. A listing that an earlier
//! import stated and this snapshot lacks is closed at the snapshot's date.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Map, Value};
use strata_core::{Day, EntityType, Precision, ValidTime};

use crate::ids::{content_hash, event_id, slug};
use crate::{set_note, Context, Error, Import, Line, Skipped};

/// The importer's name, in `attrs.importer` and in event id keys.
pub const IMPORTER: &str = "csl";

/// The agencies whose lists the CSL merges: id, name, parent, parent's name.
pub const AGENCIES: [(&str, &str, &str, &str); 5] = [
    ("us-bis", "Bureau of Industry and Security", "us-commerce", "U.S. Department of Commerce"),
    ("us-ofac", "Office of Foreign Assets Control", "us-treasury", "U.S. Department of the Treasury"),
    ("us-state-isn", "Bureau of International Security and Nonproliferation", "us-state", "U.S. Department of State"),
    ("us-state-ddtc", "Directorate of Defense Trade Controls", "us-state", "U.S. Department of State"),
    ("us-ita", "International Trade Administration", "us-commerce", "U.S. Department of Commerce"),
];

/// The agency that publishes the CSL itself: each import states one
/// `statement_made` from it at the snapshot's date, which is how a later
/// import knows the last snapshot imported.
pub const PUBLISHER: &str = "us-ita";

/// The CSV header's columns, as the file names them.
const COLUMNS: [&str; 29] = [
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
];

/// The list code of a CSL `source` (the code in its parentheses) and the
/// agency that keeps it.
pub fn list_of(source: &str) -> Option<(&'static str, &'static str)> {
    let open = source.find('(')?;
    let close = source[open..].find(')')? + open;
    let code = source[open + 1..close].trim();
    Some(match code {
        "EL" => ("EL", "us-bis"),
        "MEU" => ("MEU", "us-bis"),
        "UVL" => ("UVL", "us-bis"),
        "DPL" => ("DPL", "us-bis"),
        "SDN" => ("SDN", "us-ofac"),
        "CMIC" => ("CMIC", "us-ofac"),
        "SSI" => ("SSI", "us-ofac"),
        "FSE" => ("FSE", "us-ofac"),
        "PLC" => ("PLC", "us-ofac"),
        "CAP" => ("CAP", "us-ofac"),
        "NS-MBS List" | "MBS" => ("MBS", "us-ofac"),
        "ISN" => ("ISN", "us-state-isn"),
        "DTC" => ("DTC", "us-state-ddtc"),
        _ => return None,
    })
}

/// One CSL record, CSV and JSON alike.
#[derive(Debug, Clone, Default)]
struct Record {
    source: String,
    party_type: String,
    programs: Vec<String>,
    name: String,
    /// Each address as text, with its country code.
    addresses: Vec<(String, Option<String>)>,
    notice: String,
    start_date: String,
    end_date: String,
    license_requirement: String,
    license_policy: String,
    source_list_url: String,
    source_information_url: String,
    alt_names: Vec<String>,
    /// (type, value) pairs of `ids`.
    ids: Vec<(String, String)>,
}

impl Record {
    fn id_value(&self, kind: &str) -> Option<&str> {
        self.ids.iter().find(|(t, _)| t == kind).map(|(_, v)| v.as_str())
    }
}

/// A record as read: its number, first line, and fields or why not.
type Read = (usize, usize, Result<Record, String>);

fn split_list(s: &str) -> Vec<String> {
    s.split("; ").map(str::trim).filter(|x| !x.is_empty()).map(clean).collect()
}

/// White space (newlines included) collapsed to single spaces.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A listed name without the ISN's "; and any successor, ..." tail.
fn clean_name(s: &str) -> String {
    let name = clean(s);
    match name.to_ascii_lowercase().find("; and any successor") {
        Some(at) => name[..at].trim().to_owned(),
        None => name,
    }
}

fn csv_address(text: &str) -> (String, Option<String>) {
    let country = text
        .rsplit(", ")
        .next()
        .map(str::trim)
        .filter(|c| c.len() == 2 && c.chars().all(|c| c.is_ascii_uppercase()))
        .map(str::to_owned);
    (text.to_owned(), country)
}

fn csv_ids(s: &str) -> Vec<(String, String)> {
    split_list(s)
        .into_iter()
        .map(|entry| match entry.split_once(", ") {
            Some((t, v)) => (t.trim().to_owned(), v.trim().to_owned()),
            None => (entry.clone(), String::new()),
        })
        .collect()
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Read>, Error> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<HashMap<String, usize>> = None;
    let mut header_raw: Option<csv::ByteRecord> = None;
    let mut out = Vec::new();
    let mut number = 0usize;
    loop {
        let line = reader.position().line() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                number += 1;
                out.push((number, line, Err(format!("not CSV: {e}"))));
                break;
            }
        }
        let line = record.position().map_or(line, |p| p.line() as usize);
        let Some(columns) = &header else {
            let names: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().trim_start_matches('\u{feff}').to_owned())
                .collect();
            if !names.iter().any(|n| n == "source") || !names.iter().any(|n| n == "name") {
                return Err(Error::Unreadable(format!(
                    "line {line}: not a Consolidated Screening List header (expected the columns {})",
                    COLUMNS.join(",")
                )));
            }
            header = Some(names.into_iter().enumerate().map(|(i, n)| (n, i)).collect());
            header_raw = Some(record.clone());
            continue;
        };
        // A header repeated inside the file (seen in a real copy) is not a record.
        if header_raw.as_ref() == Some(&record) {
            continue;
        }
        number += 1;
        if record.len() != columns.len() {
            out.push((
                number,
                line,
                Err(format!("has {} of the header's {} fields (a truncated record?)", record.len(), columns.len())),
            ));
            continue;
        }
        let text = match csv::StringRecord::from_byte_record(record.clone()) {
            Ok(t) => t,
            Err(e) => {
                out.push((number, line, Err(format!("not UTF-8: {e}"))));
                continue;
            }
        };
        let field = |name: &str| columns.get(name).and_then(|i| text.get(*i)).unwrap_or("").to_owned();
        let rec = Record {
            source: clean(&field("source")),
            party_type: clean(&field("type")),
            programs: split_list(&field("programs")),
            name: field("name"),
            addresses: split_list(&field("addresses")).iter().map(|a| csv_address(a)).collect(),
            notice: clean(&field("federal_register_notice")),
            start_date: field("start_date").trim().to_owned(),
            end_date: field("end_date").trim().to_owned(),
            license_requirement: clean(&field("license_requirement")),
            license_policy: clean(&field("license_policy")),
            source_list_url: field("source_list_url").trim().to_owned(),
            source_information_url: field("source_information_url").trim().to_owned(),
            alt_names: split_list(&field("alt_names")),
            ids: csv_ids(&field("ids")),
        };
        out.push((number, line, Ok(rec)));
    }
    Ok(out)
}

fn json_str(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => clean(s),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(clean).collect::<Vec<_>>().join("; "),
        _ => String::new(),
    }
}

fn json_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(clean).filter(|s| !s.is_empty()).collect(),
        Some(Value::String(s)) => split_list(s),
        _ => Vec::new(),
    }
}

fn json_record(v: &Value) -> Result<Record, String> {
    let Value::Object(o) = v else { return Err("not a JSON object".into()) };
    let addresses = match o.get("addresses") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|ad| {
                let parts: Vec<String> = ["address", "city", "state", "postal_code", "country"]
                    .iter()
                    .map(|k| json_str(ad.get(*k)))
                    .filter(|s| !s.is_empty())
                    .collect();
                let country = Some(json_str(ad.get("country"))).filter(|c| !c.is_empty());
                (parts.join(", "), country)
            })
            .filter(|(t, _)| !t.is_empty())
            .collect(),
        other => split_list(&json_str(other)).iter().map(|a| csv_address(a)).collect(),
    };
    let ids = match o.get("ids") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|i| {
                let number = json_str(i.get("number"));
                let country = json_str(i.get("country"));
                let value = if country.is_empty() { number } else { format!("{number}, {country}") };
                (json_str(i.get("type")), value)
            })
            .collect(),
        other => csv_ids(&json_str(other)),
    };
    Ok(Record {
        source: json_str(o.get("source")),
        party_type: json_str(o.get("type")),
        programs: json_list(o.get("programs")),
        name: json_str(o.get("name")),
        addresses,
        notice: json_str(o.get("federal_register_notice")),
        start_date: json_str(o.get("start_date")),
        end_date: json_str(o.get("end_date")),
        license_requirement: json_str(o.get("license_requirement")),
        license_policy: json_str(o.get("license_policy")),
        source_list_url: json_str(o.get("source_list_url")),
        source_information_url: json_str(o.get("source_information_url")),
        alt_names: json_list(o.get("alt_names")),
        ids,
    })
}

/// The date a CSL JSON answer carries: the latest update of a list it
/// names in `sources_used` (`source_last_updated`, or `last_imported`),
/// else its `search_performed_at`.
fn json_date(value: &Value) -> Option<Day> {
    let stamp = |v: Option<&Value>| v.and_then(Value::as_str).and_then(|s| s.get(..10)).and_then(day);
    let updated = value.get("sources_used").and_then(Value::as_array).and_then(|sources| {
        sources
            .iter()
            .filter_map(|s| stamp(s.get("source_last_updated")).or_else(|| stamp(s.get("last_imported"))))
            .max()
    });
    updated.or_else(|| stamp(value.get("search_performed_at")))
}

fn read_json(text: &str) -> Result<(Vec<Read>, Option<Day>), Error> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::Unreadable(format!("not Consolidated Screening List JSON: {e}")))?;
    let records = match &value {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("results") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(Error::Unreadable(
                    "Consolidated Screening List JSON is an array of records or an object with `results`".into(),
                ))
            }
        },
        _ => return Err(Error::Unreadable("Consolidated Screening List JSON must be an array or an object".into())),
    };
    Ok((records.iter().enumerate().map(|(i, r)| (i + 1, 0, json_record(r))).collect(), json_date(&value)))
}

/// A day given as `YYYY-MM-DD`.
fn day(s: &str) -> Option<Day> {
    let v = ValidTime::parse(s).ok()?;
    (v.precision() == Precision::Day && s.len() == 10).then(|| v.start())
}

/// The Federal Register citations in a notice field, each as `V FR P`
/// (`83 FR 37423`, `67 F.R. 56530 9/4/02` gives `67 FR 56530`); a notice in
/// another form (the ISN's `Vol. 88, No. 151, 08/08/2023`) is kept whole.
pub fn citations(notice: &str) -> Vec<String> {
    let words: Vec<&str> =
        notice.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|w| !w.is_empty()).collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if (*w == "FR" || *w == "F.R.") && i > 0 {
            if let (Some(vol), Some(page)) = (words.get(i - 1), words.get(i + 1)) {
                if vol.chars().all(|c| c.is_ascii_digit()) && page.chars().all(|c| c.is_ascii_digit()) {
                    let c = format!("{vol} FR {page}");
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
    }
    if out.is_empty() && !notice.trim().is_empty() {
        out.push(clean(notice));
    }
    out
}

/// One listing: a party on a list from a date (or undated), gathered over
/// the rows that repeat it.
struct Listing {
    record: usize,
    line: usize,
    list: &'static str,
    agency: &'static str,
    party: String,
    at: Day,
    dated: Option<&'static str>,
    list_name: String,
    notices: Vec<String>,
    programs: Vec<String>,
    license_requirement: String,
    license_policy: String,
    url: String,
    listing_date: Option<String>,
    effective_date: Option<String>,
    end_date: Option<String>,
}

/// One party, gathered over its records.
struct Party {
    record: usize,
    line: usize,
    name: String,
    crosswalked: bool,
    aliases: BTreeSet<String>,
    addresses: BTreeSet<String>,
    country: Option<String>,
    identifiers: BTreeSet<String>,
    first: Day,
    sources: Vec<String>,
}

/// The dates Treasury keeps in `ids` rather than in `start_date`.
const ID_DATES: [&str; 3] =
    ["Listing Date (CMIC)", "Effective Date (CMIC)", "Purchase/Sales For Divestment Date (CMIC)"];

/// The entity id of a record's party: the crosswalk (`csl:NAME`, then
/// `uscc:CODE`), else the slug of its name, with `-person`, `-vessel` or
/// `-aircraft` for a record typed so (a company and a person of one name
/// stay two entities). The flag says whether the crosswalk gave it.
fn party_id(rec: &Record, cx: &Context<'_>) -> Result<(String, bool), String> {
    if let Some(id) = cx.crosswalk.get(&format!("csl:{}", rec.name.trim())) {
        return Ok((id.to_owned(), true));
    }
    for (t, v) in &rec.ids {
        if t.contains("(USCC)") {
            let code = v.split(", ").next().unwrap_or("");
            if let Some(id) = cx.crosswalk.get(&format!("uscc:{code}")) {
                return Ok((id.to_owned(), true));
            }
        }
    }
    let name = clean_name(&rec.name);
    let base = slug(&name).ok_or_else(|| format!("the name {name:?} has no letter or digit to make an id of"))?;
    let suffix = match rec.party_type.as_str() {
        "Individual" => "-person",
        "Vessel" => "-vessel",
        "Aircraft" => "-aircraft",
        _ => "",
    };
    Ok((format!("{base}{suffix}"), false))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A party's declaration: `head` (id, type, maybe name) with its aliases,
/// country, addresses and identifiers.
fn complete(mut head: Map<String, Value>, aliases: &BTreeSet<String>, p: &Party) -> Map<String, Value> {
    if !aliases.is_empty() {
        head.insert("aliases".into(), json!(aliases));
    }
    if let Some(c) = &p.country {
        head.insert("country".into(), json!(c));
    }
    if !p.addresses.is_empty() {
        head.insert("addresses".into(), json!(p.addresses));
    }
    if !p.identifiers.is_empty() {
        head.insert("identifiers".into(), json!(p.identifiers));
    }
    head
}

/// The id of a party's declaration: the party and a hash of what it declares.
fn declaration_id(pid: &str, head: &Map<String, Value>, aliases: &BTreeSet<String>, p: &Party) -> uuid::Uuid {
    let subject = Value::Object(complete(head.clone(), aliases, p));
    event_id(IMPORTER, &format!("decl|{pid}|{}", content_hash(&subject)))
}

/// Maps a CSL file (CSV or JSON) to events. The file is a snapshot at
/// `cx.snapshot_date`; `cx.prior` is what earlier imports of the CSL left.
pub fn import(bytes: &[u8], cx: &Context<'_>) -> Result<Import, Error> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    let (reads, file_date) = match first {
        Some(b'[' | b'{') => {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::Unreadable(format!("not UTF-8: {e}")))?;
            read_json(text)?
        }
        _ => (read_csv(bytes)?, None),
    };
    let mut out = Import { records: reads.len(), ..Import::default() };
    let snapshot = match file_date {
        Some(d) if !cx.snapshot_given => {
            out.remarks.push(format!(
                "the snapshot is dated {d}, the file's own date (its latest list update in `sources_used`; --snapshot-date overrides it)"
            ));
            d
        }
        _ => cx.snapshot_date,
    };
    if let Some(last) = cx.prior.last_snapshot {
        if snapshot < last {
            return Err(Error::Older {
                source_name: "the Consolidated Screening List".into(),
                snapshot: snapshot.to_string(),
                last: last.to_string(),
            });
        }
    }

    let mut listings: Vec<Listing> = Vec::new();
    let mut by_key: HashMap<(String, String, String), usize> = HashMap::new();
    let mut parties: BTreeMap<String, Party> = BTreeMap::new();
    let mut party_order: Vec<String> = Vec::new();

    for (number, line, read) in reads {
        let skip = |reason: String| Skipped { record: number, line, reason };
        let rec = match read {
            Ok(r) => r,
            Err(reason) => {
                out.skipped.push(skip(reason));
                continue;
            }
        };
        let Some((list, agency)) = list_of(&rec.source) else {
            out.skipped.push(skip(format!("unknown list {:?}", rec.source)));
            continue;
        };
        if clean_name(&rec.name).is_empty() {
            out.skipped.push(skip("the record has no name".into()));
            continue;
        }
        let (party, crosswalked) = match party_id(&rec, cx) {
            Ok(p) => p,
            Err(reason) => {
                out.skipped.push(skip(reason));
                continue;
            }
        };
        // The listing date: start_date, else Treasury's date in `ids`, else the snapshot's.
        let listing_date = rec.id_value("Listing Date (CMIC)").map(str::to_owned);
        let effective_date = rec.id_value("Effective Date (CMIC)").map(str::to_owned);
        let (at, dated) = if !rec.start_date.is_empty() {
            match day(&rec.start_date) {
                Some(d) => (d, None),
                None => {
                    out.skipped.push(skip(format!("start_date {:?} is not a date (YYYY-MM-DD)", rec.start_date)));
                    continue;
                }
            }
        } else if let Some(ld) = &listing_date {
            match day(ld) {
                Some(d) => (d, Some("listing-date")),
                None => {
                    out.skipped.push(skip(format!("Listing Date (CMIC) {ld:?} in ids is not a date (YYYY-MM-DD)")));
                    continue;
                }
            }
        } else {
            (snapshot, Some("snapshot"))
        };
        if !rec.end_date.is_empty() && day(&rec.end_date).is_none() && !rec.end_date.chars().any(char::is_alphabetic) {
            out.skipped.push(skip(format!("end_date {:?} is not a date (YYYY-MM-DD)", rec.end_date)));
            continue;
        }
        let date_key = match dated {
            Some("snapshot") => "undated".to_owned(),
            _ => at.to_string(),
        };
        let key = (list.to_owned(), party.clone(), date_key);
        let notices = citations(&rec.notice);
        match by_key.get(&key) {
            Some(&i) => {
                if let Some(l) = listings.get_mut(i) {
                    for n in notices {
                        if !l.notices.contains(&n) {
                            l.notices.push(n);
                        }
                    }
                    for p in &rec.programs {
                        if !l.programs.contains(p) {
                            l.programs.push(p.clone());
                        }
                    }
                }
            }
            None => {
                by_key.insert(key, listings.len());
                let url =
                    if rec.source_list_url.is_empty() { &rec.source_information_url } else { &rec.source_list_url };
                listings.push(Listing {
                    record: number,
                    line,
                    list,
                    agency,
                    party: party.clone(),
                    at,
                    dated,
                    list_name: rec.source.clone(),
                    notices,
                    programs: rec.programs.clone(),
                    license_requirement: rec.license_requirement.clone(),
                    license_policy: rec.license_policy.clone(),
                    url: url.clone(),
                    listing_date: listing_date.clone(),
                    effective_date: effective_date.clone(),
                    end_date: Some(rec.end_date.clone()).filter(|e| !e.is_empty()),
                });
            }
        }
        let name = clean_name(&rec.name);
        let entry = parties.entry(party.clone()).or_insert_with(|| {
            party_order.push(party.clone());
            Party {
                record: number,
                line,
                name: name.clone(),
                crosswalked,
                aliases: BTreeSet::new(),
                addresses: BTreeSet::new(),
                country: None,
                identifiers: BTreeSet::new(),
                first: at,
                sources: Vec::new(),
            }
        });
        if entry.name != name {
            entry.aliases.insert(name);
        }
        entry.aliases.extend(rec.alt_names.iter().map(|a| clean_name(a)).filter(|a| !a.is_empty()));
        for (text, country) in &rec.addresses {
            entry.addresses.insert(text.clone());
            if entry.country.is_none() {
                entry.country.clone_from(country);
            }
        }
        for (t, v) in &rec.ids {
            if !ID_DATES.contains(&t.as_str()) && !v.is_empty() {
                entry.identifiers.insert(format!("{t}: {v}"));
            }
        }
        entry.first = entry.first.min(at);
        if !entry.sources.contains(&rec.source) {
            entry.sources.push(rec.source.clone());
        }
    }

    // The agencies the file's listings use, and their parents.
    let used: BTreeSet<&str> = listings.iter().map(|l| l.agency).chain([PUBLISHER]).collect();
    for (id, name, parent, parent_name) in AGENCIES.iter().filter(|a| used.contains(a.0)) {
        for (eid, ename) in [(*parent, *parent_name), (*id, *name)] {
            if cx.store.entity_type(eid).is_some() {
                continue;
            }
            let key = format!("agency|{eid}");
            if out.lines.iter().any(|l| l.event.get("id") == Some(&Value::String(event_id(IMPORTER, &key).to_string())))
            {
                continue;
            }
            let mut e = obj(json!({
                "id": event_id(IMPORTER, &key).to_string(),
                "kind": "entity_declared",
                "at": "1950",
                "subject": {"id": eid, "type": "agency", "name": ename, "country": "US"},
                "attrs": {"importer": IMPORTER},
                "status": "confirmed",
            }));
            set_note(
                &mut e,
                "declared by the csl importer; its date only places the declaration before the lists' entries and is not the agency's founding date".into(),
                cx.note_field,
            );
            out.lines.push(Line { record: 0, line: 0, event: Value::Object(e) });
        }
        let key = format!("member|{id}|{parent}");
        let id_m = event_id(IMPORTER, &key);
        if !cx.store.has_event(id_m) {
            out.lines.push(Line {
                record: 0,
                line: 0,
                event: json!({
                    "id": id_m.to_string(),
                    "kind": "membership_began",
                    "at": "1950",
                    "subject": id,
                    "object": parent,
                    "attrs": {"importer": IMPORTER},
                    "status": "confirmed",
                }),
            });
        }
    }

    // Each party: one declaration, when what it declares is not stored yet.
    for pid in &party_order {
        let Some(p) = parties.get(pid) else { continue };
        let known = cx.store.entity_type(pid);
        let mut subject = Map::new();
        subject.insert("id".into(), json!(pid));
        subject.insert("type".into(), json!(known.unwrap_or(EntityType::Actor).as_str()));
        let mut aliases = p.aliases.clone();
        // A crosswalked party the store already has keeps its name, the list's spelling an alias;
        // unless this importer named it itself (a declaration with the name is stored).
        let mut named = subject.clone();
        named.insert("name".into(), json!(p.name));
        let named_id = declaration_id(pid, &named, &aliases, p);
        if p.crosswalked && known.is_some() && !cx.store.has_event(named_id) {
            aliases.insert(p.name.clone());
        } else {
            subject = named;
        }
        let id = declaration_id(pid, &subject, &aliases, p);
        if cx.store.has_event(id) {
            continue;
        }
        let subject = Value::Object(complete(subject, &aliases, p));
        let (at, note) = match known {
            None => (p.first, format!("declared at the party's first listing date in the snapshot of {snapshot}")),
            Some(_) => (snapshot, format!("the party's attributes as the snapshot of {snapshot} states them")),
        };
        let mut e = obj(json!({
            "id": id.to_string(),
            "kind": "entity_declared",
            "at": at.to_string(),
            "subject": subject,
            "attrs": {"importer": IMPORTER, "lists": p.sources},
            "status": "confirmed",
        }));
        set_note(&mut e, note, cx.note_field);
        out.lines.push(Line { record: p.record, line: p.line, event: Value::Object(e) });
    }

    // Each listing: one confirmed ban_imposed.
    let mut new_ids: HashSet<uuid::Uuid> = HashSet::new();
    let mut pairs: HashSet<(&str, &str)> = HashSet::new();
    for l in &listings {
        *out.counts.entry(l.list.to_owned()).or_default() += 1;
        let date_key = if l.dated == Some("snapshot") { "undated".to_owned() } else { l.at.to_string() };
        let id = event_id(IMPORTER, &format!("ban|{}|{}|{date_key}", l.list, l.party));
        new_ids.insert(id);
        pairs.insert((l.agency, l.party.as_str()));
        if cx.store.has_event(id) {
            continue;
        }
        let mut attrs = Map::new();
        attrs.insert("importer".into(), json!(IMPORTER));
        attrs.insert("list".into(), json!(l.list));
        attrs.insert("list_name".into(), json!(l.list_name));
        if !l.notices.is_empty() {
            attrs.insert("federal_register_notices".into(), json!(l.notices));
        }
        if !l.programs.is_empty() {
            attrs.insert("programs".into(), json!(l.programs));
        }
        for (k, v) in [
            ("license_requirement", Some(&l.license_requirement)),
            ("license_policy", Some(&l.license_policy)),
            ("listing_date", l.listing_date.as_ref()),
            ("effective_date", l.effective_date.as_ref()),
            ("end_date", l.end_date.as_ref()),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                attrs.insert(k.into(), json!(v));
            }
        }
        let publisher = AGENCIES.iter().find(|a| a.0 == l.agency).map_or("", |a| a.1);
        let title = match l.notices.first() {
            Some(n) => format!("{} ({n})", l.list_name),
            None => l.list_name.clone(),
        };
        let mut source = Map::new();
        source.insert("publisher".into(), json!(publisher));
        if !l.url.is_empty() {
            source.insert("url".into(), json!(l.url));
        }
        source.insert("title".into(), json!(title));
        let mut e = obj(json!({
            "id": id.to_string(),
            "kind": "ban_imposed",
            "at": l.at.to_string(),
            "subject": l.agency,
            "object": l.party,
            "attrs": attrs,
            "source": source,
            "status": "confirmed",
        }));
        match l.dated {
            Some("listing-date") => set_note(
                &mut e,
                "the record gives no start_date: dated by the Listing Date (CMIC) in its ids".into(),
                cx.note_field,
            ),
            Some(_) => set_note(
                &mut e,
                format!("the record gives no listing date: dated at the snapshot's date ({snapshot}), when it was first seen"),
                cx.note_field,
            ),
            None => {}
        }
        out.lines.push(Line { record: l.record, line: l.line, event: Value::Object(e) });
    }

    // Listings whose record gives an end date (the Denied Persons List's
    // denial orders run to one): closed at that date, as the list states it.
    let mut per_pair: HashMap<(&str, &str), usize> = HashMap::new();
    for l in &listings {
        *per_pair.entry((l.agency, l.party.as_str())).or_default() += 1;
    }
    for l in &listings {
        let Some(end) = l.end_date.as_deref().and_then(day) else { continue };
        let date_key = if l.dated == Some("snapshot") { "undated".to_owned() } else { l.at.to_string() };
        let ban = event_id(IMPORTER, &format!("ban|{}|{}|{date_key}", l.list, l.party));
        if end <= l.at {
            out.remarks.push(format!(
                "record {} (line {}): {} {} -> {}: end_date {end} is not after the listing's date {}, so the listing is left open",
                l.record, l.line, l.list, l.agency, l.party, l.at
            ));
            continue;
        }
        if per_pair.get(&(l.agency, l.party.as_str())).copied().unwrap_or(0) > 1 {
            out.remarks.push(format!(
                "record {} (line {}): {} {} -> {}: end_date {end} not applied, because {} is on another of {}'s lists and a close would end both",
                l.record, l.line, l.list, l.agency, l.party, l.party, l.agency
            ));
            continue;
        }
        let id = event_id(IMPORTER, &format!("ended|{ban}|{end}"));
        if cx.store.has_event(id) {
            continue;
        }
        let mut e = obj(json!({
            "id": id.to_string(),
            "kind": "ban_lifted",
            "at": end.to_string(),
            "subject": l.agency,
            "object": l.party,
            "attrs": {"importer": IMPORTER, "list": l.list, "end_date": end.to_string()},
            "status": "confirmed",
        }));
        set_note(
            &mut e,
            format!("the list gives this listing an end_date: it runs until {end} (a date after the snapshot is the order's scheduled end)"),
            cx.note_field,
        );
        *out.counts.entry("ended by end_date".into()).or_default() += 1;
        out.lines.push(Line { record: l.record, line: l.line, event: Value::Object(e) });
    }

    // Listings an earlier import stated and this snapshot lacks: closed at the snapshot's date.
    let mut closed: HashSet<(String, String)> = HashSet::new();
    for p in &cx.prior.open {
        if new_ids.contains(&p.event) || p.to.is_some_and(|to| to <= snapshot) {
            continue;
        }
        let pair = (p.agency.clone(), p.party.clone());
        if pairs.contains(&(p.agency.as_str(), p.party.as_str())) {
            out.remarks.push(format!(
                "{} {} -> {}: no longer in this snapshot, left open because the snapshot lists {} on another of {}'s lists and a close would end both",
                p.list, p.agency, p.party, p.party, p.agency
            ));
            continue;
        }
        if p.from > snapshot {
            out.remarks.push(format!(
                "{} {} -> {}: no longer in this snapshot, left open because it starts after the snapshot's date",
                p.list, p.agency, p.party
            ));
            continue;
        }
        if !closed.insert(pair) {
            continue;
        }
        let mut e = obj(json!({
            "id": event_id(IMPORTER, &format!("lifted|{}", p.event)).to_string(),
            "kind": "ban_lifted",
            "at": snapshot.to_string(),
            "subject": p.agency,
            "object": p.party,
            "attrs": {"importer": IMPORTER, "list": p.list, "absent_from_snapshot": snapshot.to_string()},
            "status": "confirmed",
        }));
        set_note(
            &mut e,
            format!(
                "an earlier import of the Consolidated Screening List stated this listing and the snapshot of {snapshot} lacks it: closed at that date"
            ),
            cx.note_field,
        );
        *out.counts.entry("closed".into()).or_default() += 1;
        out.lines.push(Line { record: 0, line: 0, event: Value::Object(e) });
    }

    // The snapshot itself, so that a later import knows the last date imported.
    let id = event_id(IMPORTER, &format!("snapshot|{snapshot}"));
    if !cx.store.has_event(id) {
        out.lines.push(Line {
            record: 0,
            line: 0,
            event: json!({
                "id": id.to_string(),
                "kind": "statement_made",
                "at": snapshot.to_string(),
                "subject": PUBLISHER,
                "attrs": {"importer": IMPORTER, "snapshot": snapshot.to_string(),
                          "statement": "published the Consolidated Screening List"},
                "source": {"publisher": "International Trade Administration",
                           "url": "https://www.trade.gov/consolidated-screening-list",
                           "title": "Consolidated Screening List"},
                "status": "confirmed",
            }),
        });
    }
    Ok(out)
}
