// views/diff: the Diff view. The relations added (green) and removed (red,
// dotted) between two dates of any precision, at knownAt; asOf does not
// apply (its slider is disabled).
//   /?diffFrom=DATE&diffTo=DATE[&knownAt=INSTANT]
import { $ } from "../dom.js";
import { gql } from "../api.js";
import { showDate } from "../dates.js";
import { LIMIT, render, setStatus, tooBig } from "../panel.js";
import { DIFF } from "../queries.js";
import { state, statusList } from "../url.js";

export default {
  mode: "diff",
  asOf: false,
  read: (p) => ({ diffFrom: p.get("diffFrom"), diffTo: p.get("diffTo") }),
  write: (s) => [["diffFrom", s.diffFrom], ["diffTo", s.diffTo]],
  ready: (s) => !!(s.diffFrom && s.diffTo),

  sync(s) {
    if (s.diffFrom) $("diff-from").value = s.diffFrom;
    if (s.diffTo) $("diff-to").value = s.diffTo;
  },

  bind({ go }) {
    $("diff-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const from = $("diff-from").value.trim(), to = $("diff-to").value.trim();
      if (!from || !to) return;
      Object.assign(state, { mode: "diff", diffFrom: from, diffTo: to });
      go();
    });
  },

  async run(stale) {
    const d = await gql(DIFF, { from: state.diffFrom, to: state.diffTo, knownAt: state.knownAt, statuses: statusList() });
    if (stale()) return;
    const nodes = new Map(), edges = [];
    const take = (list, change) => {
      for (const r of list) {
        nodes.set(r.from.id, r.from);
        nodes.set(r.to.id, r.to);
        edges.push({ ...r, change });
      }
    };
    take(d.diff.added, "added");
    take(d.diff.removed, "removed");
    if (nodes.size > LIMIT) {
      const counts = new Map();
      for (const n of nodes.values()) counts.set(n.type, (counts.get(n.type) || 0) + 1);
      tooBig(nodes.size, Array.from(counts, ([type, count]) => ({ type, count })), "Narrow the view: two dates closer together.");
      return;
    }
    render("diff|" + state.diffFrom + "|" + state.diffTo, Array.from(nodes.values()), edges, {});
    setStatus(d.diff.added.length + " relations added (green) and " + d.diff.removed.length + " removed (red) between " +
      showDate(state.diffFrom) + " and " + showDate(state.diffTo) + ", knownAt " + (state.knownAt || "now") + ".", "ready");
  },
};
