//! What the generator does with each kind of the vocabulary: which classes of
//! entity it links, how often, with what `about` and attributes.
//!
//! The plans are derived from the vocabulary (so every kind it has is
//! generated, and only with entity types it allows); a table of hints for the
//! built-in kinds narrows the types to realistic classes (people take roles,
//! companies make chips) and sets their shares.

use strata_core::{Effect, EntityType, ObjectRule, Vocabulary};

use crate::Error;

/// A finer kind of entity than its type: what the generator names and links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Company,
    Person,
    Investor,
    Agency,
    Chip,
}

impl Class {
    pub(crate) const ALL: [Class; 5] = [Class::Company, Class::Person, Class::Investor, Class::Agency, Class::Chip];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn entity_type(self) -> EntityType {
        match self {
            Class::Company | Class::Person | Class::Investor => EntityType::Actor,
            Class::Agency => EntityType::Agency,
            Class::Chip => EntityType::Chip,
        }
    }

    /// Per million: how often a pick of this class introduces a new entity
    /// rather than reusing one. Few agencies, many companies and people;
    /// these shares give about one entity per ten events.
    pub(crate) fn new_ppm(self) -> u32 {
        match self {
            Class::Company => 60_000,
            Class::Person => 80_000,
            Class::Investor => 50_000,
            Class::Agency => 15_000,
            Class::Chip => 35_000,
        }
    }
}

/// Which attributes an event of a kind carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attrs {
    None,
    Quantity,
    Quote,
    Role,
    Amount,
    Directive,
    ChipUse,
}

/// How the generator produces one kind.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) kind: String,
    pub(crate) effect: Effect,
    /// Index into the vocabulary's relation names.
    pub(crate) relation: usize,
    pub(crate) subject: Vec<Class>,
    pub(crate) object: Vec<Class>,
    /// Per million: how often an optional object is given.
    pub(crate) object_ppm: u32,
    pub(crate) about: Vec<Class>,
    pub(crate) about_ppm: u32,
    /// Relative share among relation events.
    pub(crate) weight: u64,
    pub(crate) attrs: Attrs,
}

struct Hint {
    subject: &'static [Class],
    object: &'static [Class],
    about: &'static [Class],
    about_ppm: u32,
    weight: u64,
    attrs: Attrs,
}

const fn hint(
    subject: &'static [Class],
    object: &'static [Class],
    about: &'static [Class],
    about_ppm: u32,
    weight: u64,
    attrs: Attrs,
) -> Hint {
    Hint { subject, object, about, about_ppm, weight, attrs }
}

use Class::{Agency as AG, Chip as CH, Company as CO, Investor as IN, Person as PE};

/// Hints for the built-in kinds; a close takes its entities from the open it
/// ends, so only its share matters. Shares are per mille of relation events.
fn builtin_hint(kind: &str) -> Option<Hint> {
    let none: &[Class] = &[];
    Some(match kind {
        "approval_granted" => hint(&[AG], &[CO], &[CH], 600_000, 40, Attrs::None),
        "approval_revoked" => hint(none, none, none, 0, 12, Attrs::None),
        "ban_imposed" => hint(&[AG], &[CO, AG, CH], &[CH], 200_000, 30, Attrs::None),
        "ban_lifted" => hint(none, none, none, 0, 10, Attrs::None),
        "license_granted" => hint(&[AG], &[CO], &[CH], 400_000, 30, Attrs::None),
        "license_revoked" => hint(none, none, none, 0, 10, Attrs::None),
        "membership_began" => hint(&[PE, AG, CO], &[CO, AG], none, 0, 60, Attrs::None),
        "membership_ended" => hint(none, none, none, 0, 22, Attrs::None),
        "letter_sent" => hint(&[PE, CO], &[PE, CO, AG], &[CH, CO], 400_000, 100, Attrs::None),
        "order_placed" => hint(&[CO], &[CH], none, 0, 100, Attrs::Quantity),
        "statement_made" => hint(&[PE, CO, AG], &[CO, AG, CH], &[CH, CO], 200_000, 120, Attrs::Quote),
        "role_assumed" => hint(&[PE], &[CO, AG], none, 0, 60, Attrs::Role),
        "role_ended" => hint(none, none, none, 0, 22, Attrs::None),
        "investment_made" => hint(&[IN, CO], &[CO], none, 0, 60, Attrs::Amount),
        "investment_exited" => hint(none, none, none, 0, 18, Attrs::None),
        "product_announced" => hint(&[CO], &[CH], none, 0, 50, Attrs::None),
        "product_discontinued" => hint(none, none, none, 0, 14, Attrs::None),
        "agreement_signed" => hint(&[AG], &[AG], &[CH], 100_000, 30, Attrs::None),
        "review_began" => hint(&[AG], &[CO, CH], &[CH], 300_000, 30, Attrs::None),
        "review_ended" => hint(none, none, none, 0, 14, Attrs::None),
        "directive_issued" => hint(&[AG], &[CO, AG], &[CH], 300_000, 40, Attrs::Directive),
        "chip_used" => hint(&[CO], &[CH], none, 0, 80, Attrs::ChipUse),
        "event_retracted" => hint(&[PE, CO], none, none, 0, 0, Attrs::None),
        _ => return None,
    })
}

