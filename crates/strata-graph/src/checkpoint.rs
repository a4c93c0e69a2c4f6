//! The projection as bytes: a checkpoint, so that opening a large log does
//! not replay it from the start.
//!
//! The encoding is this crate's own, versioned by [`FORMAT`] (bumped whenever the encoding changes): integers as
//! LEB128 varints (indices that only grow as deltas), strings with their
//! length, attributes as JSON text. It holds exactly the state
//! [`Projection::apply`] builds, minus what is derived from it (the maps
//! from ids, the open/close keys, the valid-time order), which decoding
//! rebuilds in the order `apply` would have. The name index, derived too,
//! is kept as it is in memory (its entries with their tokens, the bytes of
//! its `fst` map, its names by initials and joined words), because cutting
//! every name into tokens again is most of what a load would cost; only
//! its dictionary and postings are read back from those.
//!
//! Decoding trusts nothing: every index is checked against what it points
//! into, so a damaged or foreign checkpoint is an error, never a panic or a
//! projection that panics later. Checksums and files are the store's
//! business; this module does no I/O.

use std::collections::BTreeSet;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use smallvec::SmallVec;
use strata_core::{ClaimStatus, Day, EntityId, EntityType, EventId, Timestamp, Vocabulary};

use crate::projection::{
    push_close, Close, Decl, EdgeWeight, EventMeta, Ix, Node, Projection, Rel, RelKey, MAX_RELS, NO_EVENT,
};
use crate::search::{Keyed, NameEntry, NameIndex};
use crate::view::Role;

/// The first bytes of every checkpoint, with the encoding's version (6:
/// the name index is kept, no longer rebuilt on load; 7: initials counted
/// after spelling; 8: ordinals, "q", "ou", "oo", Slavic "-sk-" adjectives
/// and letters joined by "and" spelt as search now spells them). A name
/// index of another version would hold tokens search no longer makes, so
/// it is not read.
const FORMAT: &[u8] = b"strata-projection/8\n";

/// Why a checkpoint cannot be used; the caller rebuilds from the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Not a checkpoint of this format (another version, or not one at all).
    #[error("not a strata-projection/8 checkpoint (one written by another version of strata, or not a checkpoint)")]
    Format,
    /// Written with another vocabulary than the one in force.
    #[error("the checkpoint was written with a different vocabulary")]
    Vocabulary,
    /// Cut short or inconsistent.
    #[error("the checkpoint is damaged: {0}")]
    Damaged(String),
}

fn damaged(what: impl Into<String>) -> CheckpointError {
    CheckpointError::Damaged(what.into())
}

/// Where the checkpoint stands in the log, for the caller to check against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointMark {
    /// The position of the last event it holds (0: none).
    pub position: u64,
    /// That event's id and recorded time.
    pub last: Option<(EventId, Timestamp)>,
}

impl Projection {
    /// The position, id and recorded time of the last event applied.
    pub fn mark(&self) -> CheckpointMark {
        CheckpointMark { position: self.len(), last: self.events.last().map(|e| (e.id, e.recorded_at)) }
    }

