//! Stable ids: UUIDv5 event ids over a record's lasting facts, entity id
//! slugs, and the crosswalk from source keys to strata ids.

use std::collections::HashMap;

use serde_json::Value;
use sha2::{Digest, Sha256};
use strata_core::EntityId;
use uuid::Uuid;

use crate::Error;

/// The namespace of every importer's event ids: UUIDv5 of
/// `strata:importer` in the URL namespace.
pub fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"strata:importer")
}

/// The event id of `key` in `source` (`csl`, `wikidata`, `gdelt`): the same
/// key always gives the same id. Keys are built from lasting facts only.
pub fn event_id(source: &str, key: &str) -> Uuid {
    Uuid::new_v5(&namespace(), format!("{source}|{key}").as_bytes())
}

/// A short hash (16 hex digits of SHA-256) of a JSON value as written: for
/// ids that change when a declaration's content changes.
pub fn content_hash(value: &Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The slug of a name: lowercase ASCII letters and digits, every other run
/// of characters one `-`, at most 80 characters (cut at a `-`). `None` when
/// nothing is left.
pub fn slug(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(fold) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.len() > 80 {
        let cut = out[..80].rfind('-').unwrap_or(80);
        out.truncate(cut);
    }
    (!out.is_empty()).then_some(out)
}

/// A few Latin letters with diacritics, folded to ASCII so that "Zürich"
/// gives `zurich`, not `z-rich`.
fn fold(c: char) -> impl Iterator<Item = char> {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        _ => "",
    };
    let single = if s.is_empty() { Some(c) } else { None };
    s.chars().chain(single)
}

/// Source keys mapped to strata entity ids: `csl:NAME` (as the file spells
/// it), `wikidata:QID`, `uscc:CODE`, `gdelt:ACTORCODE`.
#[derive(Debug, Clone, Default)]
pub struct Crosswalk {
    map: HashMap<String, EntityId>,
}

impl Crosswalk {
    /// Reads a crosswalk file: a JSON object `{"KEY": "entity-id"}`; keys
    /// starting with `$` (comments) are ignored.
    pub fn from_json(text: &str) -> Result<Crosswalk, Error> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| Error::Unreadable(format!("crosswalk: malformed JSON: {e}")))?;
        let Value::Object(obj) = value else {
            return Err(Error::Unreadable("crosswalk: expected a JSON object {\"KEY\": \"entity-id\"}".into()));
        };
        let mut map = HashMap::with_capacity(obj.len());
        for (k, v) in obj {
            if k.starts_with('$') {
                continue;
            }
            let Some(s) = v.as_str() else {
                return Err(Error::Unreadable(format!("crosswalk: the value of {k:?} is not a string")));
            };
            let id = EntityId::parse(s).map_err(|e| Error::Unreadable(format!("crosswalk: {k:?}: {e}")))?;
            map.insert(k, id);
        }
        Ok(Crosswalk { map })
    }

    /// The strata id of a source key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(EntityId::as_str)
    }

    /// How many keys it maps.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether it maps nothing.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_stable_under_punctuation_case_and_question_marks() {
        assert_eq!(slug("HUAWEI TECHNOLOGIES CO., LTD.").as_deref(), Some("huawei-technologies-co-ltd"));
        assert_eq!(slug("Xi?an Research Institute").as_deref(), Some("xi-an-research-institute"));
        assert_eq!(slug("Zürich").as_deref(), Some("zurich"));
        assert_eq!(slug(" -- ").as_deref(), None);
        let long = "word ".repeat(40);
        let s = slug(&long).unwrap_or_default();
        assert!(s.len() <= 80 && !s.ends_with('-'), "{s}");
    }

    #[test]
    fn event_ids_are_version_5_and_depend_only_on_the_key() {
        let a = event_id("csl", "ban|EL|su-bin|2014-08-01");
        assert_eq!(a.get_version_num(), 5);
        assert_eq!(a, event_id("csl", "ban|EL|su-bin|2014-08-01"));
        assert_ne!(a, event_id("csl", "ban|EL|su-bin|2014-08-02"));
    }

    #[test]
    fn a_crosswalk_refuses_an_id_that_is_not_a_slug() {
        assert!(Crosswalk::from_json(r#"{"csl:X": "Not A Slug"}"#).is_err());
        let c = Crosswalk::from_json(r#"{"$comment": "x", "wikidata:Q182477": "nvidia"}"#).unwrap_or_default();
        assert_eq!(c.get("wikidata:Q182477"), Some("nvidia"));
        assert_eq!(c.len(), 1);
    }
}
