//! The name index: every name, alias and id of every entity as tokens
//! (`normalize.rs`), a dictionary of the distinct tokens in an `fst` map
//! searched with Levenshtein automata, and for each token the names that
//! have it; beside them, each name's initials and its words written as
//! one, by the entries that are so written.
//!
//! The index is a projection of the log like the graph: `Projection::apply`
//! adds the names of each declaration, so it is the same on every node at
//! the same position, and a checkpoint keeps it (the entries with their
//! tokens, the map's bytes, the initials and joined words: what loading
//! needs without cutting a single name into tokens again; the dictionary
//! and the postings are read back from them). An `fst` is immutable, so
//! the tokens added since it was last built are kept in a short tail,
//! searched with the same automata one by one; the map is rebuilt once the
//! tail grows past a quarter of it, so building costs O(n) over a whole
//! log. Where a token sits (map or tail) changes no answer: the tokens a
//! prefix stands for are taken in text order either way.

use std::borrow::Cow;

use fst::automaton::{Levenshtein, Str};
use fst::{Automaton, IntoStreamer, Streamer};
use petgraph::stable_graph::NodeIndex;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::normalize::analyse;
use crate::projection::Ix;

/// The most tokens a prefix may stand for: the first in text order among
/// those a name counted by the read has (the rest are not tried).
const PREFIX_EXPANSIONS: usize = 64;

/// A token a query word reaches by a few edits or as its beginning counts
/// its Jaro-Winkler likeness times this: well below the word itself, so a
/// name that has the query's word exactly, among five others, ranks above
/// a one-word name that has it misspelt ("KATINA" finds "KATINA ... ZA
/// NEKRETNINE I UGOSTITELJSTVO" before "KALIA"). Measured on the CSL cuts
/// (names benchmark, recall@5 on the three sets): 0.95 gave 0.842, 0.803
/// and 0.834; 0.8 gives 0.847, 0.813 and 0.835, 0.7 0.846, 0.813 and
/// 0.837, 0.6 no more. The likeness squared (times 0.95) gave 0.846, 0.809
/// and 0.838, and cubed lost transliterations ("ESMAEL" for "ISMAIL").
const FUZZY_SHARE: f32 = 0.7;

/// One name of one entity: its id, or a name or alias a declaration gave.
pub(crate) struct NameEntry {
    pub node: NodeIndex,
    /// The declaring event (`crate::projection::NO_EVENT` for the id).
    pub event: Ix,
    /// The name as given.
    pub text: Box<str>,
    /// Its tokens, as dictionary ids.
    pub tokens: SmallVec<[u32; 4]>,
}

/// A dictionary token a query token reached, and how alike they are (1 for the same).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reach {
    pub token: u32,
    pub sim: f32,
}

/// Names by a key their text gives (initials, words written as one).
pub(crate) type Keyed = FxHashMap<Box<str>, Vec<u32>>;

/// Adds `entry` to the list of `key` (allocating the key only when new).
fn add_to(map: &mut Keyed, key: String, entry: u32) {
    match map.get_mut(key.as_str()) {
        Some(list) => list.push(entry),
        None => {
            map.insert(key.into_boxed_str(), vec![entry]);
        }
    }
}

/// Names by token.
#[derive(Default)]
pub(crate) struct NameIndex {
    pub entries: Vec<NameEntry>,
    words: Vec<Box<str>>,
    word_ix: FxHashMap<Box<str>, u32>,
    /// For each token, the entries that have it, ascending.
    postings: Vec<Vec<u32>>,
    /// The tokens with ids below `in_fst`, by text.
    fst: Option<fst::Map<Vec<u8>>>,
    in_fst: u32,
    /// Names by their initials ("bim" for "Bank of Industry and Mine").
    initials: Keyed,
    /// Names of two to four words by those words written as one.
    joined: Keyed,
}

impl NameIndex {
    /// Adds one name of `node`.
    pub(crate) fn add(&mut self, node: NodeIndex, event: Ix, text: &str) {
        let entry = self.entries.len() as u32;
        let mut ids: SmallVec<[u32; 4]> = SmallVec::new();
        let analysed = analyse(text);
        for t in analysed.tokens {
            let id = match self.word_ix.get(t.as_str()) {
                Some(&id) => id,
                None => {
                    let id = self.words.len() as u32;
                    let word: Box<str> = t.into_boxed_str();
                    self.words.push(word.clone());
                    self.word_ix.insert(word, id);
                    self.postings.push(Vec::new());
                    id
                }
            };
            if let Some(p) = self.postings.get_mut(id as usize) {
                p.push(entry);
            }
            ids.push(id);
        }
        // An id is not written other ways: only names get initials and joined words.
        if event != crate::projection::NO_EVENT {
            for k in analysed.initials {
                add_to(&mut self.initials, k, entry);
            }
            if let Some(k) = analysed.joined {
                add_to(&mut self.joined, k, entry);
            }
        }
        self.entries.push(NameEntry { node, event, text: text.into(), tokens: ids });
        let tail = self.words.len() as u32 - self.in_fst;
        if tail > 4096.max(self.in_fst / 4) {
            self.rebuild_fst();
        }
    }

