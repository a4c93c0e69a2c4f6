//! The generator's state (entities, their degrees, the relations open now)
//! and the step that writes the next event with the declarations it needs.

use std::io::Write;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use strata_core::{Effect, Vocabulary};

use crate::dates::{civil_from_days, days_from_civil, start_of, write_timestamp, write_valid, Precision};
use crate::names::*;
use crate::plan::{Attrs, Class, Plan, Plans};
use crate::rng::Rng;
use crate::write::{push_event_id, push_field, push_key, push_number, push_str};
use crate::{Config, Error};

/// The first day of valid time (2006-01-01) and the number of days covered.
const START_YEAR: i32 = 2006;
const YEARS: i32 = 20;
/// The statuses of opening and marking events, per thousand: confirmed,
/// expected, denied (the rest, most, reported): official records are a
/// quarter of the news, forecasts and denials a few percent each.
const OPEN_STATUSES: [u64; 3] = [250, 60, 30];
/// The same for closes: a lifting announced ahead, or denied, is rarer.
const CLOSE_STATUSES: [u64; 3] = [250, 30, 10];
/// How many relation events a retraction may pick from: the most recent
/// ones, mostly, as corrections come soon after the claim.
const RETRACTABLE: usize = 1 << 16;

struct Entity {
    class: Class,
    id: Box<str>,
    name: Box<str>,
    /// Index into `COUNTRIES`.
    country: u8,
    /// A class-specific detail (a chip's class).
    detail: u8,
}

/// A relation between two entities, by relation index, subject, object
/// (`u32::MAX` for none).
type Key = (u32, u32, u32);

#[derive(Default)]
struct KeyState {
    /// The open event (line), its first day and its `about`.
    open: Option<(u64, i32, Option<u32>)>,
    /// The day of the last close of this key: a reopening must come later,
    /// or a close of it would count as closing the new one too.
    last_close: Option<i32>,
}

struct Target {
    line: u64,
    key: Option<Key>,
}

/// What a source's title says.
enum Title<'a> {
    /// Most news items are cited by publisher and address alone.
    None,
    Profile(u32),
    Update(u32),
    Correction(&'static str),
    Event {
        subject: u32,
        kind: &'a str,
        object: Option<u32>,
    },
}

/// One entity chosen for an event: which, and whether this event introduces it.
#[derive(Clone, Copy)]
struct Pick {
    ix: u32,
    new: bool,
}

/// Writes a synthetic log step by step (see the crate docs).
pub struct Generator {
    config: Config,
    rng: Rng,
    /// Shared so a plan can be read while the state changes.
    plans: Rc<Plans>,
    entities: Vec<Entity>,
    /// Entities of each class, for uniform picks.
    members: [Vec<u32>; 5],
    /// One entry per relation end, per class: a uniform pick from it is a
    /// pick in proportion to degree (preferential attachment).
    ends: [Vec<u32>; 5],
    keys: FxHashMap<Key, KeyState>,
    /// Per relation: keys opened (with the opening line); stale entries (closed
    /// or retracted since) are dropped when drawn.
    open: Vec<Vec<(Key, u64)>>,
    retractable: Vec<Target>,
    /// Lines written so far.
    written: u64,
    start_day: i32,
    span_days: i64,
    start_micros: i64,
    step_micros: i64,
}

impl Generator {
    /// A generator of `config.events` events drawn from the kinds of `vocab`.
    pub fn new(config: Config, vocab: &Vocabulary) -> Result<Generator, Error> {
        let plans = Rc::new(Plans::new(vocab)?);
        let start_day = days_from_civil(START_YEAR, 1, 1);
        let span_days = i64::from(days_from_civil(START_YEAR + YEARS, 1, 1) - start_day);
        let span_micros = span_days * 86_400_000_000;
        let step_micros = (span_micros / config.events.max(1) as i64).max(1);
        Ok(Generator {
            config,
            rng: Rng::new(config.seed),
            open: (0..plans.relation_count).map(|_| Vec::new()).collect(),
            plans,
            entities: Vec::new(),
            members: Default::default(),
            ends: Default::default(),
            keys: FxHashMap::default(),
            retractable: Vec::new(),
            written: 0,
            start_day,
            span_days,
            start_micros: i64::from(start_day) * 86_400_000_000,
            step_micros,
        })
    }

