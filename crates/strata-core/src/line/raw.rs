//! Reading an NDJSON line straight into its fields, without building a
//! `serde_json::Value` of the whole line first.
//!
//! The line must be accepted and refused exactly as `parse_value` of its
//! value would, with the same messages, so this follows what serde_json's
//! `Value` does:
//!
//! - every part of the line is still read by serde_json's parser, so a
//!   syntax error (or a number out of range, or nesting too deep) is found
//!   at the same place with the same message, and before any field is
//!   looked at;
//! - a string field is kept as a string (borrowed from the line when it has
//!   no escapes); any other value is built as the very `Value` serde_json
//!   would build (its own visitor, through serde's `MapAccessDeserializer`
//!   and `SeqAccessDeserializer`);
//! - a key given twice keeps its last value, as `Value`'s map does, and the
//!   first key that is not a field is the one reported, as `parse_value`
//!   finds it in the map's order (first occurrence);
//! - a line that is not an object is built as a `Value` whole and handed to
//!   `parse_value` for its message.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{Field, Fields};

/// A line as read: its fields, or, when it is not a JSON object, its value.
#[derive(Debug)]
pub(crate) enum RawLine<'a> {
    Fields(Box<Fields<'a>>),
    Other(Value),
}

/// A string, borrowed from the input when it can be.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The value of a field: a string kept as such, anything else as the
/// `Value` serde_json builds for it.
struct FieldSeed;

/// What `Value`'s own visitor does for each kind of JSON value, except that
/// a string stays a (borrowed) string.
struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Field::Val(Cow::Owned(Value::Bool(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Field::Val(Cow::Owned(Value::from(v))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Field::Val(Cow::Owned(Value::from(v))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Field::Val(Cow::Owned(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Owned(v)))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Val(Cow::Owned(Value::Null)))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Value::deserialize(d).map(|v| Field::Val(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Val(Cow::Owned(Value::Null)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(|v| Field::Val(Cow::Owned(v)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(|v| Field::Val(Cow::Owned(v)))
    }
}

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(FieldVisitor)
    }
}

/// The whole line: an object is read field by field; anything else is
/// built as a `Value`.
struct LineVisitor;

impl LineVisitor {
    fn other<'de, E>(v: Result<Field<'de>, E>) -> Result<RawLine<'de>, E> {
        v.map(|f| match f {
            Field::Str(s) => RawLine::Other(Value::String(s.into_owned())),
            Field::Val(v) => RawLine::Other(v.into_owned()),
        })
    }
}

impl<'de> Visitor<'de> for LineVisitor {
    type Value = RawLine<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::other(FieldVisitor.visit_bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::other(FieldVisitor.visit_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::other(FieldVisitor.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Self::other(FieldVisitor.visit_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(RawLine::Other(Value::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(RawLine::Other(Value::String(v)))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RawLine::Other(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Value::deserialize(d).map(RawLine::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RawLine::Other(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Self::other(FieldVisitor.visit_seq(seq))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Box::<Fields<'de>>::default();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match fields.slot(&key) {
                // A key given twice keeps its last value, as in `Value`'s map.
                Some(slot) => *slot = Some(map.next_value_seed(FieldSeed)?),
                None => {
                    // Read as `Value` reads it, so that what it holds is
                    // checked alike; only the first unknown key is named.
                    map.next_value::<Value>()?;
                    if fields.unknown.is_none() {
                        fields.unknown = Some(key);
                    }
                }
            }
        }
        Ok(RawLine::Fields(fields))
    }
}

impl<'de> Deserialize<'de> for RawLine<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LineVisitor)
    }
}