/// The classes of `wanted` whose type `allowed` lists; all classes of the
/// allowed types when the hint names none of them.
fn narrow(wanted: &[Class], allowed: &[EntityType]) -> Vec<Class> {
    let v: Vec<Class> = wanted.iter().copied().filter(|c| allowed.contains(&c.entity_type())).collect();
    if v.is_empty() {
        Class::ALL.iter().copied().filter(|c| allowed.contains(&c.entity_type())).collect()
    } else {
        v
    }
}

/// The plans for every kind of `vocab` that links entities, plus the
/// retraction kind's plan, in the vocabulary's (sorted) order.
pub(crate) struct Plans {
    pub(crate) relations: Vec<Plan>,
    /// Cumulative weights over `relations`.
    pub(crate) cumulative: Vec<u64>,
    /// Cumulative weights over `relations`, closes weighted 0 (the fallback
    /// when a close finds nothing open).
    pub(crate) cumulative_no_close: Vec<u64>,
    pub(crate) declare: String,
    pub(crate) retract: Plan,
    pub(crate) relation_count: usize,
}

impl Plans {
    pub(crate) fn new(vocab: &Vocabulary) -> Result<Plans, Error> {
        let names = vocab.relations();
        let mut relations = Vec::new();
        let mut declare = None;
        let mut retract = None;
        for spec in vocab.kinds() {
            let h = builtin_hint(&spec.kind).unwrap_or(Hint {
                subject: &[],
                object: &[],
                about: &[],
                about_ppm: 100_000,
                weight: 20,
                attrs: Attrs::None,
            });
            let (object_types, object_ppm) = match &spec.object {
                ObjectRule::None => (Vec::new(), 0),
                ObjectRule::Required(t) => (t.clone(), 1_000_000),
                ObjectRule::Optional(t) => (t.clone(), 700_000),
            };
            let about_types: Vec<EntityType> =
                if spec.about.is_empty() { EntityType::ALL.to_vec() } else { spec.about.clone() };
            let relation = spec.relation.as_deref().and_then(|r| names.iter().position(|n| *n == r)).unwrap_or(0);
            let plan = Plan {
                kind: spec.kind.clone(),
                effect: spec.effect,
                relation,
                subject: narrow(h.subject, &spec.subject),
                object: if object_types.is_empty() { Vec::new() } else { narrow(h.object, &object_types) },
                object_ppm,
                about: narrow(h.about, &about_types),
                about_ppm: h.about_ppm,
                weight: h.weight,
                attrs: h.attrs,
            };
            if plan.subject.is_empty() {
                return Err(Error::Vocabulary(format!("kind {:?} allows no entity type as subject", spec.kind)));
            }
            match spec.effect {
                Effect::Declares => {
                    declare.get_or_insert_with(|| spec.kind.clone());
                }
                Effect::Retracts => {
                    retract.get_or_insert(plan);
                }
                Effect::Opens | Effect::Marks | Effect::Closes => relations.push(plan),
                // The generated log names each party once: nothing to merge.
                Effect::Merges | Effect::Distinguishes => {}
            }
        }
        let declare = declare.ok_or_else(|| Error::Vocabulary("no kind declares entities".into()))?;
        let retract = retract.ok_or_else(|| Error::Vocabulary("no kind retracts events".into()))?;
        if !relations.iter().any(|p| p.effect != Effect::Closes) {
            return Err(Error::Vocabulary("no kind opens or marks a relation".into()));
        }
        let cumulative = running_sum(relations.iter().map(|p| p.weight));
        let cumulative_no_close =
            running_sum(relations.iter().map(|p| if p.effect == Effect::Closes { 0 } else { p.weight }));
        Ok(Plans { relations, cumulative, cumulative_no_close, declare, retract, relation_count: names.len().max(1) })
    }
}

fn running_sum(weights: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut total = 0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}