    /// The projection as checkpoint bytes (see [`Projection::from_checkpoint`]).
    pub fn to_checkpoint(&self) -> Vec<u8> {
        let mut w = Writer { buf: Vec::with_capacity(64 * self.events.len() + 1024) };
        w.buf.extend_from_slice(FORMAT);
        w.str(&vocabulary_fingerprint(&self.vocab));

        // The events go in a section of their own, with its length, so that
        // decoding can read them on a second thread while it reads the rest.
        w.uint(self.events.len() as u64);
        let mut events = Writer { buf: Vec::with_capacity(24 * self.events.len()) };
        let mut last_rec = 0i64;
        for e in &self.events {
            events.buf.extend_from_slice(e.id.as_bytes());
            events.int(e.recorded_at.0.wrapping_sub(last_rec));
            last_rec = e.recorded_at.0;
            events.int(i64::from(e.day.0));
            events.uint(u64::from(e.kind));
            events.uint(status_code(e.status));
            events.opt(e.retracted_by);
        }
        w.uint(events.buf.len() as u64);
        w.buf.extend_from_slice(&events.buf);

        w.uint(self.graph.node_count() as u64);
        for n in self.graph.node_indices() {
            let node = &self.graph[n];
            w.str(node.id.as_str());
            w.uint(EntityType::ALL.iter().position(|&t| t == node.ty).unwrap_or(0) as u64);
            w.uint(node.decls.len() as u64);
            for d in &node.decls {
                w.uint(u64::from(d.event));
                w.int(i64::from(d.day.0));
                match &d.name {
                    Some(name) => {
                        w.uint(1);
                        w.str(name);
                    }
                    None => w.uint(0),
                }
                w.uint(d.aliases.len() as u64);
                for a in &d.aliases {
                    w.str(a);
                }
                if d.attrs.is_empty() {
                    w.str("");
                } else {
                    w.str(&Value::Object(d.attrs.clone()).to_string());
                }
            }
            w.ascending(node.events.iter().copied());
        }

        w.uint(self.graph.edge_count() as u64);
        for e in self.graph.edge_indices() {
            let (Some((a, b)), Some(wt)) = (self.graph.edge_endpoints(e), self.graph.edge_weight(e)) else { continue };
            w.uint(a.index() as u64);
            w.uint(b.index() as u64);
            w.uint(u64::from(wt.rel));
            w.uint(u64::from(wt.role == Role::About) | status_code(wt.status) << 1);
        }

        w.uint(self.rels.len() as u64);
        for r in &self.rels {
            w.uint(u64::from(r.name));
            w.uint(u64::from(r.event));
            w.uint(r.subject.index() as u64);
            w.opt(r.object.map(|o| o.index() as u32));
            w.list(self.nodes_of(r.about).iter().map(|a| a.index() as u32));
            w.int(i64::from(r.valid_from.0));
            w.uint(u64::from(r.marks));
            let closes: SmallVec<[Ix; 2]> = self.closes_of(r).collect();
            w.list(closes.into_iter());
            w.uint(u64::from(r.first_edge));
            w.uint(u64::from(r.edge_count));
        }

        // Closes in log order, so that decoding pushes each key's list in
        // the order `apply` did.
        let mut closes: Vec<(&RelKey, &Close)> =
            self.closes.iter().flat_map(|(k, cs)| cs.iter().map(move |c| (k, c))).collect();
        closes.sort_unstable_by_key(|(_, c)| c.event);
        w.uint(closes.len() as u64);
        for ((name, subject, object), c) in closes {
            w.uint(u64::from(*name));
            w.uint(subject.index() as u64);
            w.opt(object.map(|o| o.index() as u32));
            w.uint(u64::from(c.event));
            w.int(i64::from(c.day.0));
            w.list(self.nodes_of(c.about).iter().map(|a| a.index() as u32));
        }

        // Disputes, by disputing event in log order.
        let mut disputing: Vec<(&Ix, &SmallVec<[Ix; 2]>)> = self.disputes.iter().collect();
        disputing.sort_unstable_by_key(|(ix, _)| **ix);
        w.uint(disputing.len() as u64);
        for (ix, targets) in disputing {
            w.uint(u64::from(*ix));
            w.list(targets.iter().copied());
        }

        // Merges, then judgements of distinctness, each in log order.
        for links in [&self.merges.same, &self.merges.distinct] {
            w.uint(links.len() as u64);
            for l in links {
                w.uint(u64::from(l.event));
                w.uint(l.subject.index() as u64);
                w.uint(l.object.index() as u64);
            }
        }

        // The name index, as it is in memory.
        let names = &self.names;
        w.uint(names.entries.len() as u64);
        for e in &names.entries {
            w.uint(e.node.index() as u64);
            w.opt((e.event != NO_EVENT).then_some(e.event));
            w.str(&e.text);
            w.list(e.tokens.iter().copied());
        }
        let map = names.map_bytes();
        w.uint(map.len() as u64);
        w.buf.extend_from_slice(&map);
        for keyed in names.keyed() {
            w.uint(keyed.len() as u64);
            for (key, entries) in keyed {
                w.str(key);
                w.ascending(entries.iter().copied());
            }
        }
        w.buf
    }

