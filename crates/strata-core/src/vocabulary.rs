//! The vocabulary: which event kinds exist, which relation each one opens,
//! closes or marks, and which entity types it allows on each side.
//!
//! It is data (`schema/vocabulary.json`), so a user adds a kind by editing a
//! file, not code. The built-in copy is compiled in; `Vocabulary::from_json`
//! loads another.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::{EntityType, Error};

/// The vocabulary shipped with strata (`schema/vocabulary.json`).
pub const BUILTIN_VOCABULARY: &str = include_str!("../../../schema/vocabulary.json");

/// What an event of a kind does to the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Creates or updates the subject entity's attributes.
    Declares,
    /// Opens a relation, visible from the event's date until a close.
    Opens,
    /// Closes the matching open relations from the event's date on.
    Closes,
    /// Marks a dated fact that stays true after its date.
    Marks,
    /// Withdraws the event named in `retracts`.
    Retracts,
    /// Makes the subject and the object one entity, the object's, from the
    /// event's recorded time on (`same_as`).
    Merges,
    /// Records that the subject and the object are different parties
    /// (`distinct_from`): they are never suggested as duplicates.
    Distinguishes,
}

impl Effect {
    fn parse(s: &str) -> Result<Effect, String> {
        Ok(match s {
            "declares" => Effect::Declares,
            "opens" => Effect::Opens,
            "closes" => Effect::Closes,
            "marks" => Effect::Marks,
            "retracts" => Effect::Retracts,
            "merges" => Effect::Merges,
            "distinguishes" => Effect::Distinguishes,
            other => {
                return Err(format!(
                "unknown effect {other:?}; expected declares, opens, closes, marks, retracts, merges or distinguishes"
            ))
            }
        })
    }

    /// The lowercase name used in the vocabulary file.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Declares => "declares",
            Effect::Opens => "opens",
            Effect::Closes => "closes",
            Effect::Marks => "marks",
            Effect::Retracts => "retracts",
            Effect::Merges => "merges",
            Effect::Distinguishes => "distinguishes",
        }
    }
}

/// Whether a kind takes an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectRule {
    /// The kind never has an object.
    None,
    /// The object must be given, of one of these types.
    Required(Vec<EntityType>),
    /// The object may be given, of one of these types.
    Optional(Vec<EntityType>),
}

/// One kind of event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSpec {
    /// The kind's name (`approval_granted`).
    pub kind: String,
    /// The relation it opens, closes or marks (`approved`).
    pub relation: Option<String>,
    /// What it does.
    pub effect: Effect,
    /// The entity types allowed as subject.
    pub subject: Vec<EntityType>,
    /// Whether an object is taken, and of which types.
    pub object: ObjectRule,
    /// The entity types allowed in `about`; empty means any.
    pub about: Vec<EntityType>,
    /// A sentence for people.
    pub description: String,
}

/// The set of event kinds a store accepts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    kinds: Arc<BTreeMap<String, KindSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVocabulary {
    #[serde(default, rename = "$comment")]
    _comment: Option<String>,
    version: u32,
    kinds: Vec<RawKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    kind: String,
    #[serde(default)]
    relation: Option<String>,
    effect: String,
    subject: Vec<String>,
    #[serde(default)]
    object: Option<Vec<String>>,
    #[serde(default)]
    object_optional: bool,
    #[serde(default)]
    about: Vec<String>,
    #[serde(default)]
    description: String,
}