    /// Lines written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Whether every event has been written.
    pub fn is_done(&self) -> bool {
        self.written >= self.config.events
    }

    /// Writes the whole (remaining) log to `w`, calling `progress` with the
    /// number of lines written after each chunk of about a megabyte.
    pub fn write_to<W: Write>(mut self, mut w: W, mut progress: impl FnMut(u64)) -> Result<u64, Error> {
        let mut buf = Vec::with_capacity(1 << 21);
        while !self.is_done() {
            self.step(&mut buf);
            if buf.len() >= 1 << 20 {
                w.write_all(&buf)?;
                buf.clear();
                progress(self.written);
            }
        }
        w.write_all(&buf)?;
        w.flush()?;
        progress(self.written);
        Ok(self.written)
    }

    /// Appends the next event to `out`, preceded by the declarations of new
    /// entities it uses, and returns how many lines it wrote (0 when done).
    pub fn step(&mut self, out: &mut Vec<u8>) -> u64 {
        let before = self.written;
        if self.is_done() {
            return 0;
        }
        let cursor = self.cursor();
        let r = self.rng.below(1000);
        if r < 10 && !self.retractable.is_empty() {
            self.retraction(out, cursor);
        } else if r < 20 && !self.entities.is_empty() {
            self.redeclaration(out, cursor);
        } else {
            self.relation_event(out, cursor);
        }
        self.written - before
    }

    /// The day the log has reached at the current line: valid times cluster
    /// just before it, recorded times follow it.
    fn cursor(&self) -> i32 {
        let frac = i128::from(self.written) * i128::from(self.span_days) / i128::from(self.config.events.max(1));
        self.start_day + frac as i32
    }

    fn remaining(&self) -> u64 {
        self.config.events - self.written
    }

    // ---- choosing entities ----

    fn pick(&mut self, classes: &[Class], avoid: &[u32]) -> Pick {
        let class = self.rng.pick(classes);
        let c = class.index();
        for _ in 0..4 {
            if self.members[c].is_empty() || self.rng.chance(class.new_ppm()) {
                break;
            }
            let ix = if self.ends[c].is_empty() || self.rng.chance(200_000) {
                self.rng.pick(&self.members[c])
            } else {
                self.rng.pick(&self.ends[c])
            };
            if !avoid.contains(&ix) {
                return Pick { ix, new: false };
            }
        }
        Pick { ix: self.create(class), new: true }
    }

    fn create(&mut self, class: Class) -> u32 {
        let ix = self.entities.len() as u32;
        let syllable = self.rng.pick(&SYLLABLES);
        let ending = self.rng.pick(&ENDINGS);
        let country = self.rng.skewed(COUNTRIES.len()) as u8;
        let mut detail = 0u8;
        let name = match class {
            Class::Company => format!("{syllable}{ending} {}", self.rng.pick(&COMPANY_SUFFIXES)),
            Class::Investor => format!("{syllable}{ending} {}", self.rng.pick(&INVESTOR_SUFFIXES)),
            Class::Person => format!("{} {}", self.rng.pick(&FIRST_NAMES), self.rng.pick(&LAST_NAMES)),
            Class::Agency => format!("{} {}", COUNTRIES[usize::from(country)].1, self.rng.pick(&AGENCY_KINDS)),
            Class::Chip => {
                detail = self.rng.index(CHIP_CLASSES.len()) as u8;
                format!("{syllable}{ending} {}{}", self.rng.pick(&CHIP_SERIES), 100 + self.rng.below(900))
            }
        };
        let mut id = String::with_capacity(name.len() + 8);
        if class == Class::Agency {
            id.push_str(&COUNTRIES[usize::from(country)].0.to_ascii_lowercase());
            id.push('-');
            push_slug(&mut id, &name[COUNTRIES[usize::from(country)].1.len()..]);
        } else {
            push_slug(&mut id, &name);
        }
        id.push('-');
        push_base36(&mut id, u64::from(ix));
        self.entities.push(Entity { class, id: id.into(), name: name.into(), country, detail });
        self.members[class.index()].push(ix);
        ix
    }

    // ---- dates ----