    /// Rebuilds a projection from [`Projection::to_checkpoint`]'s bytes,
    /// read with `vocab`, which must be the vocabulary it was written with.
    pub fn from_checkpoint(bytes: &[u8], vocab: Vocabulary) -> Result<Projection, CheckpointError> {
        let body = bytes.strip_prefix(FORMAT).ok_or(CheckpointError::Format)?;
        let mut r = Reader { buf: body, at: 0 };
        if r.str()? != vocabulary_fingerprint(&vocab) {
            return Err(CheckpointError::Vocabulary);
        }
        let mut p = Projection::new(vocab);
        let kinds = p.kinds.len() as u64;

        let n_events = r.count(17)?;
        let section = r.count(1)?;
        let events = r.bytes(section)?;
        let (events, rest) = std::thread::scope(|s| {
            let events = s.spawn(|| decode_events(events, n_events, kinds));
            let rest = decode_rest(&mut p, &mut r, n_events as u64);
            (events.join(), rest)
        });
        let (events, ids, by_day) = events.map_err(|_| damaged("decoding the events failed"))??;
        rest?;
        p.events = events;
        p.ids = ids;
        p.by_day = by_day;
        p.windows = p.rels.iter().map(|rel| p.window_now(rel)).collect();
        p.retracted = crate::knowledge::retracted(&p);
        p.refresh_groups();
        if r.at != r.buf.len() {
            return Err(damaged(format!("{} bytes follow the end", r.buf.len() - r.at)));
        }
        Ok(p)
    }
}

impl Projection {
    /// Where a checkpoint stands in the log, read from its bytes without
    /// decoding the rest: a caller that only compares checkpoints (as
    /// `verify` compares one with the encoding of a replay) needs no more.
    pub fn checkpoint_mark(bytes: &[u8]) -> Result<CheckpointMark, CheckpointError> {
        let body = bytes.strip_prefix(FORMAT).ok_or(CheckpointError::Format)?;
        let mut r = Reader { buf: body, at: 0 };
        r.str()?;
        let n_events = r.count(17)?;
        let section = r.count(1)?;
        let mut r = Reader { buf: r.bytes(section)?, at: 0 };
        let mut last = None;
        let mut last_rec = 0i64;
        for _ in 0..n_events {
            let id = EventId::from_bytes(r.array()?);
            last_rec = last_rec.wrapping_add(r.int()?);
            r.int()?;
            r.uint()?;
            r.uint()?;
            r.opt(n_events as u64, "retraction")?;
            last = Some((id, Timestamp(last_rec)));
        }
        Ok(CheckpointMark { position: n_events as u64, last })
    }
}

type Events = (Vec<EventMeta>, FxHashMap<EventId, Ix>, BTreeSet<(Day, Ix)>);

/// The events section: the events, the map from their ids and their valid-time order.
fn decode_events(section: &[u8], n_events: usize, kinds: u64) -> Result<Events, CheckpointError> {
    let mut r = Reader { buf: section, at: 0 };
    let mut events = Vec::with_capacity(n_events);
    let mut ids = FxHashMap::with_capacity_and_hasher(n_events, Default::default());
    let mut last_rec = 0i64;
    for ix in 0..n_events {
        let id = EventId::from_bytes(r.array()?);
        last_rec = last_rec.wrapping_add(r.int()?);
        let day = r.day()?;
        let kind = r.below(kinds, "event kind")? as u16;
        let status = status_of(r.below(4, "claim status")?);
        let retracted_by = r.opt(n_events as u64, "retraction")?;
        if ids.insert(id, ix as Ix).is_some() {
            return Err(damaged(format!("event id {id} appears twice")));
        }
        if events.last().is_some_and(|e: &EventMeta| e.recorded_at.0 >= last_rec) {
            return Err(damaged("recorded times do not increase"));
        }
        events.push(EventMeta { id, recorded_at: Timestamp(last_rec), day, kind, status, retracted_by });
    }
    if r.at != section.len() {
        return Err(damaged("the events section has bytes left over"));
    }
    let mut by_day: Vec<(Day, Ix)> = events.iter().enumerate().map(|(ix, e)| (e.day, ix as Ix)).collect();
    by_day.sort_unstable();
    Ok((events, ids, BTreeSet::from_iter(by_day)))
}