fn types(list: &[String], kind: &str, side: &str) -> Result<Vec<EntityType>, Error> {
    list.iter()
        .map(|t| EntityType::parse(t).map_err(|e| Error::Vocabulary(format!("kind {kind:?}, {side}: {e}"))))
        .collect()
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Vocabulary {
    /// The vocabulary shipped with strata.
    pub fn builtin() -> Vocabulary {
        match Vocabulary::from_json(BUILTIN_VOCABULARY) {
            Ok(v) => v,
            // The built-in file is checked by a unit test; an empty vocabulary
            // refuses every event loudly rather than crashing.
            Err(_) => Vocabulary { kinds: Arc::new(BTreeMap::new()) },
        }
    }

    /// Reads a vocabulary from its JSON text (the format of `schema/vocabulary.json`).
    pub fn from_json(text: &str) -> Result<Vocabulary, Error> {
        let raw: RawVocabulary =
            serde_json::from_str(text).map_err(|e| Error::Vocabulary(format!("not a vocabulary file: {e}")))?;
        if raw.version != 1 {
            return Err(Error::Vocabulary(format!("version {} is not supported (expected 1)", raw.version)));
        }
        let mut kinds = BTreeMap::new();
        for k in raw.kinds {
            let name = k.kind.clone();
            if !is_name(&name) {
                return Err(Error::Vocabulary(format!("kind {name:?}: names are snake_case [a-z][a-z0-9_]*")));
            }
            let effect = Effect::parse(&k.effect).map_err(|e| Error::Vocabulary(format!("kind {name:?}: {e}")))?;
            let subject = types(&k.subject, &name, "subject")?;
            if subject.is_empty() {
                return Err(Error::Vocabulary(format!("kind {name:?}: subject must allow at least one type")));
            }
            let object = match (k.object, k.object_optional) {
                (None, _) => ObjectRule::None,
                (Some(list), optional) => {
                    let t = types(&list, &name, "object")?;
                    if t.is_empty() {
                        return Err(Error::Vocabulary(format!(
                            "kind {name:?}: object lists no type; leave it out instead"
                        )));
                    }
                    if optional {
                        ObjectRule::Optional(t)
                    } else {
                        ObjectRule::Required(t)
                    }
                }
            };
            let about = types(&k.about, &name, "about")?;
            let needs_relation = matches!(effect, Effect::Opens | Effect::Closes | Effect::Marks);
            match (&k.relation, needs_relation) {
                (None, true) => {
                    return Err(Error::Vocabulary(format!(
                        "kind {name:?}: effect {} needs a relation",
                        effect.as_str()
                    )))
                }
                (Some(_), false) => {
                    return Err(Error::Vocabulary(format!(
                        "kind {name:?}: effect {} takes no relation",
                        effect.as_str()
                    )))
                }
                (Some(r), true) if !is_name(r) => {
                    return Err(Error::Vocabulary(format!("kind {name:?}: relation {r:?} is not snake_case")))
                }
                _ => {}
            }
            if effect == Effect::Retracts && object != ObjectRule::None {
                return Err(Error::Vocabulary(format!("kind {name:?}: a retraction takes no object")));
            }
            if matches!(effect, Effect::Merges | Effect::Distinguishes) && !matches!(object, ObjectRule::Required(_)) {
                return Err(Error::Vocabulary(format!(
                    "kind {name:?}: effect {} needs an object (the other id), not optional",
                    effect.as_str()
                )));
            }
            let spec = KindSpec {
                kind: name.clone(),
                relation: k.relation,
                effect,
                subject,
                object,
                about,
                description: k.description,
            };
            if kinds.insert(name.clone(), spec).is_some() {
                return Err(Error::Vocabulary(format!("kind {name:?} is listed twice")));
            }
        }
        // A relation is either opened-and-closed or marked, never both, and
        // every close has an opener to close.
        let mut by_relation: BTreeMap<&str, Vec<Effect>> = BTreeMap::new();
        for spec in kinds.values() {
            if let Some(r) = &spec.relation {
                by_relation.entry(r.as_str()).or_default().push(spec.effect);
            }
        }
        for (rel, effects) in &by_relation {
            let marks = effects.contains(&Effect::Marks);
            let opens = effects.contains(&Effect::Opens);
            let closes = effects.contains(&Effect::Closes);
            if marks && (opens || closes) {
                return Err(Error::Vocabulary(format!(
                    "relation {rel:?} is both marked and opened/closed; a marking relation cannot be closed"
                )));
            }
            if closes && !opens {
                return Err(Error::Vocabulary(format!("relation {rel:?} has a closing kind but no opening kind")));
            }
        }
        if !kinds.values().any(|k| k.effect == Effect::Declares) {
            return Err(Error::Vocabulary("no kind declares entities (effect \"declares\")".into()));
        }
        Ok(Vocabulary { kinds: Arc::new(kinds) })
    }

    /// The spec of a kind, if the vocabulary has it.
    pub fn get(&self, kind: &str) -> Option<&KindSpec> {
        self.kinds.get(kind)
    }

    /// All kinds, by name.
    pub fn kinds(&self) -> impl Iterator<Item = &KindSpec> {
        self.kinds.values()
    }

    /// The names of all relations, sorted.
    pub fn relations(&self) -> Vec<&str> {
        let mut r: Vec<&str> = self.kinds.values().filter_map(|k| k.relation.as_deref()).collect();
        r.sort_unstable();
        r.dedup();
        r
    }

    /// The kinds' names, comma-separated, for error messages.
    pub fn kind_list(&self) -> String {
        self.kinds.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_and_has_the_spec_kinds() {
        let v = Vocabulary::from_json(BUILTIN_VOCABULARY).expect("the built-in vocabulary must load");
        let expect = [
            ("entity_declared", None, Effect::Declares),
            ("approval_granted", Some("approved"), Effect::Opens),
            ("approval_revoked", Some("approved"), Effect::Closes),
            ("ban_imposed", Some("bans"), Effect::Opens),
            ("ban_lifted", Some("bans"), Effect::Closes),
            ("license_granted", Some("licensed"), Effect::Opens),
            ("license_revoked", Some("licensed"), Effect::Closes),
            ("membership_began", Some("member_of"), Effect::Opens),
            ("membership_ended", Some("member_of"), Effect::Closes),
            ("letter_sent", Some("wrote_to"), Effect::Marks),
            ("order_placed", Some("ordered"), Effect::Marks),
            ("statement_made", Some("stated"), Effect::Marks),
            ("role_assumed", Some("holds_role"), Effect::Opens),
            ("role_ended", Some("holds_role"), Effect::Closes),
            ("investment_made", Some("invested_in"), Effect::Opens),
            ("product_announced", Some("makes"), Effect::Opens),
            ("agreement_signed", Some("agreed_with"), Effect::Marks),
            ("event_retracted", None, Effect::Retracts),
            ("same_as", None, Effect::Merges),
            ("distinct_from", None, Effect::Distinguishes),
        ];
        for (kind, rel, effect) in expect {
            let spec = v.get(kind).unwrap_or_else(|| panic!("missing kind {kind}"));
            assert_eq!(spec.relation.as_deref(), rel, "{kind}");
            assert_eq!(spec.effect, effect, "{kind}");
        }
        let approval = v.get("approval_granted").unwrap();
        assert_eq!(approval.subject, vec![EntityType::Agency]);
        assert_eq!(approval.object, ObjectRule::Required(vec![EntityType::Actor]));
    }

    #[test]
    fn a_user_can_add_a_kind_as_data() {
        let text = r#"{"version":1,"kinds":[
            {"kind":"entity_declared","effect":"declares","subject":["actor","agency","chip"]},
            {"kind":"visit_made","relation":"visited","effect":"marks","subject":["actor"],"object":["agency"]}
        ]}"#;
        let v = Vocabulary::from_json(text).unwrap();
        assert_eq!(v.get("visit_made").and_then(|k| k.relation.as_deref()), Some("visited"));
    }

    #[test]
    fn bad_vocabularies_are_refused_with_a_reason() {
        let decl = r#"{"kind":"entity_declared","effect":"declares","subject":["actor"]}"#;
        let cases = [
            (
                format!(
                    r#"{{"version":1,"kinds":[{decl},{{"kind":"x_closed","relation":"x","effect":"closes","subject":["actor"],"object":["actor"]}}]}}"#
                ),
                "no opening kind",
            ),
            (
                format!(r#"{{"version":1,"kinds":[{decl},{{"kind":"x","effect":"opens","subject":["actor"]}}]}}"#),
                "needs a relation",
            ),
            (
                format!(
                    r#"{{"version":1,"kinds":[{decl},{{"kind":"x","relation":"r","effect":"opens","subject":["robot"]}}]}}"#
                ),
                "unknown entity type",
            ),
            (format!(r#"{{"version":2,"kinds":[{decl}]}}"#), "version 2"),
            (r#"{"version":1,"kinds":[]}"#.to_string(), "no kind declares"),
            (format!(r#"{{"version":1,"kinds":[{decl},{decl}]}}"#), "listed twice"),
            (
                format!(
                    r#"{{"version":1,"kinds":[{decl},{{"kind":"a","relation":"r","effect":"marks","subject":["actor"]}},{{"kind":"b","relation":"r","effect":"opens","subject":["actor"]}}]}}"#
                ),
                "both marked",
            ),
        ];
        for (text, want) in cases {
            let e = Vocabulary::from_json(&text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