    /// A valid time for an event reported at `cursor`: mostly within the
    /// month, sometimes a year or five back; at every precision.
    fn event_date(&mut self, cursor: i32) -> (i32, Precision) {
        let lag = match self.rng.below(100) {
            0..=79 => self.rng.below(31),
            80..=94 => self.rng.below(366),
            _ => self.rng.below(5 * 365),
        } as i32;
        let day = (cursor - lag).max(self.start_day);
        let precision = match self.rng.below(100) {
            0..=71 => Precision::Day,
            72..=85 => Precision::Month,
            86..=91 => Precision::Quarter,
            92..=97 => Precision::Year,
            _ => Precision::Instant,
        };
        (day, precision)
    }

    /// When an entity came to be: companies and agencies long before the
    /// window (a founding year), people and chips near the cursor.
    fn declaration_date(&mut self, class: Class, cursor: i32) -> (i32, Precision) {
        let (year, _, _) = civil_from_days(cursor);
        match class {
            Class::Company | Class::Investor => {
                (days_from_civil(year - self.rng.below(40) as i32, 1, 1), Precision::Year)
            }
            Class::Agency => (days_from_civil(1900 + self.rng.below(106) as i32, 1, 1), Precision::Year),
            Class::Person => (cursor - self.rng.below(365) as i32, Precision::Month),
            Class::Chip => {
                let p = if self.rng.chance(500_000) { Precision::Quarter } else { Precision::Month };
                (cursor - self.rng.below(200) as i32, p)
            }
        }
    }

    // ---- lines ----

    /// Opens a line: `{"id":...,"kind":...,"at":...`.
    fn begin(&mut self, out: &mut Vec<u8>, kind: &str, day: i32, precision: Precision) {
        out.extend_from_slice(b"{\"id\":");
        push_event_id(out, self.config.seed, self.written);
        push_field(out, "kind", kind);
        push_key(out, "at");
        out.push(b'"');
        write_valid(out, day, precision, self.rng.below(86_400) as u32);
        out.push(b'"');
    }

    /// Closes a line with its source and recorded time, and counts it.
    fn finish(&mut self, out: &mut Vec<u8>, title: Title<'_>) {
        let recorded = self.start_micros + self.written as i64 * self.step_micros;
        let (publisher, slug) = PUBLISHERS[self.rng.skewed(PUBLISHERS.len())];
        push_key(out, "source");
        out.push(b'{');
        push_field(out, "publisher", publisher);
        push_key(out, "url");
        out.extend_from_slice(b"\"https://");
        out.extend_from_slice(slug.as_bytes());
        out.extend_from_slice(b".example/n/");
        let mut n = String::new();
        push_base36(&mut n, self.written);
        out.extend_from_slice(n.as_bytes());
        out.push(b'"');
        self.push_title(out, title);
        push_key(out, "published");
        out.push(b'"');
        let p = if self.rng.chance(100_000) { Precision::Month } else { Precision::Day };
        write_valid(out, recorded.div_euclid(86_400_000_000) as i32, p, 0);
        out.extend_from_slice(b"\"}");
        push_key(out, "recordedAt");
        out.push(b'"');
        write_timestamp(out, recorded);
        out.extend_from_slice(b"\"}\n");
        self.written += 1;
    }

    /// Writes `,"title":"..."` from entity names and words that need no escaping.
    fn push_title(&self, out: &mut Vec<u8>, title: Title<'_>) {
        let name = |ix: u32| self.entities[ix as usize].name.as_bytes();
        let mut parts: [&[u8]; 5] = [b""; 5];
        match title {
            Title::None => return,
            Title::Profile(ix) => parts[..2].copy_from_slice(&[b"Profile: ", name(ix)]),
            Title::Update(ix) => parts[..2].copy_from_slice(&[b"Update: ", name(ix)]),
            Title::Correction(reason) => parts[..2].copy_from_slice(&[b"Correction: ", reason.as_bytes()]),
            Title::Event { subject, kind, object } => {
                parts[..3].copy_from_slice(&[name(subject), b" ", kind.as_bytes()]);
                if let Some(o) = object {
                    parts[3..].copy_from_slice(&[b" ", name(o)]);
                }
            }
        }
        push_key(out, "title");
        out.push(b'"');
        for part in parts {
            // Kind names are `[a-z_]` (the vocabulary checks); say them as words.
            out.extend(part.iter().map(|&b| if b == b'_' { b' ' } else { b }));
        }
        out.push(b'"');
    }

