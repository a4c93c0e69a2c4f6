// details: the box in the side panel that opens on a click. For an entity:
// its attributes and its history up to asOf, as a timeline. For an edge:
// its own event, then every other event that names both of its ends, each
// with kind, date and precision, status, attributes, disputes and source.
import { $, el } from "./dom.js";
import { AuthNeeded, askToken, gql } from "./api.js";
import { showDate } from "./dates.js";
import { edgeKey } from "./graph.js";
import { actions, selectItem, sourceLine } from "./panel.js";
import { APPEND, DUPLICATES, ENTITY_DETAILS, RELATION_EVENT_IDS, relationEvents } from "./queries.js";
import { state } from "./url.js";

// At most this many events are shown for one relation.
const RELATION_EVENTS = 50;

function details(title, body) {
  $("details-title").textContent = title;
  const box = $("details");
  box.textContent = "";
  for (const b of body) if (b) box.appendChild(b);
  $("details-section").hidden = false;
}

/** Shows an error of a request made outside a view (details, suggestions): asks for the token on a 401. */
export function report(err) {
  if (err instanceof AuthNeeded) askToken(err.message);
  else details("Error", [el("p", { text: err.message })]);
}

function attrsList(attrs) {
  const keys = attrs ? Object.keys(attrs) : [];
  if (!keys.length) return el("p", { text: "No attributes." });
  return el("dl", { class: "attrs" }, keys.flatMap((k) => {
    const v = attrs[k];
    return [el("dt", { text: k }), el("dd", { text: typeof v === "string" ? v : JSON.stringify(v) })];
  }));
}

function eventItem(ev) {
  const who = (ev.subject ? ev.subject.name : "?") + (ev.object ? " → " + ev.object.name : "") +
    (ev.about && ev.about.length ? " (about " + ev.about.map((a) => a.name).join(", ") + ")" : "");
  return el("li", { "data-detail-event": ev.id }, [
    el("div", {}, [el("span", { class: "when", text: showDate(ev.at, ev.precision) }), " ", el("strong", { text: ev.kind }),
      ev.status ? el("span", { class: "tag status", text: ev.status.toLowerCase() }) : null]),
    el("div", { text: who }),
    ev.disputedBy && ev.disputedBy.length ? el("div", { class: "disputed", text: "Disputed by " + ev.disputedBy.map((x) =>
      x.kind + (x.source && x.source.publisher ? " (" + x.source.publisher + ")" : "")).join("; ") }) : null,
    ev.attrs && Object.keys(ev.attrs).length ? attrsList(ev.attrs) : null,
    ev.note ? el("p", { class: "note", text: "Note: " + ev.note }) : null,
    sourceLine(ev.source),
    el("div", {}, [el("small", { text: "recorded " + ev.recordedAt + " · event " + ev.id })]),
  ]);
}

/** An entity's details: attributes, history, and a button to focus on it. */
export async function showEntity(id) {
  selectItem("data-id", id);
  try {
    const d = await gql(ENTITY_DETAILS, { id, asOf: state.asOf, knownAt: state.knownAt });
    const e = d.entity;
    if (!e) {
      details(id, [el("p", { text: "Not known at this knownAt." })]);
      return;
    }
    const focusBtn = el("button", { type: "button", text: "Focus on " + e.name });
    focusBtn.addEventListener("click", () => actions.focus(e.id));
    const others = (e.names || []).filter((n) => n !== e.name);
    const dupes = el("div", { id: "duplicates" }, [el("p", { text: "Looking for possible duplicates…" })]);
    details(e.name, [
      el("p", {}, [el("span", { class: "tag " + e.type.toLowerCase(), text: e.type.toLowerCase() }), e.id + " ", focusBtn]),
      others.length ? el("p", { class: "names" }, ["Also known as: ", el("span", { text: others.join("; ") })]) : null,
      e.mergedIds && e.mergedIds.length ? el("p", { class: "merged" }, ["Merged ids: ",
        el("span", { "data-merged": e.mergedIds.join(" "), text: e.mergedIds.join(", ") })]) : null,
      attrsList(e.attrs),
      dupes,
      el("h3", { text: "History (" + e.history.length + " events, up to " + (state.asOf ? showDate(state.asOf) : "the latest") + ")" }),
      el("ol", { class: "timeline" }, e.history.map(eventItem)),
    ]);
    listDuplicates(e, dupes);
  } catch (err) {
    report(err);
  }
}

