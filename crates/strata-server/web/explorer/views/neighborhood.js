// views/neighborhood: the Neighborhood view (mode "focus"), the default.
// An entity's neighborhood, 1 to 3 hops, sized first so that one of more
// than LIMIT entities is counted instead of drawn. With no focus given, the
// entity with the most relations among the first ones.
//   /?focus=ID&hops=N[&relations=a,b][&asOf=DATE][&knownAt=INSTANT]
import { $ } from "../dom.js";
import { gql } from "../api.js";
import { LIMIT, clearView, render, setStatus, tooBig } from "../panel.js";
import { LANDING, NEIGHBORHOOD, NEIGHBORHOOD_SIZE } from "../queries.js";
import { typeahead } from "../typeahead.js";
import { relationNames, state, statusList, timeLabel, writeUrl } from "../url.js";

function clampHops(v) {
  const n = parseInt(v, 10);
  return n >= 1 && n <= 3 ? n : 2;
}

// The entity with the most relations among the first ones.
async function pickLanding() {
  const d = await gql(LANDING, { knownAt: state.knownAt });
  let best = null, most = -1;
  for (const e of d.entities.edges) {
    if (e.node.relations.length > most) {
      most = e.node.relations.length;
      best = e.node.id;
    }
  }
  return best;
}

export default {
  mode: "focus",
  read: (p) => ({ focus: p.get("focus"), hops: clampHops(p.get("hops")) }),
  write: (s) => (s.focus ? [["focus", s.focus], ["hops", String(s.hops)], ["relations", s.relations]] : []),
  // With no focus, the landing entity: always ready.
  ready: () => true,

  sync(s) {
    if (s.focus && document.activeElement !== $("search")) $("search").value = s.focus;
    $("hops").value = String(s.hops);
    $("relations").value = s.relations || "";
  },

  bind({ go, refocus }) {
    typeahead($("search"), refocus);
    $("focus-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const id = $("search").value.trim();
      state.hops = clampHops($("hops").value);
      state.relations = $("relations").value.trim() || null;
      state.mode = "focus";
      if (id) state.focus = id;
      go();
    });
    $("hops").addEventListener("change", () => {
      state.hops = clampHops($("hops").value);
      go();
    });
  },

  async run(stale) {
    const focus = state.focus || (await pickLanding());
    if (stale()) return;
    if (!focus) {
      clearView("The store is empty.", "empty");
      return;
    }
    state.focus = focus;
    writeUrl(false);
    const vars = { id: focus, hops: state.hops, asOf: state.asOf, knownAt: state.knownAt, relations: relationNames(),
      statuses: statusList() };
    const size = await gql(NEIGHBORHOOD_SIZE, vars);
    if (stale()) return;
    if (!size.n) {
      clearView("No entity " + focus + " is known at " + (state.knownAt || "now") + ".", "empty");
      return;
    }
    if (size.n.nodeCount > LIMIT) {
      tooBig(size.n.nodeCount, size.n.counts, "Narrow the view: fewer hops, or only some relations (the Relations box).");
      return;
    }
    const d = await gql(NEIGHBORHOOD, vars);
    if (stale() || !d.n) return;
    render("focus|" + focus + "|" + state.hops + "|" + state.relations, d.n.nodes, d.n.edges, { focus });
    setStatus(d.n.nodes.length + " entities and " + d.n.edges.length + " relations within " + state.hops +
      " hop" + (state.hops > 1 ? "s" : "") + " of " + focus + ", " + timeLabel() + ".", "ready");
  },
};