    /// An entity reference: its id, or an inline declaration.
    fn push_ref(&self, out: &mut Vec<u8>, ix: u32, inline: bool) {
        let e = &self.entities[ix as usize];
        if !inline {
            push_str(out, &e.id);
            return;
        }
        out.push(b'{');
        push_field(out, "id", &e.id);
        push_field(out, "type", e.class.entity_type().as_str());
        push_field(out, "name", &e.name);
        push_field(out, "country", COUNTRIES[usize::from(e.country)].0);
        if e.class == Class::Chip {
            push_field(out, "class", CHIP_CLASSES[usize::from(e.detail)]);
        }
        out.push(b'}');
    }

    fn declaration(&mut self, out: &mut Vec<u8>, ix: u32, cursor: i32) {
        let class = self.entities[ix as usize].class;
        let (day, precision) = self.declaration_date(class, cursor);
        let plans = Rc::clone(&self.plans);
        self.begin(out, &plans.declare, day, precision);
        push_key(out, "subject");
        self.push_ref(out, ix, true);
        self.finish(out, Title::Profile(ix));
    }

    /// A later declaration of a known entity, changing an attribute.
    fn redeclaration(&mut self, out: &mut Vec<u8>, cursor: i32) {
        let ix = self.rng.index(self.entities.len()) as u32;
        let (day, precision) = self.event_date(cursor);
        let plans = Rc::clone(&self.plans);
        self.begin(out, &plans.declare, day, precision);
        push_key(out, "subject");
        let e = &self.entities[ix as usize];
        out.push(b'{');
        push_field(out, "id", &e.id);
        push_field(out, "type", e.class.entity_type().as_str());
        let status = self.rng.pick(&STATUSES);
        push_field(out, "status", status);
        out.push(b'}');
        self.finish(out, Title::Update(ix));
    }

    fn retraction(&mut self, out: &mut Vec<u8>, cursor: i32) {
        let i = self.rng.index(self.retractable.len());
        let target = self.retractable.swap_remove(i);
        if let Some(key) = target.key {
            if let Some(state) = self.keys.get_mut(&key) {
                if state.open.is_some_and(|(line, _, _)| line == target.line) {
                    state.open = None;
                }
            }
        }
        let plans = Rc::clone(&self.plans);
        let by = self.pick(&plans.retract.subject, &[]);
        self.begin(out, &plans.retract.kind, cursor, Precision::Day);
        push_key(out, "subject");
        self.push_ref(out, by.ix, by.new);
        push_key(out, "attrs");
        out.push(b'{');
        let reason = self.rng.pick(&REASONS);
        push_field(out, "reason", reason);
        out.push(b'}');
        push_key(out, "retracts");
        push_event_id(out, self.config.seed, target.line);
        self.finish(out, Title::Correction(reason));
    }

    fn relation_event(&mut self, out: &mut Vec<u8>, cursor: i32) {
        let mut p = self.rng.weighted(&self.plans.cumulative);
        if self.plans.relations[p].effect == Effect::Closes {
            if self.close(out, p, cursor) {
                return;
            }
            p = self.rng.weighted(&self.plans.cumulative_no_close);
        }
        let plans = Rc::clone(&self.plans);
        self.open_or_mark(out, &plans.relations[p], cursor);
    }