/// Everything after the events: entities, edges, relations, closes.
fn decode_rest(p: &mut Projection, r: &mut Reader<'_>, n_events: u64) -> Result<(), CheckpointError> {
    {
        let n_nodes = r.count(3)?;
        p.graph = StableDiGraph::with_capacity(n_nodes, 0);
        p.nodes.reserve(n_nodes);
        for _ in 0..n_nodes {
            let id = EntityId::parse(r.str()?).map_err(damaged)?;
            let ty = EntityType::ALL[r.below(EntityType::ALL.len() as u64, "entity type")? as usize];
            let n_decls = r.count(4)?;
            let mut decls = Vec::with_capacity(n_decls);
            for _ in 0..n_decls {
                let event = r.below(n_events, "declaration")? as Ix;
                let day = r.day()?;
                let name = match r.uint()? {
                    0 => None,
                    _ => Some(r.str()?.to_owned()),
                };
                let n_aliases = r.count(1)?;
                let mut aliases = Vec::with_capacity(n_aliases);
                for _ in 0..n_aliases {
                    aliases.push(r.str()?.to_owned());
                }
                let attrs = match r.str()? {
                    "" => Map::new(),
                    text => match serde_json::from_str(text) {
                        Ok(Value::Object(m)) => m,
                        _ => return Err(damaged("attributes are not a JSON object")),
                    },
                };
                decls.push(Decl { event, day, name, aliases, attrs });
            }
            let events = r.ascending(n_events)?;
            let n = p.graph.add_node(Node { id: id.clone(), ty, decls, events });
            if p.nodes.insert(id, n).is_some() {
                return Err(damaged("an entity appears twice"));
            }
        }
        let n_nodes = n_nodes as u64;

        let n_edges = r.count(4)?;
        p.graph.reserve_exact_edges(n_edges);
        let mut edge_rels = Vec::with_capacity(n_edges);
        for _ in 0..n_edges {
            let a = node(r.below(n_nodes, "edge source")?);
            let b = node(r.below(n_nodes, "edge target")?);
            let rel = r.uint()?;
            let role_status = r.below(8, "edge role and status")?;
            let role = if role_status & 1 == 1 { Role::About } else { Role::SubjectObject };
            let status = status_of(role_status >> 1);
            edge_rels.push(rel);
            let rel = u32::try_from(rel)
                .ok()
                .filter(|&r| r < MAX_RELS)
                .ok_or_else(|| damaged("edge relation out of range"))?;
            p.add_edge(a, b, EdgeWeight { rel, role, status });
        }

        let n_rels = r.count(8)?;
        if edge_rels.iter().any(|&rel| rel >= n_rels as u64) {
            return Err(damaged("an edge points past the relations"));
        }
        let names = p.rel_names.len() as u64;
        p.rels.reserve_exact(n_rels);
        for rel_id in 0..n_rels {
            let name = r.below(names, "relation name")? as u16;
            let event = r.below(n_events, "relation event")? as Ix;
            let subject = node(r.below(n_nodes, "relation subject")?);
            let object = r.opt(n_nodes, "relation object")?.map(|o| node(u64::from(o)));
            let about: SmallVec<[NodeIndex; 2]> =
                r.list(n_nodes, "about")?.into_iter().map(|a| node(u64::from(a))).collect();
            let valid_from = r.day()?;
            let marks = r.below(2, "marks")? == 1;
            let closes = r.list(n_events, "close")?;
            let first_edge = r.uint()?;
            let edge_count = r.uint()?;
            let end = first_edge.checked_add(edge_count).filter(|&end| end <= n_edges as u64);
            let end = end.ok_or_else(|| damaged("a relation's edges are out of range"))?;
            if (first_edge..end).any(|e| edge_rels.get(e as usize) != Some(&(rel_id as u64))) {
                return Err(damaged("a relation's edges belong to another relation"));
            }
            if !marks {
                p.opens.entry((name, subject, object)).or_default().push(rel_id as u32);
            }
            let about = p.span(&about);
            let mut rel = Rel {
                event,
                subject,
                object,
                about,
                valid_from,
                close: NO_EVENT,
                more_closes: 0,
                first_edge: first_edge as u32,
                edge_count: edge_count as u32,
                name,
                marks,
            };
            for c in closes {
                push_close(&mut rel, &mut p.more_closes, c);
            }
            if p.rels.last().is_some_and(|last| last.event >= rel.event) {
                return Err(damaged("relations are not in log order"));
            }
            p.rels.push(rel);
        }

        let n_closes = r.count(5)?;
        for _ in 0..n_closes {
            let name = r.below(names, "close relation")? as u16;
            let subject = node(r.below(n_nodes, "close subject")?);
            let object = r.opt(n_nodes, "close object")?.map(|o| node(u64::from(o)));
            let event = r.below(n_events, "close event")? as Ix;
            let day = r.day()?;
            let about: SmallVec<[NodeIndex; 2]> =
                r.list(n_nodes, "close about")?.into_iter().map(|a| node(u64::from(a))).collect();
            let about = p.span(&about);
            p.closes.entry((name, subject, object)).or_default().push(Close { event, day, about });
            p.close_keys.insert(event, (name, subject, object));
        }

        let n_disputing = r.count(2)?;
        let mut last = None;
        for _ in 0..n_disputing {
            let ix = r.below(n_events, "disputing event")? as Ix;
            if last.is_some_and(|l| l >= ix) {
                return Err(damaged("disputing events are not in log order"));
            }
            last = Some(ix);
            let targets = r.list(u64::from(ix), "disputed event")?;
            if targets.is_empty() {
                return Err(damaged("a disputing event disputes nothing"));
            }
            for &t in &targets {
                p.disputed_by.entry(t).or_default().push(ix);
            }
            p.disputes.insert(ix, targets);
        }

        for which in 0..2 {
            let n_links = r.count(3)?;
            let mut links = Vec::with_capacity(n_links);
            let mut last = None;
            for _ in 0..n_links {
                let event = r.below(n_events, "merge event")? as Ix;
                if last.is_some_and(|l| l >= event) {
                    return Err(damaged("merges are not in log order"));
                }
                last = Some(event);
                let subject = node(r.below(n_nodes, "merge subject")?);
                let object = node(r.below(n_nodes, "merge object")?);
                links.push(crate::merge::Link { event, subject, object });
            }
            if which == 0 {
                p.merges.same = links;
            } else {
                p.merges.distinct = links;
            }
        }

        let n_entries = r.count(4)?;
        let mut entries = Vec::with_capacity(n_entries);
        for _ in 0..n_entries {
            let node = node(r.below(n_nodes, "name's entity")?);
            let event = r.opt(n_events, "name's event")?.unwrap_or(NO_EVENT);
            let text: Box<str> = r.str()?.into();
            // Token ids are checked against the dictionary once it is read.
            let tokens = r.list(u64::from(u32::MAX), "name's token")?.into_iter().collect();
            entries.push(NameEntry { node, event, text, tokens });
        }
        let map_len = r.count(1)?;
        let map = r.bytes(map_len)?.to_vec();
        let mut keyed: [Keyed; 2] = Default::default();
        for by in &mut keyed {
            let n_keys = r.count(2)?;
            by.reserve(n_keys);
            for _ in 0..n_keys {
                let key: Box<str> = r.str()?.into();
                let names = r.ascending(n_entries as u64)?;
                if by.insert(key, names).is_some() {
                    return Err(damaged("a key of the name index appears twice"));
                }
            }
        }
        let [initials, joined] = keyed;
        p.names = NameIndex::from_parts(entries, map, initials, joined).map_err(damaged)?;
        Ok(())
    }
}

