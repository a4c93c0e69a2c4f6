// panel: the side panel, which lists as text every entity and every edge
// drawn (screen readers cannot read a drawing), the status line, the path's
// steps and the counts of a view too big to draw. `render` draws a view and
// lists it; `clearView` empties both. The timings the tests and the bench
// read are kept here, as the status line changes.
import { $, el, activate } from "./dom.js";
import { showDate } from "./dates.js";
import { clear, disputed, draw, edgeKey, edgeLabel } from "./graph.js";

/** Above this many entities a view is counted, not drawn. */
export const LIMIT = 500;

/** When the page started, drew first, and drew last (performance.now()). */
export const timings = { start: performance.now(), firstDraw: null, lastRender: null };

/**
 * What the panel's items do, set by main.js: `entity(id)` and
 * `relation(r)` open details, `focus(id)` draws an entity's neighborhood.
 */
export const actions = { entity: () => {}, relation: () => {}, focus: () => {} };

let renders = 0;
let viewStart = 0;

/** A view starts: hides what belonged to the last one and starts its clock. */
export function beginView() {
  viewStart = performance.now();
  $("too-big").hidden = true;
  $("steps-section").hidden = true;
  $("recorded-section").hidden = true;
  document.body.setAttribute("data-state", "loading");
}

/** Draws a view (see graph.js `draw`) and lists what is drawn and what went. */
export function render(key, nodes, edges, opts = {}) {
  const d = draw(key, nodes, edges, opts);
  listDrawn(d, opts);
  listGone(d.goneNodes, d.goneEdges);
}

/** Draws nothing, lists nothing, and says why (`stateName`: empty, error, auth, too-big). */
export function clearView(message, stateName) {
  clear();
  listDrawn({ nodes: new Map(), edges: new Map(), appearedNodes: new Set(), appearedEdges: new Set() }, {});
  listGone([], []);
  setStatus(message, stateName);
}

/**
 * The status line, and the page's state in `data-state`: a view is over
 * when it is ready, empty or too big (then `data-renders` counts it).
 */
export function setStatus(message, stateName) {
  $("status").textContent = message;
  document.body.setAttribute("data-state", stateName);
  if (stateName === "ready" || stateName === "too-big" || stateName === "empty") {
    renders++;
    document.body.setAttribute("data-renders", String(renders));
    timings.lastRender = performance.now();
    // How long the last view took, from asking the server to the drawing.
    document.body.setAttribute("data-last-render-ms", (timings.lastRender - viewStart).toFixed(1));
    if (timings.firstDraw === null && stateName === "ready") {
      // From the start of the navigation (performance's time origin).
      timings.firstDraw = timings.lastRender;
      document.body.setAttribute("data-first-draw-ms", timings.firstDraw.toFixed(1));
    }
  }
}

/** A view of `count` entities, too many to draw: their count by type, and advice. */
export function tooBig(count, counts, advice) {
  clearView("Too many entities to draw (" + count + " > " + LIMIT + ").", "too-big");
  $("too-big").hidden = false;
  $("too-big-text").textContent = count + " entities: more than " + LIMIT + " would make the page unusable. " + advice;
  const ul = $("too-big-counts");
  ul.textContent = "";
  for (const c of counts) ul.appendChild(el("li", { "data-type": c.type, text: c.type.toLowerCase() + ": " + c.count }));
}

/**
 * Draws a path's steps as the graph `key`, the path highlighted from
 * `focus`, and lists them. `extra(step, i)` may add fields to each step's
 * edge (a journey's "1. 2026-01-28").
 */
export function drawSteps(key, steps, focus, extra = () => ({})) {
  const nodes = new Map(), edges = [], pathNodes = new Set(), pathEdges = new Set();
  steps.forEach((s, i) => {
    nodes.set(s.from.id, s.from);
    nodes.set(s.to.id, s.to);
    pathNodes.add(s.from.id);
    pathNodes.add(s.to.id);
    edges.push({ ...s.relation, ...extra(s, i) });
    pathEdges.add(edgeKey(s.relation));
  });
  render(key, Array.from(nodes.values()), edges, { focus, pathNodes, pathEdges });
  listSteps(steps);
}