    fn open_or_mark(&mut self, out: &mut Vec<u8>, plan: &Plan, cursor: i32) {
        let opens = plan.effect == Effect::Opens;
        let rel = plan.relation as u32;
        let subject = self.pick(&plan.subject, &[]);
        let mut object = None;
        if !plan.object.is_empty() && self.rng.chance(plan.object_ppm) {
            let mut o = self.pick(&plan.object, &[subject.ix]);
            // One open interval per key at a time keeps closes unambiguous:
            // if this pair is open already, link a newcomer instead.
            if opens && self.keys.get(&(rel, subject.ix, o.ix)).is_some_and(|s| s.open.is_some()) {
                o = self.pick(&plan.object, &[subject.ix, o.ix]);
                if self.keys.get(&(rel, subject.ix, o.ix)).is_some_and(|s| s.open.is_some()) {
                    let class = self.rng.pick(&plan.object);
                    o = Pick { ix: self.create(class), new: true };
                }
            }
            object = Some(o);
        }
        let mut about: Vec<Pick> = Vec::new();
        if self.rng.chance(plan.about_ppm) {
            let mut avoid = vec![subject.ix];
            avoid.extend(object.map(|o| o.ix));
            // Marks sometimes concern two things; opens keep one, so a close
            // can name the same `about`.
            let count = if !opens && self.rng.chance(150_000) { 2 } else { 1 };
            for _ in 0..count {
                let a = self.pick(&plan.about, &avoid);
                avoid.push(a.ix);
                about.push(a);
            }
            about.sort_by(|a, b| self.entities[a.ix as usize].id.cmp(&self.entities[b.ix as usize].id));
        }
        let key = (rel, subject.ix, object.map_or(u32::MAX, |o| o.ix));
        let (mut day, mut precision) = self.event_date(cursor);
        if opens {
            if let Some(last) = self.keys.get(&key).and_then(|s| s.last_close) {
                if start_of(day, precision) <= last {
                    day = last + 1 + self.rng.below(30) as i32;
                    precision = Precision::Day;
                }
            }
        }

        // New entities: most get their own declaration line first, if the
        // log has room for it; the rest are declared inline.
        let mut inline = [false; 4];
        let mut room = self.remaining().saturating_sub(1);
        let all: Vec<Pick> = std::iter::once(subject).chain(object).chain(about.iter().copied()).collect();
        for (i, pick) in all.iter().enumerate() {
            if !pick.new {
                continue;
            }
            if room > 0 && self.rng.chance(700_000) {
                room -= 1;
                self.declaration(out, pick.ix, cursor);
            } else {
                inline[i.min(3)] = true;
            }
        }

        let line = self.written;
        self.begin(out, &plan.kind, day, precision);
        push_key(out, "subject");
        self.push_ref(out, subject.ix, inline[0]);
        if let Some(o) = object {
            push_key(out, "object");
            self.push_ref(out, o.ix, inline[1]);
        }
        let about_at = 1 + usize::from(object.is_some());
        if !about.is_empty() {
            push_key(out, "about");
            out.push(b'[');
            for (i, a) in about.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                self.push_ref(out, a.ix, inline[(about_at + i).min(3)]);
            }
            out.push(b']');
        }
        self.push_attrs(out, plan.attrs);
        self.push_evidence(out, OPEN_STATUSES);
        let title = if self.rng.chance(250_000) {
            Title::Event { subject: subject.ix, kind: &plan.kind, object: object.map(|o| o.ix) }
        } else {
            Title::None
        };
        self.finish(out, title);

