// views/journey: the Journey view. The time-respecting path from one
// entity to another that arrives earliest (`journey`): each step is taken
// on or after the day of the step before, between `after` and `before`.
// Each edge carries the day its step was taken; the steps are listed in
// order with their events. asOf does not apply: each step is read as of
// its own day.
//   /?jFrom=ID&jTo=ID[&after=DATE][&before=DATE][&relations=a,b][&knownAt=INSTANT]
import { $ } from "../dom.js";
import { gql } from "../api.js";
import { clearView, drawSteps, setStatus } from "../panel.js";
import { JOURNEY } from "../queries.js";
import { typeahead } from "../typeahead.js";
import { relationNames, state, statusList } from "../url.js";

function span(s) {
  return (s.after ? " after " + s.after : "") + (s.before ? " before " + s.before : "");
}

export default {
  mode: "journey",
  asOf: false,
  read: (p) => ({ jFrom: p.get("jFrom"), jTo: p.get("jTo"), after: p.get("after"), before: p.get("before") }),
  write: (s) => [["jFrom", s.jFrom], ["jTo", s.jTo], ["after", s.after], ["before", s.before], ["relations", s.relations]],
  ready: (s) => !!(s.jFrom && s.jTo),

  sync(s) {
    if (s.jFrom) $("journey-from").value = s.jFrom;
    if (s.jTo) $("journey-to").value = s.jTo;
    $("journey-after").value = s.after || "";
    $("journey-before").value = s.before || "";
  },

  bind({ go }) {
    typeahead($("journey-from"), () => {});
    typeahead($("journey-to"), () => {});
    $("journey-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const from = $("journey-from").value.trim(), to = $("journey-to").value.trim();
      if (!from || !to) return;
      Object.assign(state, { mode: "journey", jFrom: from, jTo: to,
        after: $("journey-after").value.trim() || null, before: $("journey-before").value.trim() || null });
      go();
    });
  },

  async run(stale) {
    const d = await gql(JOURNEY, { from: state.jFrom, to: state.jTo, after: state.after, before: state.before,
      knownAt: state.knownAt, relations: relationNames(), statuses: statusList() });
    if (stale()) return;
    const j = d.journey;
    if (!j || !j.steps.length) {
      clearView("No journey from " + state.jFrom + " to " + state.jTo + span(state) + " (knownAt " +
        (state.knownAt || "now") + ").", "empty");
      return;
    }
    drawSteps("journey|" + state.jFrom + "|" + state.jTo, j.steps, state.jFrom, (s, i) => ({ stepAt: (i + 1) + ". " + s.at }));
    const last = j.steps[j.steps.length - 1];
    setStatus("A journey of " + j.hops + " step" + (j.hops === 1 ? "" : "s") + " from " + state.jFrom + " to " + state.jTo +
      ", from " + j.steps[0].at + ", arriving " + last.at + span(state) + ".", "ready");
  },
};