/** Today as YYYY-MM-DD (UTC): the valid time of a merge or a judgement made here. */
function today() {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Appends a `same_as` (the duplicate becomes `e`) or a `distinct_from`
 * event, like any other event, then shows `e` again. A 401 asks for the
 * token; the analyst then clicks again.
 */
async function judge(kind, dup, e) {
  try {
    await gql(APPEND, { events: [{ kind, at: today(), status: "CONFIRMED", subject: { id: dup.id }, object: { id: e.id },
      source: { publisher: "strata explorer", title: kind === "same_as" ? "merged by an analyst" : "judged distinct by an analyst" } }] });
    await showEntity(e.id);
  } catch (err) {
    report(err);
  }
}

/** The possible duplicates of `e` in `box`: each with its matched name and score, and buttons to merge or keep apart. */
async function listDuplicates(e, box) {
  try {
    const d = await gql(DUPLICATES, { id: e.id, asOf: state.asOf, knownAt: state.knownAt });
    box.textContent = "";
    box.appendChild(el("h3", { text: "Possible duplicates (" + d.duplicates.length + ")" }));
    if (!d.duplicates.length) {
      box.appendChild(el("p", { text: "None found." }));
      return;
    }
    box.appendChild(el("ul", { class: "dupes" }, d.duplicates.map((h) => {
      const same = el("button", { type: "button", "data-judge": "same_as", title: "Record that " + h.entity.id +
        " is " + e.id + " (a same_as event; needs the token)", text: "Same party: merge" });
      const apart = el("button", { type: "button", "data-judge": "distinct_from", title: "Record that they are different" +
        " parties (a distinct_from event; needs the token)", text: "Different" });
      same.addEventListener("click", () => judge("same_as", h.entity, e));
      apart.addEventListener("click", () => judge("distinct_from", h.entity, e));
      return el("li", { "data-duplicate": h.entity.id }, [
        el("span", { class: "tag " + h.entity.type.toLowerCase(), text: h.entity.type.toLowerCase() }),
        el("strong", { text: h.entity.name }), " ", el("small", { text: h.entity.id }),
        el("div", { class: "matched" }, ["matched “" + h.matched + "”, score " + h.score.toFixed(2) + " "]),
        el("div", {}, [same, " ", apart]),
      ]);
    })));
  } catch (err) {
    box.textContent = "";
    box.appendChild(el("p", { text: "Duplicates: " + err.message }));
  }
}

/**
 * A relation's details: its own event, then every other visible event that
 * names both of its ends (found by ids first, to keep the request small).
 */
export async function showRelation(r) {
  selectItem("data-edge", edgeKey(r));
  try {
    const d = await gql(RELATION_EVENT_IDS, { entity: r.from.id, knownAt: state.knownAt });
    const ends = [r.from.id, r.to.id];
    const others = d.all.edges.map((x) => x.node).filter((ev) => {
      if (ev.id === r.event.id) return false;
      const named = [ev.subject && ev.subject.id, ev.object && ev.object.id].concat((ev.about || []).map((a) => a.id));
      return named.includes(ends[0]) && named.includes(ends[1]);
    });
    const ids = [r.event.id].concat(others.map((ev) => ev.id)).slice(0, RELATION_EVENTS);
    const vars = { knownAt: state.knownAt };
    ids.forEach((id, i) => { vars["e" + i] = id; });
    const d2 = await gql(relationEvents(ids.length), vars);
    const events = ids.map((id, i) => d2["e" + i]).filter(Boolean);
    details(r.name + (r.role === "ABOUT" ? " (about-link)" : ""), [
      el("p", { text: r.from.name + " → " + r.to.name + ", valid from " + r.validFrom + (r.validTo ? " to " + r.validTo : " (open)") }),
      el("h3", { text: "Events (" + events.length + ")" }),
      el("ol", { class: "events" }, events.map(eventItem)),
    ]);
  } catch (err) {
    report(err);
  }
}