        for pick in &all {
            let class = self.entities[pick.ix as usize].class;
            self.ends[class.index()].push(pick.ix);
        }
        let target_key = if opens {
            let state = self.keys.entry(key).or_default();
            state.open = Some((line, start_of(day, precision), about.first().map(|a| a.ix)));
            self.open[plan.relation].push((key, line));
            Some(key)
        } else {
            None
        };
        // Retracting an event that declares an entity inline would hide the
        // entity from every later event that uses it.
        if inline.iter().any(|&i| i) {
            return;
        }
        let target = Target { line, key: target_key };
        if self.retractable.len() < RETRACTABLE {
            self.retractable.push(target);
        } else {
            let i = self.rng.index(RETRACTABLE);
            self.retractable[i] = target;
        }
    }

    /// Writes a close of a relation open now, if there is one for this kind.
    fn close(&mut self, out: &mut Vec<u8>, p: usize, cursor: i32) -> bool {
        let rel = self.plans.relations[p].relation;
        let (key, opened_at, about) = loop {
            let list = &mut self.open[rel];
            if list.is_empty() {
                return false;
            }
            let i = self.rng.index(list.len());
            let (key, line) = list.swap_remove(i);
            match self.keys.get(&key).and_then(|s| s.open) {
                Some((open_line, start, about)) if open_line == line => break (key, start, about),
                _ => continue, // closed or retracted since
            }
        };
        let plans = Rc::clone(&self.plans);
        let plan = &plans.relations[p];
        let (s, o) = (self.entities[key.1 as usize].class, key.2);
        let allowed =
            plan.subject.contains(&s) && (o == u32::MAX || plan.object.contains(&self.entities[o as usize].class));
        if !allowed {
            // Put it back: this close kind cannot end it, another may.
            self.open[rel].push((key, self.keys.get(&key).and_then(|s| s.open).map_or(0, |x| x.0)));
            return false;
        }
        let span = i64::from(cursor) - i64::from(opened_at) + 1;
        let day = opened_at + self.rng.below(span.max(1) as u64) as i32;
        let (_, mut precision) = self.event_date(cursor);
        if start_of(day, precision) < opened_at {
            precision = Precision::Day;
        }
        self.begin(out, &plan.kind, day, precision);
        push_key(out, "subject");
        self.push_ref(out, key.1, false);
        if o != u32::MAX {
            push_key(out, "object");
            self.push_ref(out, o, false);
        }
        if let Some(a) = about.filter(|_| self.rng.chance(500_000)) {
            push_key(out, "about");
            out.push(b'[');
            self.push_ref(out, a, false);
            out.push(b']');
        }
        let ends = self.push_evidence(out, CLOSE_STATUSES);
        let title = if self.rng.chance(250_000) {
            Title::Event { subject: key.1, kind: &plan.kind, object: (o != u32::MAX).then_some(o) }
        } else {
            Title::None
        };
        self.finish(out, title);
        if !ends {
            // An expected or denied close ends nothing: the relation stays open.
            let line = self.keys.get(&key).and_then(|s| s.open).map_or(0, |x| x.0);
            self.open[rel].push((key, line));
            return true;
        }
        if let Some(state) = self.keys.get_mut(&key) {
            state.open = None;
            let closed = start_of(day, precision);
            state.last_close = Some(state.last_close.map_or(closed, |l| l.max(closed)));
        }
        true
    }

    /// Writes `status` (left out when `reported`) drawn from `weights`
    /// (per thousand: confirmed, expected, denied; the rest reported), and
    /// now and then `disputes` naming a recent relation event: most denials
    /// say what they deny, a few other events contradict an earlier one.
    /// Returns whether the status is believed (confirmed or reported).
    fn push_evidence(&mut self, out: &mut Vec<u8>, weights: [u64; 3]) -> bool {
        let r = self.rng.below(1000);
        let status = if r < weights[0] {
            "confirmed"
        } else if r < weights[0] + weights[1] {
            "expected"
        } else if r < weights[0] + weights[1] + weights[2] {
            "denied"
        } else {
            "reported"
        };
        if status != "reported" {
            push_field(out, "status", status);
        }
        let disputes = if status == "denied" { self.rng.chance(600_000) } else { self.rng.chance(10_000) };
        if disputes && !self.retractable.is_empty() {
            let target = self.retractable[self.rng.index(self.retractable.len())].line;
            push_key(out, "disputes");
            out.push(b'[');
            push_event_id(out, self.config.seed, target);
            out.push(b']');
        }
        matches!(status, "confirmed" | "reported")
    }

    fn push_attrs(&mut self, out: &mut Vec<u8>, attrs: Attrs) {
        if attrs == Attrs::None {
            return;
        }
        push_key(out, "attrs");
        out.push(b'{');
        match attrs {
            Attrs::None => {}
            Attrs::Quantity => push_number(out, "quantity", 100 * (1 + self.rng.below(2000))),
            Attrs::Quote => push_field(out, "quote", self.rng.pick(&QUOTES)),
            Attrs::Role => push_field(out, "role", self.rng.pick(&ROLES)),
            Attrs::Amount => push_number(out, "amount_usd", 1_000_000 * (1 + self.rng.below(500))),
            Attrs::Directive => push_field(out, "directive", self.rng.pick(&DIRECTIVES)),
            Attrs::ChipUse => {
                let model = format!("{}-{}B", self.rng.pick(&MODELS), 1 + self.rng.below(400));
                push_field(out, "model", &model);
                push_number(out, "gpu_hours", 1000 * (1 + self.rng.below(10_000)));
            }
        }
        out.push(b'}');
    }
}
