// views/learned: the "What we learned" view. Between two knownAt instants
// (recorded time): the relations learned (green) and withdrawn (red,
// dotted), read at asOf, and the events recorded in between with their
// sources, listed in the panel. The knownAt slider does not apply: the two
// instants are the view's own.
//   /?learnedFrom=INSTANT&learnedTo=INSTANT[&asOf=DATE]
import { $, el } from "../dom.js";
import { gql } from "../api.js";
import { showDate } from "../dates.js";
import { LIMIT, render, setStatus, sourceLine, tooBig } from "../panel.js";
import { KNOWLEDGE_DIFF } from "../queries.js";
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
  mode: "learned",
  read: (p) => ({ learnedFrom: p.get("learnedFrom"), learnedTo: p.get("learnedTo") }),
  write: (s) => [["learnedFrom", s.learnedFrom], ["learnedTo", s.learnedTo]],
  ready: (s) => !!(s.learnedFrom && s.learnedTo),

  sync(s) {
    if (s.learnedFrom) $("learned-from").value = s.learnedFrom;
    if (s.learnedTo) $("learned-to").value = s.learnedTo;
  },

  bind({ go }) {
    $("learned-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const from = $("learned-from").value.trim(), to = $("learned-to").value.trim();
      if (!from || !to) return;
      Object.assign(state, { mode: "learned", learnedFrom: from, learnedTo: to });
      go();
    });
  },

  async run(stale) {
    const d = await gql(KNOWLEDGE_DIFF,
      { from: state.learnedFrom, to: state.learnedTo, asOf: state.asOf, statuses: statusList() });
    if (stale()) return;
    const k = d.knowledgeDiff;
    const nodes = new Map(), edges = [];
    const take = (list, change) => {
      for (const r of list) {
        nodes.set(r.from.id, r.from);
        nodes.set(r.to.id, r.to);
        edges.push({ ...r, change });
      }
    };
    take(k.learned, "added");
    take(k.withdrawn, "removed");
    listRecorded(k.events);
    if (nodes.size > LIMIT) {
      const counts = new Map();
      for (const n of nodes.values()) counts.set(n.type, (counts.get(n.type) || 0) + 1);
      tooBig(nodes.size, Array.from(counts, ([type, count]) => ({ type, count })), "Narrow the view: two instants closer together.");
      return;
    }
    render("learned|" + state.learnedFrom + "|" + state.learnedTo, Array.from(nodes.values()), edges, {});
    setStatus("Learned " + k.learned.length + " relations (green), withdrew " + k.withdrawn.length + " (red), " +
      k.events.length + " events recorded after " + state.learnedFrom + " up to " + state.learnedTo + ".", "ready");
  },
};
