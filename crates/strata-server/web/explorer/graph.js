// graph: the drawing, with cytoscape.js (loaded before the modules as a
// classic script, the global `cytoscape`). Entities are nodes shaped and
// coloured by type, relations are edges styled by role and claim status.
// A redraw keeps the nodes that stay where they were and lays out only the
// new ones, and reports what appeared and went since the last view.

/** Each entity type's colour and shape (the legend in the side panel says the same). */
export const TYPE_STYLE = {
  ACTOR: { color: "#3b6fd8", shape: "ellipse" },
  AGENCY: { color: "#e07b24", shape: "round-rectangle" },
  CHIP: { color: "#2e9d48", shape: "diamond" },
};

const NODE_SIZE = 26;
const FOCUS_SIZE = 38;
const PATH_COLOUR = "#8b2fc9";
// A view of a few nodes is fitted no closer than this: fitting two nodes to
// the whole canvas would draw them (and their labels) four times their size.
const FIT_MAX_ZOOM = 1.5;

const container = document.getElementById("graph");

/** The cytoscape instance (window.strataExplorer.cy, for the tests). */
export const cy = cytoscape({
  container,
  minZoom: 0.05,
  maxZoom: 4,
  style: [
    { selector: "node", style: {
      "label": "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
      "background-color": "#7a8499", "width": NODE_SIZE, "height": NODE_SIZE, "text-wrap": "ellipsis", "text-max-width": 140,
      "text-background-color": "#fff", "text-background-opacity": 0.7, "text-background-padding": 1,
      "min-zoomed-font-size": 7 } },
    ...Object.entries(TYPE_STYLE).map(([type, s]) => (
      { selector: "node." + type, style: { "background-color": s.color, "shape": s.shape } })),
    { selector: "node.focus", style: { "width": FOCUS_SIZE, "height": FOCUS_SIZE, "border-width": 4, "border-color": "#1d2330",
      "font-weight": "bold" } },
    { selector: "edge", style: {
      "label": "data(label)", "font-size": 9, "color": "#3a4255", "curve-style": "bezier",
      "target-arrow-shape": "triangle", "width": 2, "line-color": "#7a8499", "target-arrow-color": "#7a8499",
      "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8,
      "min-zoomed-font-size": 7 } },
    { selector: "edge.ABOUT", style: { "line-style": "dashed", "line-color": "#a3abbb", "target-arrow-shape": "vee",
      "target-arrow-color": "#a3abbb", "width": 1.5, "font-size": 8 } },
    { selector: "edge.status-CONFIRMED", style: { "width": 3.5 } },
    { selector: "edge.status-EXPECTED", style: { "line-style": "dotted", "opacity": 0.75 } },
    { selector: "edge.status-DENIED", style: { "line-style": "dashed", "line-color": "#8a3b3b", "target-arrow-color": "#8a3b3b",
      "target-arrow-shape": "tee" } },
    { selector: "edge.disputed", style: { "line-color": "#d98b00", "target-arrow-color": "#d98b00", "color": "#9a5b00",
      "font-weight": "bold" } },
    { selector: "node.appeared", style: { "border-width": 4, "border-color": "#1f9d3a" } },
    { selector: "edge.appeared", style: { "line-color": "#1f9d3a", "target-arrow-color": "#1f9d3a" } },
    { selector: "edge.added", style: { "line-color": "#1f9d3a", "target-arrow-color": "#1f9d3a", "width": 3 } },
    { selector: "edge.removed", style: { "line-color": "#d0312d", "target-arrow-color": "#d0312d", "width": 3, "line-style": "dotted" } },
    // A node on the path is outlined; only its edges are thickened (a
    // `width` on nodes would squeeze them into thin ellipses).
    { selector: "node.onpath", style: { "border-width": 4, "border-color": PATH_COLOUR } },
    { selector: "edge.onpath", style: { "line-color": PATH_COLOUR, "target-arrow-color": PATH_COLOUR, "width": 4 } },
    { selector: "edge.dated", style: { "font-size": 11, "font-weight": "bold", "color": "#1d2330" } },
    { selector: ":selected", style: { "overlay-color": "#ffd400", "overlay-opacity": 0.35 } },
  ],
});

// The renderer names its canvases with data-id; the page keeps data-id for
// the side panel's entities alone, so that it lists exactly what is drawn.
container.querySelectorAll("[data-id]").forEach((c) => c.removeAttribute("data-id"));

/** A relation's key: its event, its role and its two ends (an event draws several edges). */
export function edgeKey(e) {
  return e.event.id + "|" + e.role + "|" + e.from.id + "|" + e.to.id;
}

/** Whether another event disputes this relation's. */
export function disputed(e) {
  return !!(e.disputedBy && e.disputedBy.length);
}

/**
 * The relation's name, with its claim status when it is not the usual
 * "reported", and a warning sign when another event disputes it.
 */
export function edgeLabel(e) {
  return e.name + (e.status && e.status !== "REPORTED" ? " [" + e.status.toLowerCase() + "]" : "") + (disputed(e) ? " ⚠" : "");
}

const positions = new Map(); // entity id -> {x, y}: the layout kept across redraws
let drawn = { key: null, nodes: new Map(), edges: new Map() };

/** The relation drawn as the edge with this cytoscape id (its edgeKey). */
export function drawnRelation(id) {
  return drawn.edges.get(id);
}

