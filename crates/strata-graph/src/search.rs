//! Ranked search over entities' ids, names and aliases, and likely
//! duplicates of an entity.
//!
//! A query and every name are cut into tokens the same way
//! (`normalize.rs`: case, accents, punctuation, legal forms and the
//! spelling variants of transliteration folded away). Retrieval works from
//! the index, never by scanning the names: each query token reaches the
//! dictionary's tokens that equal it, that are within a small edit distance
//! (Levenshtein automata over an `fst` map), that it begins, or that mean
//! what it means in another language (`words.txt`: "SANAYE", "INDUSTRY"); a word no
//! name has reaches the two it may join ("KITOKOFOOD"), and two neighbouring
//! words the one a name writes them as ("OFF SHORE"). A query token may
//! also be a name's initials or its words written as one, and the query's
//! own initials or joined words may be a name's token ("NIOC" and "National
//! Iranian Oil Company" find each other either way). A name's score is a
//! weighted soft overlap of the two token sets, so word order does not
//! matter, rare tokens count for more than common ones, and one rare shared
//! token is enough to rank a name high:
//!
//! score = 0.6 · Σq w·s / Σq w + 0.4 · Σn w·s / Σn w
//!
//! over the query's tokens q and the name's tokens n, where s is how alike
//! a token is to its best partner on the other side (1 for the same token,
//! Jaro-Winkler likeness for a near one, 0.9 for a word of another
//! language that means the same, 0.95 for joined words, 0.85 for
//! initials, 0 for none) and w its inverse document frequency among the
//! names recorded by the read's `knownAt`. A name recorded later changes
//! no earlier read: it neither weighs in a token's frequency nor lends a
//! dictionary token to a joined, split or initials reading. An entity's
//! score is its best name's, and `matched` is that name.

mod index;
mod normalize;

use std::cell::RefCell;

use petgraph::stable_graph::NodeIndex;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;
use strata_core::{EntityId, EntityType, Timestamp};

use index::Reach;
pub(crate) use index::{Keyed, NameEntry, NameIndex};

use crate::merge::Groups;
use crate::projection::{Projection, NO_EVENT};
use crate::view::{SearchHit, TimeFilter};

/// How well `text` matches `query`, from 0 to 1, by the tokens `search`
/// compares (case, accents, punctuation, word order and corporate suffixes
/// forgiven): each query token counts 1 when the text has it, 0.9 when
/// it has a word of another language that means the same ("SIMAN",
/// "CEMENT"), its Jaro-Winkler likeness (times 0.95) when it has a token at least
/// 0.9 alike, 0.8 when it begins one of the text's tokens (from three
/// characters), and the score is their mean. What `eventSearch` ranks
/// events by, over a source title, a note and attribute values.
pub fn text_match(query: &str, text: &str) -> f64 {
    let q = normalize::tokens(query);
    if q.is_empty() {
        return 0.0;
    }
    let t = normalize::tokens(text);
    let like = |qt: &str, w: &str| -> f64 {
        if qt == w {
            return 1.0;
        }
        if normalize::same_meaning(qt).iter().any(|m| m == w) {
            return f64::from(SAME_MEANING_SIM);
        }
        let jw = strsim::jaro_winkler(qt, w);
        if jw >= 0.9 {
            jw * 0.95
        } else if qt.chars().count() >= 3 && w.starts_with(qt) {
            0.8
        } else {
            0.0
        }
    };
    let sum: f64 = q.iter().map(|qt| t.iter().map(|w| like(qt, w)).fold(0.0, f64::max)).sum();
    sum / q.len() as f64
}

/// Hits scoring below this are left out: they share no more than a
/// fragment with the query. Low, because a name that shares one rare word
/// of a long query is still worth a place in the list when nothing shares
/// more ("SPRAVA SLUZIEB DONOVALY" finds "SPRAVA A INKASO POHLADAVOK" at
/// 0.29): 0.3 gave held-out alias recall@5 of 0.846, 0.813 and 0.837 on
/// the three CSL sets, 0.2 gives 0.853, 0.815 and 0.839, and 0.1 no more.
const MIN_SCORE: f32 = 0.2;

/// The least score of a suggested duplicate: a likely one, not merely a
/// name that shares a word.
const MIN_DUPLICATE_SCORE: f32 = 0.3;

