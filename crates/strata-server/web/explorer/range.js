// range: what the two views of change over an interval share (views/diff
// between two dates of valid time, views/learned between two instants of
// recorded time): the two bounds, kept in the URL and entered in a form,
// and the graph of the relations added (green) and removed (red, dotted).
import { $ } from "./dom.js";
import { LIMIT, render, tooBig } from "./panel.js";
import { state } from "./url.js";

/**
 * The URL, form and state parts of the view `mode` over the interval from
 * `state[from]` to `state[to]`, entered in the form `#PREFIX-form` with
 * the inputs `#PREFIX-from` and `#PREFIX-to`.
 */
export function rangeView(mode, from, to, prefix) {
  return {
    mode,
    read: (p) => ({ [from]: p.get(from), [to]: p.get(to) }),
    write: (s) => [[from, s[from]], [to, s[to]]],
    ready: (s) => !!(s[from] && s[to]),

    sync(s) {
      if (s[from]) $(prefix + "-from").value = s[from];
      if (s[to]) $(prefix + "-to").value = s[to];
    },

    bind({ go }) {
      $(prefix + "-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const a = $(prefix + "-from").value.trim(), b = $(prefix + "-to").value.trim();
        if (!a || !b) return;
        Object.assign(state, { mode, [from]: a, [to]: b });
        go();
      });
    },
  };
}

/**
 * Draws the relations `added` and `removed` with the entities at their
 * ends, as the graph `key`. Past LIMIT entities it draws nothing and says
 * so, with `narrow` as the advice, and returns false.
 */
export function drawChanges(key, added, removed, narrow) {
  const nodes = new Map(), edges = [];
  for (const [list, change] of [[added, "added"], [removed, "removed"]]) {
    for (const r of list) {
      nodes.set(r.from.id, r.from);
      nodes.set(r.to.id, r.to);
      edges.push({ ...r, change });
    }
  }
  if (nodes.size > LIMIT) {
    const counts = new Map();
    for (const n of nodes.values()) counts.set(n.type, (counts.get(n.type) || 0) + 1);
    tooBig(nodes.size, Array.from(counts, ([type, count]) => ({ type, count })), narrow);
    return false;
  }
  render(key, Array.from(nodes.values()), edges, {});
  return true;
}
