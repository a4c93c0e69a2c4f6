// views/learned: the "What we learned" view. Between two knownAt instants
// (recorded time): the relations learned (green) and withdrawn (red,
// dotted), read at asOf, and the events recorded in between with their
// sources, listed in the panel. The knownAt slider does not apply: the two
// instants are the view's own.
//   /?learnedFrom=INSTANT&learnedTo=INSTANT[&asOf=DATE]
import { $, el } from "../dom.js";
import { gql } from "../api.js";
import { showDate } from "../dates.js";
import { setStatus, sourceLine } from "../panel.js";
import { KNOWLEDGE_DIFF } from "../queries.js";
import { drawChanges, rangeView } from "../range.js";
import { state, statusList } from "../url.js";

function who(ev) {
  return (ev.subject ? ev.subject.name : "?") + (ev.object ? " → " + ev.object.name : "");
}

/** The events recorded between the two instants, oldest first, each with its source. */
function listRecorded(events) {
  const ol = $("recorded");
  ol.textContent = "";
  for (const ev of events) {
    ol.appendChild(el("li", { "data-recorded-event": ev.id }, [
      el("div", {}, [el("span", { class: "when", text: showDate(ev.at, ev.precision) }), " ", el("strong", { text: ev.kind }),
        ev.retracts ? el("span", { class: "tag status", text: "retraction" }) : null]),
      el("div", { text: who(ev) }),
      ev.note ? el("div", { class: "note", text: "Note: " + ev.note }) : null,
      sourceLine(ev.source),
      el("div", {}, [el("small", { text: "recorded " + ev.recordedAt })]),
    ]));
  }
  $("recorded-count").textContent = "(" + events.length + ")";
  $("recorded-section").hidden = false;
}

export default {
  ...rangeView("learned", "learnedFrom", "learnedTo", "learned"),

  async run(stale) {
    const d = await gql(KNOWLEDGE_DIFF,
      { from: state.learnedFrom, to: state.learnedTo, asOf: state.asOf, statuses: statusList() });
    if (stale()) return;
    const k = d.knowledgeDiff;
    listRecorded(k.events);
    const drawn = drawChanges("learned|" + state.learnedFrom + "|" + state.learnedTo, k.learned, k.withdrawn,
      "Narrow the view: two instants closer together.");
    if (!drawn) return;
    setStatus("Learned " + k.learned.length + " relations (green), withdrew " + k.withdrawn.length + " (red), " +
      k.events.length + " events recorded after " + state.learnedFrom + " up to " + state.learnedTo + ".", "ready");
  },
};