/// How alike a query is to a name its words written as one spell ("Byte
/// Dance" and "ByteDance"), and to a name whose initials it is ("NIOC" and
/// "National Iranian Oil Company"), or the other way round.
const JOINED_SIM: f32 = 0.95;
const INITIALS_SIM: f32 = 0.85;

/// How alike two words that mean the same are ("SIMAN" and "CEMENT";
/// `normalize::same_meaning`).
const SAME_MEANING_SIM: f32 = 0.9;

/// The most dictionary tokens one stretch of a word that may be a name
/// written short stands for (the first in text order).
const SHORT_EXPANSIONS: usize = 16;

/// How much of a name's score is how much of the query it covers (the
/// rest is how much of the name the query covers): a query that is part of
/// a long name finds it, and of two names that cover the query the shorter wins.
const QUERY_SHARE: f32 = 0.6;

/// In a hit, for "every token" of the query or of the name.
const ALL: u32 = u32::MAX;

/// How a query reached one name: (query token, dictionary token, likeness);
/// a query token of `ALL` is the whole query written as one word, a
/// dictionary token of `ALL` the whole name.
type Hits = SmallVec<[(u32, u32, f32); 4]>;

/// A query, cut and reached into the dictionary.
struct Query<'w> {
    /// For each query token: its weight and the dictionary tokens it reaches.
    tokens: Vec<(f32, Vec<Reach>)>,
    /// Name entries a query token spells whole: (query token, entry, likeness).
    whole_names: Vec<(u32, u32, f32)>,
    /// Dictionary tokens the whole query spells: its words as one, its initials.
    whole_query: Vec<Reach>,
    /// What tokens weigh at the read's `knownAt`.
    weights: &'w Weights,
}

/// The names token weights count at one `knownAt`: those recorded by then.
struct Weights {
    /// `None` when every name was recorded by then (a read at the head).
    known: Option<Timestamp>,
    /// How many names count.
    names: f32,
    /// How many names that count have each token, as asked.
    df: RefCell<FxHashMap<u32, f32>>,
}

impl Projection {
    /// What tokens weigh at `known`: counted over the names recorded by
    /// then, so the same read answers alike whatever was recorded later.
    fn weights(&self, known: Timestamp) -> Weights {
        let head = self.events.last().is_none_or(|e| e.recorded_at <= known);
        let (known, names) = if head {
            (None, self.names.entries.len())
        } else {
            (Some(known), self.names.entries.iter().filter(|e| self.name_recorded(e, known)).count())
        };
        Weights { known, names: names as f32, df: RefCell::default() }
    }

    /// Whether a name was recorded by `known` (an id: with its entity's first event).
    fn name_recorded(&self, e: &NameEntry, known: Timestamp) -> bool {
        let ix = if e.event == NO_EVENT {
            self.graph.node_weight(e.node).and_then(|n| n.events.first().copied())
        } else {
            Some(e.event)
        };
        ix.and_then(|ix| self.events.get(ix as usize)).is_some_and(|ev| ev.recorded_at <= known)
    }

    /// How many names that count at `w` have this token.
    fn df(&self, token: u32, w: &Weights) -> f32 {
        match w.known {
            None => self.names.df(token) as f32,
            Some(known) => *w.df.borrow_mut().entry(token).or_insert_with(|| {
                let names = self.names.postings(token).iter().filter_map(|&e| self.names.entries.get(e as usize));
                names.filter(|e| self.name_recorded(e, known)).count() as f32
            }),
        }
    }

    /// The weight of a dictionary token: rarer is heavier.
    fn idf(&self, token: u32, w: &Weights) -> f32 {
        (1.0 + w.names / (1.0 + self.df(token, w))).ln()
    }

    /// The dictionary token `text` is, if a name counted at `w` has it
    /// (at the head, any: every token has a name).
    fn known_word(&self, text: &str, w: &Weights) -> Option<u32> {
        self.names.word(text).filter(|&id| w.known.is_none() || self.df(id, w) > 0.0)
    }