/** A path's steps, each with its date and source (and, on a journey, the day it was taken). */
export function listSteps(steps) {
  const ol = $("steps");
  ol.textContent = "";
  for (const s of steps) {
    const r = s.relation, ev = r.event;
    ol.appendChild(el("li", { "data-step-event": ev.id }, [
      el("div", {}, [s.from.name + " —" + r.name + (r.role === "ABOUT" ? " (about)" : "") + "→ " + s.to.name]),
      s.at ? el("div", { class: "taken" }, ["taken on ", el("strong", { text: s.at })]) : null,
      el("div", {}, [el("span", { class: "when", text: showDate(ev.at, ev.precision) }), " " + ev.kind]),
      ev.note ? el("div", { class: "note", text: "Note: " + ev.note }) : null,
      sourceLine(ev.source),
    ]));
  }
  $("steps-section").hidden = false;
}

/** An event's source: publisher, title, date, and a link when it is http(s). */
export function sourceLine(s) {
  if (!s) return el("span", { class: "source", text: "no source given" });
  const parts = [s.publisher, s.title ? "“" + s.title + "”" : null, s.published].filter(Boolean).join(", ");
  const span = el("span", { class: "source" }, [parts || "a source"]);
  if (s.via) span.appendChild(el("span", { class: "via", text: " (via " + s.via + ")" }));
  if (s.url && /^https?:\/\//i.test(s.url)) {
    span.appendChild(document.createTextNode(" "));
    span.appendChild(el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank", text: s.url }));
  }
  return span;
}

/** Marks the panel's item whose `attr` is `value` as the one shown in details. */
export function selectItem(attr, value) {
  document.querySelectorAll("#panel .items li.selected").forEach((li) => li.classList.remove("selected"));
  document.querySelectorAll("#panel .items li[" + attr + "]").forEach((li) => {
    if (li.getAttribute(attr) === value) li.classList.add("selected");
  });
}

function listDrawn(d, opts) {
  const nodesList = $("nodes"), edgesList = $("edges");
  nodesList.textContent = "";
  edgesList.textContent = "";
  const nodes = Array.from(d.nodes.values()).sort((a, b) => a.name.localeCompare(b.name));
  for (const n of nodes) {
    const li = el("li", { "data-id": n.id, "data-type": n.type, tabindex: "0", role: "button",
      "aria-label": n.name + ", " + n.type.toLowerCase() + " (" + n.id + "); Enter for details, F to focus" },
      [el("span", { class: "tag " + n.type.toLowerCase(), text: n.type.toLowerCase() }), n.name + " ", el("small", { text: n.id })]);
    if (d.appearedNodes.has(n.id)) li.setAttribute("data-change", "appeared");
    if (opts.focus === n.id) li.setAttribute("aria-current", "true");
    activate(li, () => actions.entity(n.id));
    li.addEventListener("keydown", (ev) => { if (ev.key === "f" || ev.key === "F") actions.focus(n.id); });
    li.addEventListener("dblclick", () => actions.focus(n.id));
    nodesList.appendChild(li);
  }
  for (const [k, e] of d.edges) {
    const from = d.nodes.get(e.from.id), to = d.nodes.get(e.to.id);
    const li = el("li", { "data-event": e.event.id, "data-edge": k, "data-relation": e.name, "data-role": e.role,
      "data-from": e.from.id, "data-to": e.to.id, "data-status": e.status, tabindex: "0", role: "button" },
      [from.name + " —" + edgeLabel(e) + (e.role === "ABOUT" ? " (about)" : "") + "→ " + to.name + " ",
        disputed(e) ? el("strong", { class: "disputed", text: "disputed by " + e.disputedBy.length + " " }) : null,
        el("small", { text: "from " + e.validFrom + (e.validTo ? " to " + e.validTo : "") })]);
    if (d.appearedEdges.has(k)) li.setAttribute("data-change", "appeared");
    if (e.change) li.setAttribute("data-change", e.change);
    if (disputed(e)) li.setAttribute("data-disputed", "true");
    activate(li, () => actions.relation(e));
    edgesList.appendChild(li);
  }
  $("node-count").textContent = "(" + nodes.length + ")";
  $("edge-count").textContent = "(" + d.edges.size + ")";
}

function listGone(nodes, edges) {
  const gone = $("gone");
  gone.textContent = "";
  for (const n of nodes) gone.appendChild(el("li", { "data-gone-id": n.id, text: n.name + " (" + n.id + ")" }));
  for (const e of edges) {
    gone.appendChild(el("li", { "data-gone-event": e.event.id, text: e.from.id + " —" + e.name + "→ " + e.to.id }));
  }
  $("changes-section").hidden = nodes.length + edges.length === 0;
}
