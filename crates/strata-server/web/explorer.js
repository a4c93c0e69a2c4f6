// strata explorer: draws the graph at an asOf (valid time) and a knownAt
// (recorded time) with cytoscape.js, lists everything drawn as text in the
// side panel, and keeps its state in the URL:
//   /?focus=ID&asOf=DATE&knownAt=INSTANT&hops=N[&relations=a,b]
//   /?from=ID&to=ID&asOf=DATE[&knownAt=INSTANT]
//   /?diffFrom=DATE&diffTo=DATE[&knownAt=INSTANT]
// Plain JavaScript, no build step; every request goes to this server's
// /graphql, with the token kept in sessionStorage when the server asks.
(function () {
  "use strict";

  // Above this many entities a view is counted, not drawn.
  var LIMIT = 500;
  var TOKEN_KEY = "strata-token";
  var DAY_MS = 86400000;

  var $ = function (id) { return document.getElementById(id); };
  var timings = { start: performance.now(), firstDraw: null, lastRender: null };
  window.strataExplorer = { timings: timings, limit: LIMIT, cy: null };

  // ---- GraphQL ------------------------------------------------------------

  function AuthNeeded(message) { this.message = message; }

  function gql(query, variables) {
    var headers = { "Content-Type": "application/json" };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    return fetch("/graphql", { method: "POST", headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.status === 401) throw new AuthNeeded((body.errors && body.errors[0] && body.errors[0].message) || "a token is needed");
          if (body.errors && body.errors.length) throw new Error(body.errors.map(function (e) { return e.message; }).join("; "));
          if (!res.ok) throw new Error("HTTP " + res.status);
          return body.data;
        });
      });
  }

  // ---- state and the URL --------------------------------------------------

  var state = {};

  function readUrl() {
    var p = new URLSearchParams(location.search);
    var s = {
      mode: "focus",
      focus: p.get("focus"),
      hops: clampHops(p.get("hops")),
      relations: p.get("relations") || null,
      statuses: p.get("statuses") || null,
      asOf: p.get("asOf") || null,
      knownAt: p.get("knownAt") || null,
      from: p.get("from"),
      to: p.get("to"),
      diffFrom: p.get("diffFrom"),
      diffTo: p.get("diffTo"),
    };
    if (s.from && s.to) s.mode = "path";
    else if (s.diffFrom && s.diffTo) s.mode = "diff";
    return s;
  }

  function clampHops(v) {
    var n = parseInt(v, 10);
    return n >= 1 && n <= 3 ? n : 2;
  }

  function writeUrl(push) {
    var p = new URLSearchParams();
    if (state.mode === "focus" && state.focus) {
      p.set("focus", state.focus);
      p.set("hops", String(state.hops));
      if (state.relations) p.set("relations", state.relations);
    } else if (state.mode === "path") {
      p.set("from", state.from);
      p.set("to", state.to);
      if (state.relations) p.set("relations", state.relations);
    } else if (state.mode === "diff") {
      p.set("diffFrom", state.diffFrom);
      p.set("diffTo", state.diffTo);
    }
    if (state.asOf && state.mode !== "diff") p.set("asOf", state.asOf);
    if (state.knownAt) p.set("knownAt", state.knownAt);
    if (state.statuses) p.set("statuses", state.statuses);
    var url = location.pathname + "?" + p.toString();
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  // The claim statuses shown; null: the server's default (confirmed and reported).
  function statusList() {
    if (!state.statuses) return null;
    var list = state.statuses.split(",").map(function (s) { return s.trim().toUpperCase(); }).filter(Boolean);
    return list.length ? list : null;
  }

  function relationNames() {
    if (!state.relations) return null;
    var names = state.relations.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    return names.length ? names : null;
  }

  // ---- dates --------------------------------------------------------------

  function precisionOf(at) {
    if (/^\d{4}$/.test(at)) return "year";
    if (/^\d{4}-Q[1-4]$/.test(at)) return "quarter";
    if (/^\d{4}-\d{2}$/.test(at)) return "month";
    if (/^\d{4}-\d{2}-\d{2}$/.test(at)) return "day";
    return "instant";
  }

  // The first day of a date in any precision, as a UTC day number.
  function dayNumber(at) {
    var m;
    if ((m = /^(\d{4})-Q([1-4])$/.exec(at))) return Date.UTC(+m[1], (+m[2] - 1) * 3, 1) / DAY_MS;
    if ((m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(at))) return Date.UTC(+m[1], m[2] ? +m[2] - 1 : 0, m[3] ? +m[3] : 1) / DAY_MS;
    return NaN;
  }

  function dayString(n) { return new Date(n * DAY_MS).toISOString().slice(0, 10); }

  // A date as given, with its precision when it is coarser than a day.
  function showDate(at, precision) {
    var p = (precision || precisionOf(at)).toLowerCase();
    return p === "day" ? at : at + " (" + p + ")";
  }

  // ---- the two sliders ----------------------------------------------------

  var range = { validFrom: null, validTo: null, recorded: [] };

  function setupSliders(r) {
    range.validFrom = r.validFrom ? dayNumber(r.validFrom) : dayNumber(new Date().toISOString());
    // Up to today when the log's last date is earlier: the view "as of now".
    range.validTo = Math.max(r.validTo ? dayNumber(r.validTo) : range.validFrom, Math.floor(Date.now() / DAY_MS));
    range.recorded = r.recordedTimes || [];
    var asOf = $("asOf");
    asOf.min = "0";
    // The last step is "latest": no asOf bound.
    asOf.max = String(range.validTo - range.validFrom + 1);
    var knownAt = $("knownAt");
    knownAt.min = "0";
    // The last step is "now": everything recorded.
    knownAt.max = String(range.recorded.length);
  }

  function syncSliders() {
    var asOf = $("asOf");
    if (!state.asOf) asOf.value = asOf.max;
    else {
      var d = dayNumber(state.asOf);
      var v = Math.max(0, Math.min(+asOf.max - 1, d - range.validFrom));
      asOf.value = String(isNaN(v) ? 0 : v);
    }
    $("asOf-label").textContent = state.asOf ? showDate(state.asOf) : "latest (no bound)";
    asOf.setAttribute("aria-valuetext", $("asOf-label").textContent);
    var known = $("knownAt");
    if (!state.knownAt) known.value = known.max;
    else {
      var t = Date.parse(state.knownAt), i = -1;
      range.recorded.forEach(function (r, j) { if (Date.parse(r) <= t) i = j; });
      known.value = String(Math.max(0, i));
    }
    $("knownAt-label").textContent = state.knownAt || "now";
    known.setAttribute("aria-valuetext", $("knownAt-label").textContent);
    asOf.disabled = state.mode === "diff";
  }

  var sliderTimer = null;
  function onSlider() {
    var asOf = $("asOf"), known = $("knownAt");
    state.asOf = +asOf.value >= +asOf.max ? null : dayString(range.validFrom + +asOf.value);
    state.knownAt = +known.value >= +known.max ? null : range.recorded[+known.value];
    $("asOf-label").textContent = state.asOf ? showDate(state.asOf) : "latest (no bound)";
    $("knownAt-label").textContent = state.knownAt || "now";
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(function () { writeUrl(false); show(); }, 120);
  }

  // ---- the graph ----------------------------------------------------------

  var TYPE_STYLE = {
    ACTOR: { color: "#3b6fd8", shape: "ellipse" },
    AGENCY: { color: "#e07b24", shape: "round-rectangle" },
    CHIP: { color: "#2e9d48", shape: "diamond" },
  };

  var cy = cytoscape({
    container: $("graph"),
    minZoom: 0.05,
    maxZoom: 4,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
        "background-color": "#7a8499", "width": 26, "height": 26, "text-wrap": "ellipsis", "text-max-width": 140,
        "text-background-color": "#fff", "text-background-opacity": 0.7, "text-background-padding": 1,
        "min-zoomed-font-size": 7 } },
      { selector: "node.ACTOR", style: { "background-color": TYPE_STYLE.ACTOR.color, "shape": TYPE_STYLE.ACTOR.shape } },
      { selector: "node.AGENCY", style: { "background-color": TYPE_STYLE.AGENCY.color, "shape": TYPE_STYLE.AGENCY.shape } },
      { selector: "node.CHIP", style: { "background-color": TYPE_STYLE.CHIP.color, "shape": TYPE_STYLE.CHIP.shape } },
      { selector: "node.focus", style: { "width": 38, "height": 38, "border-width": 4, "border-color": "#1d2330", "font-weight": "bold" } },
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
      { selector: ".appeared", style: { "border-width": 4, "border-color": "#1f9d3a", "line-color": "#1f9d3a", "target-arrow-color": "#1f9d3a" } },
      { selector: "edge.added", style: { "line-color": "#1f9d3a", "target-arrow-color": "#1f9d3a", "width": 3 } },
      { selector: "edge.removed", style: { "line-color": "#d0312d", "target-arrow-color": "#d0312d", "width": 3, "line-style": "dotted" } },
      { selector: ".onpath", style: { "line-color": "#8b2fc9", "target-arrow-color": "#8b2fc9", "border-width": 4, "border-color": "#8b2fc9", "width": 4 } },
      { selector: ":selected", style: { "overlay-color": "#ffd400", "overlay-opacity": 0.35 } },
    ],
  });

  // The renderer names its canvases with data-id; the page keeps data-id for
  // the side panel's entities alone, so that it lists exactly what is drawn.
  $("graph").querySelectorAll("[data-id]").forEach(function (c) { c.removeAttribute("data-id"); });

  window.strataExplorer.cy = cy;

  var positions = new Map();   // entity id -> {x, y}: the layout kept across redraws
  var drawn = { key: null, nodes: new Map(), edges: new Map() };

  function edgeKey(e) { return e.event.id + "|" + e.role + "|" + e.from.id + "|" + e.to.id; }

  // A small offset from a neighbour, the same for the same id.
  function jitter(id) {
    var h = 0;
    for (var i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
    var a = (h % 360) * Math.PI / 180;
    return { x: Math.cos(a) * 80, y: Math.sin(a) * 80 };
  }

  // Draws `nodes` (id, type, name) and `edges` (relations), marking what
  // appeared since the last view with the same `key` and listing what went.
  function render(key, nodes, edges, opts) {
    opts = opts || {};
    var sameView = drawn.key === key;
    var nodeMap = new Map(), edgeMap = new Map();
    nodes.forEach(function (n) { nodeMap.set(n.id, n); });
    edges.forEach(function (e) {
      // An edge needs both of its ends drawn.
      if (nodeMap.has(e.from.id) && nodeMap.has(e.to.id)) edgeMap.set(edgeKey(e), e);
    });
    var appearedNodes = new Set(), appearedEdges = new Set(), goneNodes = [], goneEdges = [];
    if (sameView) {
      nodeMap.forEach(function (n, id) { if (!drawn.nodes.has(id)) appearedNodes.add(id); });
      edgeMap.forEach(function (e, k) { if (!drawn.edges.has(k)) appearedEdges.add(k); });
      drawn.nodes.forEach(function (n, id) { if (!nodeMap.has(id)) goneNodes.push(n); });
      drawn.edges.forEach(function (e, k) { if (!edgeMap.has(k)) goneEdges.push(e); });
    }
    var fresh = [];
    cy.batch(function () {
      cy.elements().forEach(function (el) {
        if (el.isNode() ? !nodeMap.has(el.id()) : !edgeMap.has(el.id())) el.remove();
      });
      cy.elements().removeClass("appeared added removed onpath focus");
      nodeMap.forEach(function (n, id) {
        var el = cy.getElementById(id);
        if (el.empty()) {
          el = cy.add({ group: "nodes", data: { id: id, label: n.name }, classes: n.type });
          fresh.push(el);
        } else {
          el.data("label", n.name);
        }
        if (appearedNodes.has(id)) el.addClass("appeared");
        if (opts.focus === id) el.addClass("focus");
        if (opts.pathNodes && opts.pathNodes.has(id)) el.addClass("onpath");
      });
      edgeMap.forEach(function (e, k) {
        var el = cy.getElementById(k);
        if (el.empty()) {
          el = cy.add({ group: "edges", data: { id: k, source: e.from.id, target: e.to.id, label: edgeLabel(e) },
            classes: e.role + " status-" + e.status + (disputed(e) ? " disputed" : "") });
        }
        if (appearedEdges.has(k)) el.addClass("appeared");
        if (e.change) el.addClass(e.change);
        if (opts.pathEdges && opts.pathEdges.has(k)) el.addClass("onpath");
      });
    });
    place(fresh, !sameView);
    drawn = { key: key, nodes: nodeMap, edges: edgeMap };
    listPanel(nodeMap, edgeMap, appearedNodes, appearedEdges, opts);
    listGone(goneNodes, goneEdges);
  }

  function disputed(e) { return !!(e.disputedBy && e.disputedBy.length); }

  // The relation's name, with its claim status when it is not the usual
  // "reported", and a warning sign when another event disputes it.
  function edgeLabel(e) {
    return e.name + (e.status && e.status !== "REPORTED" ? " [" + e.status.toLowerCase() + "]" : "") + (disputed(e) ? " ⚠" : "");
  }

  // Keeps known nodes where they were; lays out the new ones around them.
  function place(fresh, refit) {
    var known = 0;
    fresh.forEach(function (el) {
      var p = positions.get(el.id());
      if (p) { el.position(p); known++; return; }
      var near = el.neighborhood("node").filter(function (n) { return positions.has(n.id()); });
      if (near.nonempty()) {
        var q = positions.get(near[0].id()), j = jitter(el.id());
        el.position({ x: q.x + j.x, y: q.y + j.y });
      } else {
        el.position({ x: 0, y: 0 });
      }
    });
    var unplaced = fresh.length - known;
    var finish = function () {
      cy.nodes().forEach(function (n) { positions.set(n.id(), { x: n.position("x"), y: n.position("y") }); });
      if (refit || unplaced > 0) cy.fit(undefined, 30);
    };
    if (unplaced === 0) { finish(); return; }
    var all = cy.elements();
    var old = cy.nodes().filter(function (n) { return positions.has(n.id()) && fresh.indexOf(n) < 0; });
    var hadLayout = old.nonempty();
    old.lock();
    var n = cy.nodes().length;
    // cose (force-directed) reads best but costs the main thread about a
    // millisecond per node and edge pair; above 150 entities concentric
    // rings (by degree) keep the page responsive.
    var layout = all.layout(n > 150
      ? { name: "concentric", animate: false, concentric: function (node) { return node.degree(); }, levelWidth: function () { return 4; } }
      : { name: "cose", animate: false, randomize: !hadLayout, nodeRepulsion: function () { return 400000; },
          idealEdgeLength: function () { return 110; }, nodeOverlap: 20, gravity: 0.5, componentSpacing: 120,
          numIter: n > 80 ? 500 : 1000, fit: false });
    layout.run();
    old.unlock();
    finish();
  }

  // ---- the side panel: every node and edge drawn, as text -----------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function activate(item, fn) {
    item.addEventListener("click", fn);
    item.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); fn(ev); }
    });
  }

  function listPanel(nodeMap, edgeMap, appearedNodes, appearedEdges, opts) {
    var nodesList = $("nodes"), edgesList = $("edges");
    nodesList.textContent = "";
    edgesList.textContent = "";
    var nodes = Array.from(nodeMap.values()).sort(function (a, b) { return a.name.localeCompare(b.name); });
    nodes.forEach(function (n) {
      var li = el("li", { "data-id": n.id, "data-type": n.type, tabindex: "0", role: "button",
        "aria-label": n.name + ", " + n.type.toLowerCase() + " (" + n.id + "); Enter for details, F to focus" },
        [el("span", { class: "tag " + n.type.toLowerCase(), text: n.type.toLowerCase() }), n.name + " ", el("small", { text: n.id })]);
      if (appearedNodes.has(n.id)) li.setAttribute("data-change", "appeared");
      if (opts.focus === n.id) li.setAttribute("aria-current", "true");
      activate(li, function () { showEntity(n.id); });
      li.addEventListener("keydown", function (ev) { if (ev.key === "f" || ev.key === "F") refocus(n.id); });
      li.addEventListener("dblclick", function () { refocus(n.id); });
      nodesList.appendChild(li);
    });
    var edges = Array.from(edgeMap.entries());
    edges.forEach(function (pair) {
      var k = pair[0], e = pair[1];
      var from = nodeMap.get(e.from.id), to = nodeMap.get(e.to.id);
      var li = el("li", { "data-event": e.event.id, "data-edge": k, "data-relation": e.name, "data-role": e.role,
        "data-from": e.from.id, "data-to": e.to.id, "data-status": e.status, tabindex: "0", role: "button" },
        [from.name + " —" + edgeLabel(e) + (e.role === "ABOUT" ? " (about)" : "") + "→ " + to.name + " ",
          disputed(e) ? el("strong", { class: "disputed", text: "disputed by " + e.disputedBy.length + " " }) : null,
          el("small", { text: "from " + e.validFrom + (e.validTo ? " to " + e.validTo : "") })]);
      if (appearedEdges.has(k)) li.setAttribute("data-change", "appeared");
      if (e.change) li.setAttribute("data-change", e.change);
      if (disputed(e)) li.setAttribute("data-disputed", "true");
      activate(li, function () { showRelation(e); });
      edgesList.appendChild(li);
    });
    $("node-count").textContent = "(" + nodes.length + ")";
    $("edge-count").textContent = "(" + edges.length + ")";
  }

  function listGone(nodes, edges) {
    var gone = $("gone");
    gone.textContent = "";
    nodes.forEach(function (n) { gone.appendChild(el("li", { "data-gone-id": n.id, text: n.name + " (" + n.id + ")" })); });
    edges.forEach(function (e) {
      gone.appendChild(el("li", { "data-gone-event": e.event.id, text: e.from.id + " —" + e.name + "→ " + e.to.id }));
    });
    $("changes-section").hidden = nodes.length + edges.length === 0;
  }

  function clearGraph(message, stateName) {
    cy.elements().remove();
    drawn = { key: null, nodes: new Map(), edges: new Map() };
    listPanel(new Map(), new Map(), new Set(), new Set(), {});
    listGone([], []);
    setStatus(message, stateName);
  }

  var renders = 0;
  function setStatus(message, stateName) {
    $("status").textContent = message;
    document.body.setAttribute("data-state", stateName);
    if (stateName === "ready" || stateName === "too-big" || stateName === "empty") {
      renders++;
      document.body.setAttribute("data-renders", String(renders));
      timings.lastRender = performance.now();
      // How long the last view took, from asking the server to the drawing.
      document.body.setAttribute("data-last-render-ms", (timings.lastRender - showStart).toFixed(1));
      if (timings.firstDraw === null && stateName === "ready") {
        // From the start of the navigation (performance's time origin).
        timings.firstDraw = timings.lastRender;
        document.body.setAttribute("data-first-draw-ms", timings.firstDraw.toFixed(1));
      }
    }
  }

  function tooBig(count, counts, advice) {
    clearGraph("Too many entities to draw (" + count + " > " + LIMIT + ").", "too-big");
    $("too-big").hidden = false;
    $("too-big-text").textContent = count + " entities: more than " + LIMIT + " would make the page unusable. " + advice;
    var ul = $("too-big-counts");
    ul.textContent = "";
    counts.forEach(function (c) { ul.appendChild(el("li", { "data-type": c.type, text: c.type.toLowerCase() + ": " + c.count })); });
  }

  // ---- the three views ------------------------------------------------------

  var NODE = "id type name";
  var REL = "name role status disputedBy { id } validFrom validTo from { " + NODE + " } to { " + NODE + " }" +
    " event { id kind at precision }";

  function timeLabel() {
    return "asOf " + (state.asOf ? showDate(state.asOf) : "latest") + ", knownAt " + (state.knownAt || "now");
  }

  var generation = 0, showStart = 0;
  function show() {
    var mine = ++generation;
    showStart = performance.now();
    var stale = function () { return mine !== generation; };
    $("too-big").hidden = true;
    $("steps-section").hidden = true;
    syncForms();
    syncSliders();
    document.body.setAttribute("data-state", "loading");
    var run = state.mode === "path" ? showPath : state.mode === "diff" ? showDiff : showFocus;
    return run(stale).catch(function (err) {
      if (stale()) return;
      if (err instanceof AuthNeeded) { askToken(err.message); clearGraph("A token is needed: " + err.message, "auth"); return; }
      clearGraph("Error: " + err.message, "error");
    });
  }

  function showFocus(stale) {
    var chosen = state.focus ? Promise.resolve(state.focus) : pickLanding();
    return chosen.then(function (focus) {
      if (stale()) return;
      if (!focus) { clearGraph("The store is empty.", "empty"); return; }
      state.focus = focus;
      writeUrl(false);
      var vars = { id: focus, hops: state.hops, asOf: state.asOf, knownAt: state.knownAt, relations: relationNames(),
        statuses: statusList() };
      var args = "$id: ID!, $hops: Int, $asOf: Date, $knownAt: DateTime, $relations: [String!], $statuses: [ClaimStatus!]";
      var call = "neighborhood(id: $id, hops: $hops, asOf: $asOf, knownAt: $knownAt, relations: $relations, statuses: $statuses)";
      return gql("query Size(" + args + ") { n: " + call + " { nodeCount counts { type count } } }", vars).then(function (d) {
        if (stale()) return;
        if (!d.n) { clearGraph("No entity " + focus + " is known at " + (state.knownAt || "now") + ".", "empty"); return; }
        if (d.n.nodeCount > LIMIT) {
          tooBig(d.n.nodeCount, d.n.counts, "Narrow the view: fewer hops, or only some relations (the Relations box).");
          return;
        }
        return gql("query Neighborhood(" + args + ") { n: " + call + " { nodes { " + NODE + " } edges { " + REL + " } } }", vars)
          .then(function (d2) {
            if (stale() || !d2.n) return;
            render("focus|" + focus + "|" + state.hops + "|" + state.relations, d2.n.nodes, d2.n.edges, { focus: focus });
            setStatus(d2.n.nodes.length + " entities and " + d2.n.edges.length + " relations within " + state.hops +
              " hop" + (state.hops > 1 ? "s" : "") + " of " + focus + ", " + timeLabel() + ".", "ready");
          });
      });
    });
  }

  // With no focus given: the entity with the most relations among the first ones.
  function pickLanding() {
    return gql("query Landing($knownAt: DateTime) { entities(first: 200, knownAt: $knownAt) { edges { node { id relations { name } } } } }",
      { knownAt: state.knownAt }).then(function (d) {
      var best = null, most = -1;
      d.entities.edges.forEach(function (e) {
        if (e.node.relations.length > most) { most = e.node.relations.length; best = e.node.id; }
      });
      return best;
    });
  }

  function sourceLine(s) {
    if (!s) return el("span", { class: "source", text: "no source given" });
    var parts = [s.publisher, s.title ? "“" + s.title + "”" : null, s.published].filter(Boolean).join(", ");
    var span = el("span", { class: "source" }, [parts || "a source"]);
    if (s.url && /^https?:\/\//i.test(s.url)) {
      span.appendChild(document.createTextNode(" "));
      span.appendChild(el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank", text: s.url }));
    }
    return span;
  }

  var EVENT = "id kind at precision status recordedAt attrs subject { id name } object { id name } about { id name } " +
    "source { publisher title published url } disputedBy { id kind source { publisher } }";

  function showPath(stale) {
    var vars = { from: state.from, to: state.to, asOf: state.asOf, knownAt: state.knownAt, relations: relationNames(),
      statuses: statusList() };
    var q = "query Path($from: ID!, $to: ID!, $asOf: Date, $knownAt: DateTime, $relations: [String!], $statuses: [ClaimStatus!]) {" +
      " path(from: $from, to: $to, asOf: $asOf, knownAt: $knownAt, relations: $relations, statuses: $statuses) { hops steps {" +
      " from { " + NODE + " } to { " + NODE + " } relation { " + REL + " event { " + EVENT + " } } } } }";
    return gql(q, vars).then(function (d) {
      if (stale()) return;
      if (!d.path) { clearGraph("No path from " + state.from + " to " + state.to + " (" + timeLabel() + ").", "empty"); return; }
      var nodes = new Map(), edges = [], pathNodes = new Set(), pathEdges = new Set();
      if (d.path.steps.length === 0) {
        // From an entity to itself: the path is that entity.
        return gql("query One($id: ID!, $asOf: Date, $knownAt: DateTime) { entity(id: $id, asOf: $asOf, knownAt: $knownAt) { " + NODE + " } }",
          { id: state.from, asOf: state.asOf, knownAt: state.knownAt }).then(function (d2) {
          if (stale()) return;
          render("path|" + state.from + "|" + state.to, d2.entity ? [d2.entity] : [], [], { focus: state.from });
          listSteps([]);
          setStatus("A path of 0 steps, " + timeLabel() + ".", "ready");
        });
      }
      d.path.steps.forEach(function (s) {
        nodes.set(s.from.id, s.from);
        nodes.set(s.to.id, s.to);
        pathNodes.add(s.from.id);
        pathNodes.add(s.to.id);
        edges.push(s.relation);
        pathEdges.add(edgeKey(s.relation));
      });
      render("path|" + state.from + "|" + state.to, Array.from(nodes.values()), edges,
        { focus: state.from, pathNodes: pathNodes, pathEdges: pathEdges });
      listSteps(d.path.steps);
      setStatus("A shortest path of " + d.path.hops + " step" + (d.path.hops > 1 ? "s" : "") + " from " + state.from +
        " to " + state.to + ", " + timeLabel() + ".", "ready");
    });
  }

  function listSteps(steps) {
    var ol = $("steps");
    ol.textContent = "";
    steps.forEach(function (s) {
      var r = s.relation, ev = r.event;
      ol.appendChild(el("li", { "data-step-event": ev.id }, [
        el("div", {}, [s.from.name + " —" + r.name + (r.role === "ABOUT" ? " (about)" : "") + "→ " + s.to.name]),
        el("div", {}, [el("span", { class: "when", text: showDate(ev.at, ev.precision) }), " " + ev.kind]),
        sourceLine(ev.source),
      ]));
    });
    $("steps-section").hidden = false;
  }

  function showDiff(stale) {
    var q = "query Diff($from: Date!, $to: Date!, $knownAt: DateTime, $statuses: [ClaimStatus!]) {" +
      " diff(from: $from, to: $to, knownAt: $knownAt, statuses: $statuses) { added { " + REL + " } removed { " + REL + " } } }";
    return gql(q, { from: state.diffFrom, to: state.diffTo, knownAt: state.knownAt, statuses: statusList() }).then(function (d) {
      if (stale()) return;
      var nodes = new Map(), edges = [];
      var take = function (list, change) {
        list.forEach(function (r) {
          nodes.set(r.from.id, r.from);
          nodes.set(r.to.id, r.to);
          edges.push(Object.assign({}, r, { change: change }));
        });
      };
      take(d.diff.added, "added");
      take(d.diff.removed, "removed");
      if (nodes.size > LIMIT) {
        var counts = {};
        nodes.forEach(function (n) { counts[n.type] = (counts[n.type] || 0) + 1; });
        tooBig(nodes.size, Object.keys(counts).map(function (t) { return { type: t, count: counts[t] }; }),
          "Narrow the view: two dates closer together.");
        return;
      }
      render("diff|" + state.diffFrom + "|" + state.diffTo, Array.from(nodes.values()), edges, {});
      setStatus(d.diff.added.length + " relations added (green) and " + d.diff.removed.length + " removed (red) between " +
        showDate(state.diffFrom) + " and " + showDate(state.diffTo) + ", knownAt " + (state.knownAt || "now") + ".", "ready");
    });
  }

  // ---- details ---------------------------------------------------------------

  function details(title, body) {
    $("details-title").textContent = title;
    var box = $("details");
    box.textContent = "";
    body.forEach(function (b) { box.appendChild(b); });
    $("details-section").hidden = false;
  }

  function attrsList(attrs) {
    var keys = attrs ? Object.keys(attrs) : [];
    if (!keys.length) return el("p", { text: "No attributes." });
    return el("dl", { class: "attrs" }, keys.reduce(function (acc, k) {
      var v = attrs[k];
      acc.push(el("dt", { text: k }));
      acc.push(el("dd", { text: typeof v === "string" ? v : JSON.stringify(v) }));
      return acc;
    }, []));
  }

  function eventItem(ev) {
    var who = (ev.subject ? ev.subject.name : "?") + (ev.object ? " → " + ev.object.name : "") +
      (ev.about && ev.about.length ? " (about " + ev.about.map(function (a) { return a.name; }).join(", ") + ")" : "");
    return el("li", { "data-detail-event": ev.id }, [
      el("div", {}, [el("span", { class: "when", text: showDate(ev.at, ev.precision) }), " ", el("strong", { text: ev.kind }),
        ev.status ? el("span", { class: "tag status", text: ev.status.toLowerCase() }) : null]),
      el("div", { text: who }),
      ev.disputedBy && ev.disputedBy.length ? el("div", { class: "disputed", text: "Disputed by " + ev.disputedBy.map(function (x) {
        return x.kind + (x.source && x.source.publisher ? " (" + x.source.publisher + ")" : "");
      }).join("; ") }) : null,
      ev.attrs && Object.keys(ev.attrs).length ? attrsList(ev.attrs) : null,
      sourceLine(ev.source),
      el("div", {}, [el("small", { text: "recorded " + ev.recordedAt + " · event " + ev.id })]),
    ]);
  }

  function showEntity(id) {
    selectItem("[data-id]", id, "data-id");
    var q = "query Entity($id: ID!, $asOf: Date, $knownAt: DateTime) { entity(id: $id, asOf: $asOf, knownAt: $knownAt) {" +
      " id type name attrs history { " + EVENT + " } } }";
    return gql(q, { id: id, asOf: state.asOf, knownAt: state.knownAt }).then(function (d) {
      var e = d.entity;
      if (!e) { details(id, [el("p", { text: "Not known at this knownAt." })]); return; }
      var focusBtn = el("button", { type: "button", text: "Focus on " + e.name });
      focusBtn.addEventListener("click", function () { refocus(e.id); });
      details(e.name, [
        el("p", {}, [el("span", { class: "tag " + e.type.toLowerCase(), text: e.type.toLowerCase() }), e.id + " ", focusBtn]),
        attrsList(e.attrs),
        el("h3", { text: "History (" + e.history.length + " events, up to " + (state.asOf ? showDate(state.asOf) : "the latest") + ")" }),
        el("ol", { class: "timeline" }, e.history.map(eventItem)),
      ]);
    }).catch(report);
  }

  function showRelation(r) {
    selectItem("[data-edge]", edgeKey(r), "data-edge");
    // The relation's events: its own, then every other visible event that
    // names both of its ends (found by ids first, to keep the request small).
    var q = "query RelIds($entity: ID!, $knownAt: DateTime) { all: events(entity: $entity, knownAt: $knownAt, first: 1000) {" +
      " edges { node { id subject { id } object { id } about { id } } } } }";
    return gql(q, { entity: r.from.id, knownAt: state.knownAt }).then(function (d) {
      var ends = [r.from.id, r.to.id];
      var ids = [r.event.id].concat(d.all.edges.map(function (x) { return x.node; }).filter(function (ev) {
        if (ev.id === r.event.id) return false;
        var named = [ev.subject && ev.subject.id, ev.object && ev.object.id].concat((ev.about || []).map(function (a) { return a.id; }));
        return named.indexOf(ends[0]) >= 0 && named.indexOf(ends[1]) >= 0;
      }).map(function (ev) { return ev.id; })).slice(0, 50);
      var vars = { knownAt: state.knownAt }, fields = ids.map(function (id, i) {
        vars["e" + i] = id;
        return "e" + i + ": event(id: $e" + i + ", knownAt: $knownAt) { " + EVENT + " }";
      });
      var decl = ids.map(function (id, i) { return "$e" + i + ": ID!"; }).concat(["$knownAt: DateTime"]).join(", ");
      return gql("query RelEvents(" + decl + ") { " + fields.join(" ") + " }", vars).then(function (d2) {
        var events = ids.map(function (id, i) { return d2["e" + i]; }).filter(Boolean);
        details(r.name + (r.role === "ABOUT" ? " (about-link)" : ""), [
          el("p", { text: r.from.name + " → " + r.to.name + ", valid from " + r.validFrom + (r.validTo ? " to " + r.validTo : " (open)") }),
          el("h3", { text: "Events (" + events.length + ")" }),
          el("ol", { class: "events" }, events.map(eventItem)),
        ]);
      });
    }).catch(report);
  }

  function selectItem(selector, value, attr) {
    document.querySelectorAll("#panel .items li.selected").forEach(function (li) { li.classList.remove("selected"); });
    document.querySelectorAll("#panel .items li" + selector).forEach(function (li) {
      if (li.getAttribute(attr) === value) li.classList.add("selected");
    });
  }

  function report(err) {
    if (err instanceof AuthNeeded) askToken(err.message);
    else details("Error", [el("p", { text: err.message })]);
  }

  cy.on("tap", "node", function (ev) { showEntity(ev.target.id()); });
  cy.on("dbltap", "node", function (ev) { refocus(ev.target.id()); });
  cy.on("tap", "edge", function (ev) {
    var e = drawn.edges.get(ev.target.id());
    if (e) showRelation(e);
  });

  function refocus(id) {
    state.mode = "focus";
    state.focus = id;
    writeUrl(true);
    show();
  }

  // ---- forms, typeahead, token ------------------------------------------------

  function syncForms() {
    document.querySelectorAll("#modes button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === state.mode));
    });
    document.querySelectorAll(".mode-form").forEach(function (f) { f.hidden = f.dataset.for !== state.mode; });
    if (state.focus && document.activeElement !== $("search")) $("search").value = state.focus;
    $("hops").value = String(state.hops);
    $("relations").value = state.relations || "";
    $("statuses").value = state.statuses || "";
    if (state.from) $("path-from").value = state.from;
    if (state.to) $("path-to").value = state.to;
    if (state.diffFrom) $("diff-from").value = state.diffFrom;
    if (state.diffTo) $("diff-to").value = state.diffTo;
  }

  // A search box with suggestions: entities whose name or id contains the text.
  function typeahead(input, list, onPick) {
    var timer = null, items = [], active = -1;
    var close = function () { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; };
    var highlight = function (i) {
      active = i;
      Array.from(list.children).forEach(function (li, j) { li.setAttribute("aria-selected", String(j === i)); });
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (!text) { close(); return; }
      timer = setTimeout(function () {
        gql("query Search($s: String, $knownAt: DateTime) { entities(search: $s, knownAt: $knownAt, first: 12) { edges { node { id name type } } } }",
          { s: text, knownAt: state.knownAt }).then(function (d) {
          items = d.entities.edges.map(function (e) { return e.node; });
          list.textContent = "";
          items.forEach(function (n, i) {
            var li = el("li", { role: "option", "data-entity": n.id, id: list.id + "-" + i },
              [el("span", { class: "tag " + n.type.toLowerCase(), text: n.type.toLowerCase() }), n.name + " ", el("small", { text: n.id })]);
            li.addEventListener("mousedown", function (ev) { ev.preventDefault(); input.value = n.id; close(); onPick(n.id); });
            list.appendChild(li);
          });
          list.hidden = items.length === 0;
          input.setAttribute("aria-expanded", String(items.length > 0));
          active = -1;
        }).catch(report);
      }, 150);
    });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(0, active - 1)); }
      else if (ev.key === "Escape") close();
      else if (ev.key === "Enter" && active >= 0) {
        ev.preventDefault();
        var id = items[active].id;
        input.value = id;
        close();
        onPick(id);
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function askToken(message) {
    var form = $("auth");
    form.hidden = false;
    form.querySelector("label").textContent = "This server needs a token to read (" + message + "):";
    $("token").focus();
  }

  $("auth").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = $("token").value.trim();
    if (!t) return;
    sessionStorage.setItem(TOKEN_KEY, t);
    $("token").value = "";
    $("auth").hidden = true;
    document.body.setAttribute("data-state", "loading");
    start();
  });

  typeahead($("search"), $("search-list"), function (id) { refocus(id); });
  typeahead($("path-from"), $("path-from-list"), function () {});
  typeahead($("path-to"), $("path-to-list"), function () {});

  $("focus-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = $("search").value.trim();
    state.hops = clampHops($("hops").value);
    state.relations = $("relations").value.trim() || null;
    state.mode = "focus";
    if (id) state.focus = id;
    writeUrl(true);
    show();
  });
  $("statuses").addEventListener("change", function () { state.statuses = $("statuses").value || null; writeUrl(true); show(); });
  $("hops").addEventListener("change", function () { state.hops = clampHops($("hops").value); writeUrl(true); show(); });
  $("path-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var from = $("path-from").value.trim(), to = $("path-to").value.trim();
    if (!from || !to) return;
    state.mode = "path";
    state.from = from;
    state.to = to;
    writeUrl(true);
    show();
  });
  $("diff-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var from = $("diff-from").value.trim(), to = $("diff-to").value.trim();
    if (!from || !to) return;
    state.mode = "diff";
    state.diffFrom = from;
    state.diffTo = to;
    writeUrl(true);
    show();
  });
  document.querySelectorAll("#modes button").forEach(function (b) {
    b.addEventListener("click", function () {
      state.mode = b.dataset.mode;
      syncForms();
      if (state.mode === "focus" || (state.mode === "path" && state.from && state.to) ||
          (state.mode === "diff" && state.diffFrom && state.diffTo)) { writeUrl(true); show(); }
    });
  });
  $("asOf").addEventListener("input", onSlider);
  $("knownAt").addEventListener("input", onSlider);
  $("asOf-latest").addEventListener("click", function () { state.asOf = null; writeUrl(false); show(); });
  $("knownAt-now").addEventListener("click", function () { state.knownAt = null; writeUrl(false); show(); });
  window.addEventListener("popstate", function () { state = readUrl(); show(); });

  function start() {
    state = readUrl();
    return gql("query Range { timeRange { validFrom validTo recordedTimes(limit: 1000) } }").then(function (d) {
      setupSliders(d.timeRange);
      return show();
    }).catch(function (err) {
      if (err instanceof AuthNeeded) { askToken(err.message); clearGraph("A token is needed: " + err.message, "auth"); return; }
      clearGraph("Error: " + err.message, "error");
    });
  }

  start();
})();