    fn query<'w>(&self, text: &str, weights: &'w Weights) -> Query<'w> {
        let analysed = normalize::analyse(text);
        let n = weights.names;
        let mut tokens: Vec<(f32, Vec<Reach>)> = analysed
            .tokens
            .iter()
            .map(|w| {
                // Only tokens of names counted at `knownAt` use up the cap on a prefix's tokens.
                let mut reach = self.names.reach(w, |t| weights.known.is_none() || self.df(t, weights) > 0.0);
                // (A token only names recorded later have is not the word
                // itself; the rest it reaches have no name counted either.)
                let same = reach.iter().find(|r| r.sim >= 1.0).map(|r| r.token);
                let same = same.filter(|&t| weights.known.is_none() || self.df(t, weights) > 0.0);
                if same.is_none() {
                    // Two words written as one ("KITOKOFOOD"): it reaches both.
                    reach.extend(self.split(w, weights));
                }
                // A word of another language that means the same ("SANAYE", "INDUSTRIES").
                for other in normalize::same_meaning(w).iter().filter(|o| *o != w) {
                    if let Some(id) = self.names.word(other).filter(|id| reach.iter().all(|r| r.token != *id)) {
                        reach.push(Reach { token: id, sim: SAME_MEANING_SIM });
                    }
                }
                // A token no name has weighs as the rarest do.
                let w = same.map_or((1.0 + n).ln(), |t| self.idf(t, weights));
                (w, reach)
            })
            .collect();
        // Two words that a name writes as one ("OFF SHORE", "OFFSHORE"): each reaches it.
        for (a, b, joined) in &analysed.pairs {
            if let Some(id) = self.known_word(joined, weights) {
                for i in [*a, *b] {
                    if let Some((_, reach)) = tokens.get_mut(i) {
                        reach.push(Reach { token: id, sim: JOINED_SIM });
                    }
                }
            }
        }
        let mut whole_names: Vec<(u32, u32, f32)> = Vec::new();
        for (qi, w) in analysed.tokens.iter().enumerate() {
            // A word no name has may be a name written short ("COLCERDOS").
            if self.known_word(w, weights).is_none() {
                for e in self.short_for(w, weights) {
                    whole_names.push((qi as u32, e, INITIALS_SIM));
                }
            }
            // A word of at least three letters may be a name's initials,
            // or its words written as one.
            // (Names recorded after `knownAt` found here are left out
            // with the rest not visible then, in `scored`.)
            if w.chars().count() < 3 || w.chars().any(normalize::is_cjk) {
                continue;
            }
            for &e in self.names.by_initials(w) {
                whole_names.push((qi as u32, e, INITIALS_SIM));
            }
            for &e in self.names.by_joined(w) {
                whole_names.push((qi as u32, e, JOINED_SIM));
            }
        }
        let mut whole_query: Vec<Reach> = Vec::new();
        if let Some(id) = analysed.joined.as_deref().and_then(|j| self.known_word(j, weights)) {
            whole_query.push(Reach { token: id, sim: JOINED_SIM });
        }
        for k in &analysed.initials {
            if let Some(id) = self.known_word(k, weights) {
                whole_query.push(Reach { token: id, sim: INITIALS_SIM });
            }
        }
        Query { tokens, whole_names, whole_query, weights }
    }

    /// The name entries `w` (a word no name counted at `weights` has) may
    /// be written short for (`normalize::abbreviates`): found from the
    /// index by the longest stretch from each of its letters but the first
    /// that begins a dictionary token ("cerdos" in "colcerdos", "tech" in
    /// "sbertech"), then checked whole against each name's tokens.
    fn short_for(&self, w: &str, weights: &Weights) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        if w.len() < 4 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
            return out;
        }
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        let counts = |t: u32| weights.known.is_none() || self.df(t, weights) > 0.0;
        for start in 1..w.len() - 2 {
            for end in (start + 3..=w.len()).rev() {
                let tokens = self.names.beginning_with(&w[start..end], SHORT_EXPANSIONS, counts);
                if tokens.is_empty() {
                    continue;
                }
                for &e in tokens.iter().flat_map(|&t| self.names.postings(t)) {
                    let Some(entry) = self.names.entries.get(e as usize).filter(|_| seen.insert(e)) else { continue };
                    let words: SmallVec<[&str; 8]> = entry.tokens.iter().filter_map(|&t| self.names.text(t)).collect();
                    if normalize::abbreviates(w, &words) {
                        out.push(e);
                    }
                }
                break;
            }
        }
        out
    }

    /// The two dictionary tokens a word no name has may be written as one
    /// (each of at least three characters, and one a name counted at
    /// `weights` has): "kitokofood" as `kitoko` and `food`.
    fn split(&self, w: &str, weights: &Weights) -> Vec<Reach> {
        let mut out: Vec<Reach> = Vec::new();
        let cuts: Vec<usize> = w.char_indices().map(|(i, _)| i).collect();
        if cuts.len() < 6 {
            return out;
        }
        for &cut in cuts.iter().skip(3).take(cuts.len().saturating_sub(5)) {
            let (left, right) = w.split_at(cut);
            if let (Some(l), Some(r)) = (self.known_word(left, weights), self.known_word(right, weights)) {
                out.push(Reach { token: l, sim: JOINED_SIM });
                out.push(Reach { token: r, sim: JOINED_SIM });
            }
        }
        out
    }

    /// The score of name entry `e` for a query whose tokens reached it as
    /// `hits` (query token, dictionary token, likeness).
    fn score(&self, q: &Query, e: u32, hits: &[(u32, u32, f32)]) -> f32 {
        let Some(entry) = self.names.entries.get(e as usize) else { return 0.0 };
        let (mut qnum, mut qden) = (0.0, 0.0);
        for (qi, (w, _)) in q.tokens.iter().enumerate() {
            let best = hits.iter().filter(|h| h.0 == qi as u32 || h.0 == ALL).map(|h| h.2).fold(0.0, f32::max);
            qnum += w * best;
            qden += w;
        }
        let (mut nnum, mut nden) = (0.0, 0.0);
        for &t in &entry.tokens {
            let w = self.idf(t, q.weights);
            let best = hits.iter().filter(|h| h.1 == t || h.1 == ALL).map(|h| h.2).fold(0.0, f32::max);
            nnum += w * best;
            nden += w;
        }
        let qc = if qden > 0.0 { qnum / qden } else { 0.0 };
        let nc = if nden > 0.0 { nnum / nden } else { 0.0 };
        QUERY_SHARE * qc + (1.0 - QUERY_SHARE) * nc
    }

    /// Every visible name entry the query reaches that scores at least
    /// `min`: (entry, score).
    fn scored(&self, q: &Query, t: TimeFilter, min: f32) -> Vec<(u32, f32)> {
        let mut hits: FxHashMap<u32, Hits> = FxHashMap::default();
        for (qi, (_, reach)) in q.tokens.iter().enumerate() {
            for r in reach {
                for &e in self.names.postings(r.token) {
                    hits.entry(e).or_default().push((qi as u32, r.token, r.sim));
                }
            }
        }
        for &(qi, e, sim) in &q.whole_names {
            hits.entry(e).or_default().push((qi, ALL, sim));
        }
        for r in &q.whole_query {
            for &e in self.names.postings(r.token) {
                hits.entry(e).or_default().push((ALL, r.token, r.sim));
            }
        }
        let mut visible: FxHashMap<NodeIndex, bool> = FxHashMap::default();
        let mut out: Vec<(u32, f32)> = Vec::with_capacity(hits.len());
        for (e, h) in hits {
            let Some(entry) = self.names.entries.get(e as usize) else { continue };
            if entry.event != NO_EVENT && !self.event_visible(entry.event, t.known_at) {
                continue;
            }
            let node_visible = *visible.entry(entry.node).or_insert_with(|| self.node_visible(entry.node, t.known_at));
            if !node_visible {
                continue;
            }
            let s = self.score(q, e, &h);
            if s >= min {
                out.push((e, s));
            }
        }
        out
    }

    /// Whether scored entry `a` beats `b`: a higher score, or the same
    /// score and a name first in text order (not entry order, which a
    /// checkpoint's load may not keep), so every node answers alike.
    fn better(&self, a: (f32, u32), b: (f32, u32)) -> bool {
        let text = |e: u32| self.names.entries.get(e as usize).map_or("", |x| x.text.as_ref());
        a.0 > b.0 || (a.0 == b.0 && text(a.1) < text(b.1))
    }

    /// The best name of each entity (survivors, by `groups`) among scored entries.
    fn best_by_entity(&self, scored: Vec<(u32, f32)>, groups: &Groups) -> FxHashMap<NodeIndex, (f32, u32)> {
        let mut best: FxHashMap<NodeIndex, (f32, u32)> = FxHashMap::default();
        for (e, s) in scored {
            let Some(entry) = self.names.entries.get(e as usize) else { continue };
            let root = groups.find(entry.node);
            let slot = best.entry(root).or_insert((s, e));
            if self.better((s, e), *slot) {
                *slot = (s, e);
            }
        }
        best
    }

    /// Hits in rank order: score, then id.
    fn ranked(
        &self,
        best: FxHashMap<NodeIndex, (f32, u32)>,
        types: Option<&[EntityType]>,
        t: TimeFilter,
        first: usize,
    ) -> Vec<SearchHit> {
        let mut ranked: Vec<(f32, &EntityId, NodeIndex, u32)> = best
            .into_iter()
            .filter(|(n, _)| types.is_none_or(|ts| ts.contains(&self.graph[*n].ty)))
            .map(|(n, (s, e))| (s, &self.graph[n].id, n, e))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        ranked
            .into_iter()
            .take(first)
            .filter_map(|(s, _, n, e)| {
                let entity = self.entity_view(n, t)?;
                let matched = self.names.entries.get(e as usize).map(|x| x.text.to_string()).unwrap_or_default();
                Some(SearchHit { entity, score: f64::from(s), matched })
            })
            .collect()
    }

    /// Entities whose id, name or aliases match `text`, best first, at most
    /// `first` (of `types` when given). Names are those known at
    /// `t.known_at` (an alias recorded later does not match); the entity
    /// is shown at `t.as_of`; merged ids answer as their survivor.
    pub fn search(&self, text: &str, types: Option<&[EntityType]>, t: TimeFilter, first: usize) -> Vec<SearchHit> {
        if first == 0 {
            return Vec::new();
        }
        let weights = self.weights(t.known_at);
        let q = self.query(text, &weights);
        if q.tokens.is_empty() {
            return Vec::new();
        }
        let groups = self.groups(t.known_at);
        let best = self.best_by_entity(self.scored(&q, t, MIN_SCORE), &groups);
        self.ranked(best, types, t, first)
    }

    /// Likely duplicates of the entity `id`: entities of its type whose
    /// names match one of its names, best first, leaving out the entity
    /// itself (and the ids merged into it) and those judged distinct from it.
    pub fn duplicates(&self, id: &EntityId, t: TimeFilter, first: usize) -> Vec<SearchHit> {
        let Some(n) = self.node(id, t.known_at) else { return Vec::new() };
        let groups = self.groups(t.known_at);
        let me = groups.find(n);
        let ty = self.graph[me].ty;
        let mut best: FxHashMap<NodeIndex, (f32, u32)> = FxHashMap::default();
        let weights = self.weights(t.known_at);
        for m in groups.members(me) {
            for name in self.own_names(m, t.known_at) {
                let q = self.query(&name, &weights);
                if q.tokens.is_empty() {
                    continue;
                }
                for (other, (s, e)) in self.best_by_entity(self.scored(&q, t, MIN_DUPLICATE_SCORE), &groups) {
                    if other == me || self.graph[other].ty != ty {
                        continue;
                    }
                    let slot = best.entry(other).or_insert((s, e));
                    if self.better((s, e), *slot) {
                        *slot = (s, e);
                    }
                }
            }
        }
        best.retain(|&other, _| !self.judged_distinct(me, other, &groups, t.known_at));
        self.ranked(best, Some(&[ty]), t, first)
    }

    /// The names an id's own visible declarations gave (not its merged
    /// ids'), and its id when none did.
    fn own_names(&self, n: NodeIndex, known: strata_core::Timestamp) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in self.graph[n].decls.iter().filter(|d| self.event_visible(d.event, known)) {
            for name in d.name.iter().chain(&d.aliases) {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
        if out.is_empty() {
            out.push(self.graph[n].id.to_string());
        }
        out
    }

    /// Builds the name index afresh from the declarations, as a replay of
    /// the log would, and says how many names it holds: what the rebuild
    /// benchmark times (a checkpoint's load reads the index it kept
    /// instead). The projection's own index is left as it is.
    pub fn build_name_index(&self) -> usize {
        self.name_index().entries.len()
    }

    fn name_index(&self) -> NameIndex {
        let mut index = NameIndex::default();
        // Entries in the order apply adds them: by event, each node's id
        // when its first event created it, then the names each event declared.
        let mut adds: Vec<(u32, u8, NodeIndex, u32, &str)> = Vec::new();
        for n in self.graph.node_indices() {
            let node = &self.graph[n];
            let first = node.events.first().copied().unwrap_or(0);
            adds.push((first, 0, n, NO_EVENT, node.id.as_str()));
            for d in &node.decls {
                for name in d.name.iter().chain(&d.aliases) {
                    adds.push((d.event, 1, n, d.event, name.as_str()));
                }
            }
        }
        // Stable: within one event, nodes and names keep their order.
        adds.sort_by_key(|a| (a.0, a.1));
        for (_, _, n, event, text) in adds {
            index.add(n, event, text);
        }
        index.rebuild_fst();
        index
    }
}