/**
 * Draws `nodes` (id, type, name) and `edges` (relations); `opts.focus` is
 * the focused entity, `opts.pathNodes` and `opts.pathEdges` (sets of ids and
 * edge keys) what is on a path. Returns what is drawn (`nodes`, `edges`:
 * maps by id and key, an edge only with both ends), and, when the last view
 * had the same `key`, what appeared (sets of ids and keys) and what went
 * (lists of entities and relations).
 */
export function draw(key, nodes, edges, opts = {}) {
  const sameView = drawn.key === key;
  const nodeMap = new Map(nodes.map((n) => [n.id, n]));
  const edgeMap = new Map();
  for (const e of edges) {
    // An edge needs both of its ends drawn.
    if (nodeMap.has(e.from.id) && nodeMap.has(e.to.id)) edgeMap.set(edgeKey(e), e);
  }
  const appearedNodes = new Set(), appearedEdges = new Set(), goneNodes = [], goneEdges = [];
  if (sameView) {
    nodeMap.forEach((n, id) => { if (!drawn.nodes.has(id)) appearedNodes.add(id); });
    edgeMap.forEach((e, k) => { if (!drawn.edges.has(k)) appearedEdges.add(k); });
    drawn.nodes.forEach((n, id) => { if (!nodeMap.has(id)) goneNodes.push(n); });
    drawn.edges.forEach((e, k) => { if (!edgeMap.has(k)) goneEdges.push(e); });
  }
  const fresh = [];
  cy.batch(() => {
    cy.elements().forEach((el) => {
      if (el.isNode() ? !nodeMap.has(el.id()) : !edgeMap.has(el.id())) el.remove();
    });
    cy.elements().removeClass("appeared added removed onpath focus");
    nodeMap.forEach((n, id) => {
      let el = cy.getElementById(id);
      if (el.empty()) {
        el = cy.add({ group: "nodes", data: { id, label: n.name }, classes: n.type });
        fresh.push(el);
      } else {
        el.data("label", n.name);
      }
      if (appearedNodes.has(id)) el.addClass("appeared");
      if (opts.focus === id) el.addClass("focus");
      if (opts.pathNodes && opts.pathNodes.has(id)) el.addClass("onpath");
    });
    edgeMap.forEach((e, k) => {
      let el = cy.getElementById(k);
      // A journey's step carries the day it was taken: shown first on its edge.
      const label = (e.stepAt ? e.stepAt + " · " : "") + edgeLabel(e);
      if (el.empty()) {
        el = cy.add({ group: "edges", data: { id: k, source: e.from.id, target: e.to.id, label },
          classes: e.role + " status-" + e.status + (disputed(e) ? " disputed" : "") });
      } else {
        el.data("label", label);
      }
      el.toggleClass("dated", !!e.stepAt);
      if (appearedEdges.has(k)) el.addClass("appeared");
      if (e.change) el.addClass(e.change);
      if (opts.pathEdges && opts.pathEdges.has(k)) el.addClass("onpath");
    });
  });
  place(fresh, !sameView);
  drawn = { key, nodes: nodeMap, edges: edgeMap };
  return { nodes: nodeMap, edges: edgeMap, appearedNodes, appearedEdges, goneNodes, goneEdges };
}

/** Removes everything drawn. */
export function clear() {
  cy.elements().remove();
  drawn = { key: null, nodes: new Map(), edges: new Map() };
}

function fit() {
  cy.fit(undefined, 30);
  if (cy.zoom() > FIT_MAX_ZOOM) {
    cy.zoom(FIT_MAX_ZOOM);
    cy.center();
  }
}

// A small offset from a neighbour, the same for the same id.
function jitter(id) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  const a = (h % 360) * Math.PI / 180;
  return { x: Math.cos(a) * 80, y: Math.sin(a) * 80 };
}

// Keeps known nodes where they were; lays out the new ones around them.
function place(fresh, refit) {
  let known = 0;
  for (const el of fresh) {
    const p = positions.get(el.id());
    if (p) {
      el.position(p);
      known++;
      continue;
    }
    const near = el.neighborhood("node").filter((n) => positions.has(n.id()));
    if (near.nonempty()) {
      const q = positions.get(near[0].id()), j = jitter(el.id());
      el.position({ x: q.x + j.x, y: q.y + j.y });
    } else {
      el.position({ x: 0, y: 0 });
    }
  }
  const unplaced = fresh.length - known;
  const finish = () => {
    cy.nodes().forEach((n) => positions.set(n.id(), { x: n.position("x"), y: n.position("y") }));
    if (refit || unplaced > 0) fit();
  };
  if (unplaced === 0) {
    finish();
    return;
  }
  const old = cy.nodes().filter((n) => positions.has(n.id()) && !fresh.includes(n));
  const hadLayout = old.nonempty();
  old.lock();
  const n = cy.nodes().length;
  // cose (force-directed) reads best but costs the main thread about a
  // millisecond per node and edge pair; above 150 entities concentric
  // rings (by degree) keep the page responsive.
  const layout = cy.elements().layout(n > 150
    ? { name: "concentric", animate: false, concentric: (node) => node.degree(), levelWidth: () => 4 }
    : { name: "cose", animate: false, randomize: !hadLayout, nodeRepulsion: () => 400000,
        idealEdgeLength: () => 110, nodeOverlap: 20, gravity: 0.5, componentSpacing: 120,
        numIter: n > 80 ? 500 : 1000, fit: false });
  layout.run();
  old.unlock();
  finish();
}
