//! The mutation root: append a batch of events, retract one.
//!
//! Inputs are turned into the JSON of an NDJSON line and handed to the
//! engine, so a mutation is checked exactly as an import is and refused with
//! the same messages (naming `events[i]` instead of a line number).

use std::sync::Arc;

use async_graphql::{Context, InputObject, Json, Object, SimpleObject, ID};
use serde_json::{Map, Value};
use strata_core::{EntityDecl, EntityRef, RecordedEvent, ValidTime};
use strata_engine::Engine;

use crate::context::{engine, request_data};
use crate::enums::{ClaimStatus, EntityType};
use crate::error::Error;
use crate::query::{entity_id, event_id};
use crate::types::Event;
use crate::SchemaConfig;

/// One event to append: the fields of an NDJSON line (schema/README.md, "Events").
#[derive(InputObject, Debug, Clone)]
pub struct EventInput {
    /// A UUID; appending an id already stored with the same content is a
    /// no-op. Omitted: the store assigns a UUIDv7.
    pub id: Option<ID>,
    /// A kind from the vocabulary.
    pub kind: String,
    /// Valid time: `YYYY-MM-DD`, `YYYY-MM`, `YYYY-Qn`, `YYYY` or RFC 3339.
    pub at: String,
    /// Who or what the event is about first.
    pub subject: EntityRefInput,
    /// The other side of its relation, if its kind takes one.
    pub object: Option<EntityRefInput>,
    /// What it concerns (usually chips).
    pub about: Option<Vec<EntityRefInput>>,
    /// A JSON object: quantities, conditions, quotes, status.
    pub attrs: Option<Json<Value>>,
    /// Where the claim comes from.
    pub source: Option<SourceInput>,
    /// How firm the claim is; `REPORTED` when omitted.
    pub status: Option<ClaimStatus>,
    /// Ids of earlier events (stored, or earlier in this batch) that this one contradicts.
    pub disputes: Option<Vec<ID>>,
    /// For `event_retracted`: the id of the event it withdraws.
    pub retracts: Option<ID>,
    /// The encoder's remark (why a date is coarse, what the source left
    /// open): not a claim, never compared by `disagreements`.
    pub note: Option<String>,
}

/// A reference to an entity: `{id}` for a known one, or `{id, type, name,
/// attrs}` to declare (or update) it inline.
#[derive(InputObject, Debug, Clone)]
pub struct EntityRefInput {
    /// Its id, a lowercase slug.
    pub id: ID,
    /// Its type; required when the entity is new.
    #[graphql(name = "type")]
    pub entity_type: Option<EntityType>,
    /// A display name.
    pub name: Option<String>,
    /// Other names it goes by ("HUAWEI TECHNOLOGIES CO., LTD.", "华为"); they
    /// add to its names from this declaration on.
    pub aliases: Option<Vec<String>>,
    /// Further attributes (a JSON object), merged over earlier ones.
    pub attrs: Option<Json<Value>>,
}

/// Where a claim comes from.
#[derive(InputObject, Debug, Clone, Default)]
pub struct SourceInput {
    /// Who published it.
    pub publisher: Option<String>,
    /// Where to read it.
    pub url: Option<String>,
    /// The title of the article.
    pub title: Option<String>,
    /// When it was published (any valid-time precision).
    pub published: Option<String>,
    /// The outlet that first reported what this publisher relays (an
    /// article citing Reuters: `Reuters`).
    pub via: Option<String>,
}

