// views/path: the Path view. The shortest path between two entities at
// asOf, highlighted, with its steps listed with their dates and sources.
//   /?from=ID&to=ID[&relations=a,b][&asOf=DATE][&knownAt=INSTANT]
import { $ } from "../dom.js";
import { gql } from "../api.js";
import { clearView, drawSteps, listSteps, render, setStatus } from "../panel.js";
import { ENTITY_NODE, PATH } from "../queries.js";
import { typeahead } from "../typeahead.js";
import { relationNames, state, statusList, timeLabel } from "../url.js";

export default {
  mode: "path",
  read: (p) => ({ from: p.get("from"), to: p.get("to") }),
  write: (s) => [["from", s.from], ["to", s.to], ["relations", s.relations]],
  ready: (s) => !!(s.from && s.to),

  sync(s) {
    if (s.from) $("path-from").value = s.from;
    if (s.to) $("path-to").value = s.to;
  },

  bind({ go }) {
    typeahead($("path-from"), () => {});
    typeahead($("path-to"), () => {});
    $("path-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const from = $("path-from").value.trim(), to = $("path-to").value.trim();
      if (!from || !to) return;
      Object.assign(state, { mode: "path", from, to });
      go();
    });
  },

  async run(stale) {
    const key = "path|" + state.from + "|" + state.to;
    const d = await gql(PATH, { from: state.from, to: state.to, asOf: state.asOf, knownAt: state.knownAt,
      relations: relationNames(), statuses: statusList() });
    if (stale()) return;
    if (!d.path) {
      clearView("No path from " + state.from + " to " + state.to + " (" + timeLabel() + ").", "empty");
      return;
    }
    if (d.path.steps.length === 0) {
      // From an entity to itself: the path is that entity.
      const one = await gql(ENTITY_NODE, { id: state.from, asOf: state.asOf, knownAt: state.knownAt });
      if (stale()) return;
      render(key, one.entity ? [one.entity] : [], [], { focus: state.from });
      listSteps([]);
      setStatus("A path of 0 steps, " + timeLabel() + ".", "ready");
      return;
    }
    drawSteps(key, d.path.steps, state.from);
    setStatus("A shortest path of " + d.path.hops + " step" + (d.path.hops > 1 ? "s" : "") + " from " + state.from +
      " to " + state.to + ", " + timeLabel() + ".", "ready");
  },
};