    /// Builds the map over every token (after many were added, or after a load).
    pub(crate) fn rebuild_fst(&mut self) {
        if let Some(map) = self.build_map() {
            self.fst = Some(map);
            self.in_fst = self.words.len() as u32;
        }
    }

    /// A map over every token, from each to its id.
    fn build_map(&self) -> Option<fst::Map<Vec<u8>>> {
        let mut sorted: Vec<(&str, u64)> = self.words.iter().enumerate().map(|(i, w)| (w.as_ref(), i as u64)).collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        // Sorted and distinct (the dictionary holds each token once), so this cannot fail.
        fst::Map::from_iter(sorted).ok()
    }

    /// The map over every token as bytes, for a checkpoint: the index's
    /// own when it holds them all, else one built afresh, so the bytes do
    /// not depend on when the map was last rebuilt.
    pub(crate) fn map_bytes(&self) -> Cow<'_, [u8]> {
        match &self.fst {
            Some(map) if self.in_fst as usize == self.words.len() => Cow::Borrowed(map.as_fst().as_bytes()),
            _ => Cow::Owned(self.build_map().map(|m| m.into_fst().into_inner()).unwrap_or_default()),
        }
    }

    /// The names by initials, then by joined words, each in key order.
    pub(crate) fn keyed(&self) -> [Vec<(&str, &[u32])>; 2] {
        [&self.initials, &self.joined].map(|map| {
            let mut keyed: Vec<(&str, &[u32])> = map.iter().map(|(k, v)| (k.as_ref(), v.as_slice())).collect();
            keyed.sort_unstable_by(|a, b| a.0.cmp(b.0));
            keyed
        })
    }

    /// The index a checkpoint kept: its entries (whose nodes and events the
    /// caller checked), the bytes of [`NameIndex::map_bytes`] and the names
    /// by initials and by joined words. The dictionary is read back from
    /// the map and the postings from the entries' tokens; no name is cut
    /// into tokens again. Why not, when the parts do not fit together.
    pub(crate) fn from_parts(
        entries: Vec<NameEntry>,
        map: Vec<u8>,
        initials: Keyed,
        joined: Keyed,
    ) -> Result<NameIndex, String> {
        let map = fst::Map::new(map).map_err(|e| format!("the name map does not read: {e}"))?;
        // The checksum first: a map is only walked once its bytes are whole.
        map.as_fst().verify().map_err(|e| format!("the name map does not read: {e}"))?;
        let n_words = map.len();
        // Every token takes at least a byte of the map.
        if n_words > map.as_fst().as_bytes().len() {
            return Err("the name map counts more tokens than it can hold".into());
        }
        let mut words: Vec<Option<Box<str>>> = vec![None; n_words];
        let mut stream = map.stream();
        while let Some((key, id)) = stream.next() {
            let slot = words.get_mut(id as usize).ok_or("a token's id is out of range")?;
            let word = std::str::from_utf8(key).map_err(|_| "a token is not UTF-8")?;
            if slot.replace(word.into()).is_some() {
                return Err("two tokens have one id".into());
            }
        }
        let words: Vec<Box<str>> = words.into_iter().collect::<Option<_>>().ok_or("a token id has no token")?;
        let mut word_ix = FxHashMap::with_capacity_and_hasher(n_words, Default::default());
        for (id, w) in words.iter().enumerate() {
            word_ix.insert(w.clone(), id as u32);
        }
        let mut postings: Vec<Vec<u32>> = vec![Vec::new(); n_words];
        for (e, entry) in entries.iter().enumerate() {
            for &t in &entry.tokens {
                postings.get_mut(t as usize).ok_or("a name's token is out of range")?.push(e as u32);
            }
        }
        let n_entries = entries.len();
        if [&initials, &joined].iter().any(|m| m.values().flatten().any(|&e| e as usize >= n_entries)) {
            return Err("a name by initials or joined words is out of range".into());
        }
        let in_fst = n_words as u32;
        Ok(NameIndex { entries, words, word_ix, postings, fst: Some(map), in_fst, initials, joined })
    }

    /// How many names have this token.
    pub(crate) fn df(&self, token: u32) -> usize {
        self.postings.get(token as usize).map_or(0, Vec::len)
    }

    /// The entries that have this token.
    pub(crate) fn postings(&self, token: u32) -> &[u32] {
        self.postings.get(token as usize).map_or(&[], Vec::as_slice)
    }

    /// The entries whose initials are `key`.
    pub(crate) fn by_initials(&self, key: &str) -> &[u32] {
        self.initials.get(key).map_or(&[], Vec::as_slice)
    }

    /// The entries whose words written as one are `key`.
    pub(crate) fn by_joined(&self, key: &str) -> &[u32] {
        self.joined.get(key).map_or(&[], Vec::as_slice)
    }

    /// The token with this id.
    pub(crate) fn text(&self, token: u32) -> Option<&str> {
        self.words.get(token as usize).map(AsRef::as_ref)
    }

    /// The token's id, if the dictionary has it.
    pub(crate) fn word(&self, text: &str) -> Option<u32> {
        self.word_ix.get(text).copied()
    }

    /// The dictionary tokens `aut` matches and `counts` keeps, at most
    /// `limit` of them, the first in text order: from the map (in text
    /// order) and the tail, whichever holds them.
    fn matching<A: Automaton>(&self, aut: A, limit: usize, counts: &mut impl FnMut(u32) -> bool, out: &mut Vec<u32>) {
        let mut found: Vec<u32> = Vec::new();
        if let Some(map) = &self.fst {
            let mut stream = map.search(&aut).into_stream();
            while let Some((_, id)) = stream.next() {
                if found.len() >= limit {
                    break;
                }
                if counts(id as u32) {
                    found.push(id as u32);
                }
            }
        }
        let from_map = found.len();
        for (i, w) in self.words.iter().enumerate().skip(self.in_fst as usize) {
            let mut state = aut.start();
            for &b in w.as_bytes() {
                if !aut.can_match(&state) {
                    break;
                }
                state = aut.accept(&state, b);
            }
            if aut.is_match(&state) && counts(i as u32) {
                found.push(i as u32);
            }
        }
        if found.len() > from_map {
            let text = |id: &u32| self.words.get(*id as usize).map_or("", |w| w.as_ref());
            found.sort_unstable_by(|a, b| text(a).cmp(text(b)));
            found.truncate(limit);
        }
        out.extend(found);
    }

    /// The dictionary tokens that begin with `prefix` and `counts` keeps,
    /// at most `limit` of them, the first in text order.
    pub(crate) fn beginning_with(&self, prefix: &str, limit: usize, mut counts: impl FnMut(u32) -> bool) -> Vec<u32> {
        let mut found = Vec::new();
        self.matching(Str::new(prefix).starts_with(), limit, &mut counts, &mut found);
        found
    }

    /// The dictionary tokens a query token reaches: itself, those within a
    /// small edit distance (one edit from 4 characters, two from 6: a swap of two letters is two edits), and
    /// those it begins (from 3 characters), each with its likeness. Only
    /// tokens `counts` keeps (those of names the read counts) use up the
    /// cap on the tokens a prefix stands for, so a name recorded later
    /// changes no earlier read.
    pub(crate) fn reach(&self, q: &str, mut counts: impl FnMut(u32) -> bool) -> Vec<Reach> {
        let mut out: Vec<Reach> = Vec::new();
        if let Some(id) = self.word(q) {
            out.push(Reach { token: id, sim: 1.0 });
        }
        let chars = q.chars().count();
        let mut found: Vec<u32> = Vec::new();
        if chars >= 4 {
            let distance = if chars >= 6 { 2 } else { 1 };
            if let Ok(aut) = Levenshtein::new(q, distance) {
                self.matching(aut, usize::MAX, &mut |_| true, &mut found);
            }
        }
        if chars >= 3 {
            self.matching(Str::new(q).starts_with(), PREFIX_EXPANSIONS, &mut counts, &mut found);
        }
        for id in found {
            if out.iter().any(|r| r.token == id) {
                continue;
            }
            let Some(w) = self.words.get(id as usize) else { continue };
            // Well below the same token, however alike.
            let sim = (strsim::jaro_winkler(q, w) as f32) * FUZZY_SHARE;
            out.push(Reach { token: id, sim });
        }
        out
    }
}