impl EntityRefInput {
    /// The reference as a line gives it: the id alone, or an inline declaration.
    fn to_value(&self) -> Value {
        if self.entity_type.is_none() && self.name.is_none() && self.aliases.is_none() && self.attrs.is_none() {
            return Value::String(self.id.to_string());
        }
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.id.to_string()));
        if let Some(t) = self.entity_type {
            m.insert("type".into(), Value::String(strata_core::EntityType::from(t).as_str().into()));
        }
        if let Some(n) = &self.name {
            m.insert("name".into(), Value::String(n.clone()));
        }
        if let Some(aliases) = &self.aliases {
            m.insert("aliases".into(), Value::Array(aliases.iter().cloned().map(Value::String).collect()));
        }
        if let Some(Json(a)) = &self.attrs {
            m.insert("attrs".into(), a.clone());
        }
        Value::Object(m)
    }

    /// The reference as the engine's `retract` takes it.
    fn to_ref(&self, argument: &str) -> Result<EntityRef, Error> {
        let id = entity_id(&format!("{argument}.id"), &self.id)?;
        let attrs = match &self.attrs {
            None => Map::new(),
            Some(Json(Value::Object(m))) => m.clone(),
            Some(_) => return Err(Error::arg(format!("{argument}.attrs"), "expected a JSON object")),
        };
        if self.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(Error::arg(format!("{argument}.name"), "cannot be blank"));
        }
        let aliases = self.aliases.clone().unwrap_or_default();
        if let Some(i) = aliases.iter().position(|a| a.trim().is_empty()) {
            return Err(Error::arg(format!("{argument}.aliases[{i}]"), "cannot be blank"));
        }
        let decl = (self.entity_type.is_some() || self.name.is_some() || !aliases.is_empty() || !attrs.is_empty())
            .then(|| EntityDecl {
                entity_type: self.entity_type.map(Into::into),
                name: self.name.clone(),
                aliases,
                attrs,
            });
        Ok(EntityRef { id, decl })
    }
}

impl SourceInput {
    fn to_value(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("publisher", &self.publisher),
            ("url", &self.url),
            ("title", &self.title),
            ("published", &self.published),
            ("via", &self.via),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), Value::String(v.clone()));
            }
        }
        Value::Object(m)
    }

    fn to_source(&self, argument: &str) -> Result<Option<strata_core::Source>, Error> {
        if let Some(p) = &self.published {
            ValidTime::parse(p).map_err(|e| Error::arg(format!("{argument}.published"), e))?;
        }
        let s = strata_core::Source {
            publisher: self.publisher.clone(),
            url: self.url.clone(),
            title: self.title.clone(),
            published: self.published.clone(),
            via: self.via.clone(),
        };
        Ok((s != strata_core::Source::default()).then_some(s))
    }
}

impl EventInput {
    /// The event as an NDJSON line holds it.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(id) = &self.id {
            m.insert("id".into(), Value::String(id.to_string()));
        }
        m.insert("kind".into(), Value::String(self.kind.clone()));
        m.insert("at".into(), Value::String(self.at.clone()));
        m.insert("subject".into(), self.subject.to_value());
        if let Some(o) = &self.object {
            m.insert("object".into(), o.to_value());
        }
        if let Some(about) = &self.about {
            m.insert("about".into(), Value::Array(about.iter().map(EntityRefInput::to_value).collect()));
        }
        if let Some(Json(a)) = &self.attrs {
            m.insert("attrs".into(), a.clone());
        }
        if let Some(s) = &self.source {
            m.insert("source".into(), s.to_value());
        }
        if let Some(st) = self.status {
            m.insert("status".into(), Value::String(strata_core::ClaimStatus::from(st).as_str().into()));
        }
        if let Some(d) = &self.disputes {
            m.insert("disputes".into(), Value::Array(d.iter().map(|id| Value::String(id.to_string())).collect()));
        }
        if let Some(r) = &self.retracts {
            m.insert("retracts".into(), Value::String(r.to_string()));
        }
        if let Some(n) = &self.note {
            m.insert("note".into(), Value::String(n.clone()));
        }
        Value::Object(m)
    }
}

/// What an append did.
#[derive(SimpleObject)]
pub struct AppendResult {
    /// The log's last position after the append.
    pub position: u64,
    /// How many events were new (the others were retries of stored ones).
    pub appended: u64,
    /// Every event of the batch as the log holds it, in batch order.
    pub events: Vec<Event>,
}

/// Runs a write on tokio's blocking pool when there is a runtime: appends
/// wait for the disk, and an executor thread should not.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.spawn_blocking(f).await.map_err(Error::internal),
        Err(_) => Ok(f()),
    }
}

fn writable<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Engine>, Error> {
    if ctx.data_opt::<SchemaConfig>().is_some_and(|c| c.read_only) {
        return Err(Error::ReadOnly);
    }
    engine(ctx)
}

/// Events as the log holds them, seen with everything recorded up to now
/// (the request's snapshot predates them).
fn recorded(engine: &Engine, events: Vec<RecordedEvent>) -> Vec<Event> {
    let cap = request_data(engine);
    events.into_iter().map(|rec| Event { rec: Arc::new(rec), known: cap.known_at(), cap }).collect()
}

/// The root of every write.
#[derive(Debug, Clone, Copy, Default)]
pub struct MutationRoot;

