// queries: every GraphQL document the explorer sends, by name. The pages
// read only the public API, so each of these is also something a script can
// ask; a new view adds its documents here.

// The fields drawn for an entity, a relation (an edge) and an event.
const NODE = "id type name";
const REL =
  `name role status disputedBy { id } validFrom validTo from { ${NODE} } to { ${NODE} }` +
  " event { id kind at precision }";
const EVENT =
  "id kind at precision status recordedAt note attrs subject { id name } object { id name } about { id name }" +
  " source { publisher title published url via } disputedBy { id kind source { publisher } }";

/** The sliders' ends: the valid times the log covers and the recorded instants. */
export const TIME_RANGE = "query Range { timeRange { validFrom validTo recordedTimes(limit: 1000) } }";

/**
 * The typeahead: ranked `search` hits (with the name that matched), then
 * the entities whose name or id merely contains `$s`.
 */
export const SEARCH =
  "query Search($s: String!, $knownAt: DateTime) {" +
  " hits: search(text: $s, knownAt: $knownAt, first: 12) { score matched entity { id name type } }" +
  " subs: entities(search: $s, knownAt: $knownAt, first: 12) { edges { node { id name type } } } }";

/** With no focus given: the first entities and their relations, to pick the busiest. */
export const LANDING =
  "query Landing($knownAt: DateTime) {" +
  " entities(first: 200, knownAt: $knownAt) { edges { node { id relations { name } } } } }";

const NEIGHBORHOOD_ARGS =
  "$id: ID!, $hops: Int, $asOf: Date, $knownAt: DateTime, $relations: [String!], $statuses: [ClaimStatus!]";
const NEIGHBORHOOD_CALL =
  "neighborhood(id: $id, hops: $hops, asOf: $asOf, knownAt: $knownAt, relations: $relations, statuses: $statuses)";

/** A neighborhood's size, asked first so that a huge one is counted, not fetched. */
export const NEIGHBORHOOD_SIZE =
  `query Size(${NEIGHBORHOOD_ARGS}) { n: ${NEIGHBORHOOD_CALL} { nodeCount counts { type count } } }`;

/** A neighborhood's entities and edges, with the same variables as NEIGHBORHOOD_SIZE. */
export const NEIGHBORHOOD =
  `query Neighborhood(${NEIGHBORHOOD_ARGS}) { n: ${NEIGHBORHOOD_CALL} { nodes { ${NODE} } edges { ${REL} } } }`;

/** A shortest path, each step with its relation's event in full. */
export const PATH =
  "query Path($from: ID!, $to: ID!, $asOf: Date, $knownAt: DateTime, $relations: [String!], $statuses: [ClaimStatus!]) {" +
  " path(from: $from, to: $to, asOf: $asOf, knownAt: $knownAt, relations: $relations, statuses: $statuses) { hops steps {" +
  ` from { ${NODE} } to { ${NODE} } relation { ${REL} event { ${EVENT} } } } } }`;

/** One entity as a node (a path from an entity to itself). */
export const ENTITY_NODE =
  `query One($id: ID!, $asOf: Date, $knownAt: DateTime) { entity(id: $id, asOf: $asOf, knownAt: $knownAt) { ${NODE} } }`;

/** The relations added and removed between two dates. */
export const DIFF =
  "query Diff($from: Date!, $to: Date!, $knownAt: DateTime, $statuses: [ClaimStatus!]) {" +
  ` diff(from: $from, to: $to, knownAt: $knownAt, statuses: $statuses) { added { ${REL} } removed { ${REL} } } }`;

/** What was learned and withdrawn between two knownAt instants, and the events recorded between them. */
export const KNOWLEDGE_DIFF =
  "query Learned($from: DateTime!, $to: DateTime!, $asOf: Date, $statuses: [ClaimStatus!]) {" +
  " knowledgeDiff(from: $from, to: $to, asOf: $asOf, statuses: $statuses) {" +
  ` learned { ${REL} } withdrawn { ${REL} } events { ${EVENT} retracts } } }`;

/** The valid-time intervals during which two entities were joined, each with a path on its first day. */
export const CONNECTIONS =
  "query Connections($from: ID!, $to: ID!, $knownAt: DateTime, $relations: [String!], $statuses: [ClaimStatus!]) {" +
  " connections(from: $from, to: $to, knownAt: $knownAt, relations: $relations, statuses: $statuses) {" +
  " validFrom validTo path { hops steps {" +
  ` from { ${NODE} } to { ${NODE} } relation { ${REL} event { ${EVENT} } } } } } }`;

/** The earliest-arriving time-respecting path, each step with the day it was taken. */
export const JOURNEY =
  "query Journey($from: ID!, $to: ID!, $after: Date, $before: Date, $knownAt: DateTime, $relations: [String!]," +
  " $statuses: [ClaimStatus!]) { journey(from: $from, to: $to, after: $after, before: $before, knownAt: $knownAt," +
  " relations: $relations, statuses: $statuses) { hops steps { at" +
  ` from { ${NODE} } to { ${NODE} } relation { ${REL} event { ${EVENT} } } } } }`;

/** An entity's details: its attributes and its history up to asOf. */
export const ENTITY_DETAILS =
  "query Entity($id: ID!, $asOf: Date, $knownAt: DateTime) { entity(id: $id, asOf: $asOf, knownAt: $knownAt) {" +
  ` id type name names mergedIds attrs history { ${EVENT} } } }`;

/** The likely duplicates of an entity, best first, each with the name that matched. */
export const DUPLICATES =
  "query Duplicates($id: ID!, $asOf: Date, $knownAt: DateTime) {" +
  " duplicates(id: $id, asOf: $asOf, knownAt: $knownAt, first: 10) { score matched entity { id name type } } }";

/** Appends events (a merge, a judgement of distinctness): a write, so it needs the token. */
export const APPEND =
  "mutation Append($events: [EventInput!]!) { appendEvents(events: $events) { position } }";

/** The ids and ends of the events naming an entity: a relation's events are among them. */
export const RELATION_EVENT_IDS =
  "query RelIds($entity: ID!, $knownAt: DateTime) { all: events(entity: $entity, knownAt: $knownAt, first: 1000) {" +
  " edges { node { id subject { id } object { id } about { id } } } } }";

/**
 * The events with these ids in full, as aliases e0, e1, ... (variables
 * `$e0`, `$e1`, ... and `$knownAt`): the one document whose text depends on
 * how many are asked.
 */
export function relationEvents(count) {
  const decl = [], fields = [];
  for (let i = 0; i < count; i++) {
    decl.push("$e" + i + ": ID!");
    fields.push(`e${i}: event(id: $e${i}, knownAt: $knownAt) { ${EVENT} }`);
  }
  decl.push("$knownAt: DateTime");
  return "query RelEvents(" + decl.join(", ") + ") { " + fields.join(" ") + " }";
}