fn status_code(s: ClaimStatus) -> u64 {
    match s {
        ClaimStatus::Confirmed => 0,
        ClaimStatus::Reported => 1,
        ClaimStatus::Expected => 2,
        ClaimStatus::Denied => 3,
    }
}

/// The status of a code below 4 (checked by the reader).
fn status_of(code: u64) -> ClaimStatus {
    ClaimStatus::ALL[(code & 3) as usize]
}

fn node(i: u64) -> NodeIndex {
    NodeIndex::new(i as usize)
}

/// What of the vocabulary the projection depends on: each kind's effect and
/// relation, in order.
fn vocabulary_fingerprint(vocab: &Vocabulary) -> String {
    let mut s = String::new();
    for k in vocab.kinds() {
        s.push_str(&k.kind);
        s.push(' ');
        s.push_str(k.effect.as_str());
        s.push(' ');
        s.push_str(k.relation.as_deref().unwrap_or("-"));
        s.push('\n');
    }
    s
}

struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// Zig-zag, so that small negative numbers stay short.
    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// `None` as 0, `Some(v)` as v + 1.
    fn opt(&mut self, v: Option<u32>) {
        self.uint(v.map_or(0, |v| u64::from(v) + 1));
    }

    fn list(&mut self, items: impl ExactSizeIterator<Item = u32>) {
        self.uint(items.len() as u64);
        for i in items {
            self.uint(u64::from(i));
        }
    }

    /// A non-decreasing list, as deltas.
    fn ascending(&mut self, items: impl ExactSizeIterator<Item = u32>) {
        self.uint(items.len() as u64);
        let mut last = 0;
        for i in items {
            self.uint(u64::from(i.wrapping_sub(last)));
            last = i;
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn uint(&mut self) -> Result<u64, CheckpointError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let &b = self.buf.get(self.at).ok_or_else(|| damaged("cut short"))?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(damaged("a number is too long"))
    }

    fn int(&mut self) -> Result<i64, CheckpointError> {
        let u = self.uint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    fn day(&mut self) -> Result<Day, CheckpointError> {
        i32::try_from(self.int()?).map(Day).map_err(|_| damaged("a day is out of range"))
    }

    /// A number below `bound`.
    fn below(&mut self, bound: u64, what: &str) -> Result<u64, CheckpointError> {
        let v = self.uint()?;
        if v < bound {
            Ok(v)
        } else {
            Err(damaged(format!("{what} {v} is out of range (below {bound})")))
        }
    }

    fn opt(&mut self, bound: u64, what: &str) -> Result<Option<u32>, CheckpointError> {
        match self.uint()? {
            0 => Ok(None),
            v if v - 1 < bound => Ok(Some((v - 1) as u32)),
            v => Err(damaged(format!("{what} {} is out of range (below {bound})", v - 1))),
        }
    }

    /// A count of items that each take at least `min_bytes`: a count the
    /// rest of the input cannot hold is damage, not a huge allocation.
    fn count(&mut self, min_bytes: usize) -> Result<usize, CheckpointError> {
        let n = self.uint()?;
        let left = (self.buf.len() - self.at) as u64;
        if n.saturating_mul(min_bytes as u64) > left {
            return Err(damaged(format!("a count of {n} does not fit in the {left} bytes left")));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self, len: usize) -> Result<&'a [u8], CheckpointError> {
        let end = self.at.checked_add(len).filter(|&e| e <= self.buf.len()).ok_or_else(|| damaged("cut short"))?;
        let b = &self.buf[self.at..end];
        self.at = end;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CheckpointError> {
        self.bytes(N)?.try_into().map_err(|_| damaged("cut short"))
    }

    fn str(&mut self) -> Result<&'a str, CheckpointError> {
        let len = self.count(1)?;
        std::str::from_utf8(self.bytes(len)?).map_err(|_| damaged("a string is not UTF-8"))
    }

    fn list(&mut self, bound: u64, what: &str) -> Result<SmallVec<[u32; 2]>, CheckpointError> {
        let n = self.count(1)?;
        (0..n).map(|_| self.below(bound, what).map(|v| v as u32)).collect()
    }

    fn ascending(&mut self, bound: u64) -> Result<Vec<u32>, CheckpointError> {
        let n = self.count(1)?;
        let mut out = Vec::with_capacity(n);
        let mut last = 0u64;
        for _ in 0..n {
            last = last.saturating_add(self.uint()?);
            if last >= bound {
                return Err(damaged(format!("event {last} is out of range (below {bound})")));
            }
            out.push(last as u32);
        }
        Ok(out)
    }
}