/// Writes: the only way facts enter strata is as events.
#[Object(name = "Mutation")]
impl MutationRoot {
    /// Appends a batch of events atomically: all are stored or none is. With
    /// `expectedPosition`, the append is refused (`CONFLICT`) unless the log
    /// is at that position.
    async fn append_events(
        &self,
        ctx: &Context<'_>,
        events: Vec<EventInput>,
        expected_position: Option<i64>,
    ) -> Result<AppendResult, Error> {
        let engine = writable(ctx)?.clone();
        let expected = expected_position
            .map(|p| {
                u64::try_from(p)
                    .map_err(|_| Error::arg("expectedPosition", format!("positions are not negative, not {p}")))
            })
            .transpose()?;
        let values: Vec<Value> = events.iter().map(EventInput::to_value).collect();
        let writer = engine.clone();
        let outcome = blocking(move || writer.append_values(&values, expected)).await??;
        Ok(AppendResult {
            position: outcome.position,
            appended: outcome.appended as u64,
            events: recorded(&engine, outcome.events),
        })
    }

    /// Withdraws an event from every read whose `knownAt` is at or after
    /// now, by appending an `event_retracted` dated today, by `by` (default:
    /// the actor `analyst`), with the reason in its attrs. Returns the retraction.
    async fn retract_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        by: Option<EntityRefInput>,
        source: Option<SourceInput>,
    ) -> Result<Event, Error> {
        let engine = writable(ctx)?.clone();
        let id = event_id("id", &id)?;
        if reason.trim().is_empty() {
            return Err(Error::arg("reason", "cannot be blank: say why the event is withdrawn"));
        }
        let by = by.map(|b| b.to_ref("by")).transpose()?;
        let source = source.map(|s| s.to_source("source")).transpose()?.flatten();
        let writer = engine.clone();
        let rec = blocking(move || writer.retract(id, &reason, by, source)).await??;
        recorded(&engine, vec![rec]).pop().ok_or_else(|| Error::internal("a retraction vanished"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entity(id: &str) -> EntityRefInput {
        EntityRefInput { id: ID(id.into()), entity_type: None, name: None, aliases: None, attrs: None }
    }

    #[test]
    fn inputs_become_ndjson_lines() {
        let input = EventInput {
            id: None,
            kind: "approval_granted".into(),
            at: "2026-01-28".into(),
            subject: entity("cn-miit"),
            object: Some(EntityRefInput {
                entity_type: Some(EntityType::Actor),
                name: Some("ByteDance".into()),
                attrs: Some(Json(json!({"country": "CN"}))),
                ..entity("bytedance")
            }),
            about: Some(vec![entity("nvidia-h200")]),
            attrs: None,
            source: Some(SourceInput {
                publisher: Some("DatacenterDynamics".into()),
                via: Some("Reuters".into()),
                ..SourceInput::default()
            }),
            status: Some(ClaimStatus::Expected),
            disputes: Some(vec![ID("0190f3a2-7b1c-7cc0-8a01-9d2b1c3e4f50".into())]),
            retracts: None,
            note: Some("no day given".into()),
        };
        assert_eq!(
            input.to_value(),
            json!({"kind": "approval_granted", "at": "2026-01-28", "subject": "cn-miit",
                   "object": {"id": "bytedance", "type": "actor", "name": "ByteDance", "attrs": {"country": "CN"}},
                   "about": ["nvidia-h200"], "source": {"publisher": "DatacenterDynamics", "via": "Reuters"},
                   "status": "expected", "disputes": ["0190f3a2-7b1c-7cc0-8a01-9d2b1c3e4f50"],
                   "note": "no day given"})
        );
    }

    #[test]
    fn retraction_arguments_are_checked() {
        let by = EntityRefInput { name: Some(" ".into()), ..entity("analyst") };
        assert!(matches!(by.to_ref("by"), Err(Error::BadArgument { argument, .. }) if argument == "by.name"));
        assert!(
            matches!(entity("Analyst").to_ref("by"), Err(Error::BadArgument { argument, .. }) if argument == "by.id")
        );
        assert_eq!(entity("analyst").to_ref("by").ok().and_then(|r| r.decl), None);
        let source = SourceInput { published: Some("someday".into()), ..SourceInput::default() };
        assert!(
            matches!(source.to_source("source"), Err(Error::BadArgument { argument, .. }) if argument == "source.published")
        );
        assert_eq!(SourceInput::default().to_source("source").ok(), Some(None));
    }
}
