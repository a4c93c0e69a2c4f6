// views/connections: the connection timeline of a pair. Above the graph, a
// horizontal valid-time axis with one bar per interval during which a path
// of at most maxHops joined the two entities (`connections`); clicking a
// bar (or Enter on it) draws that interval's path, as on its first day,
// with its steps listed. asOf does not apply: each path is read as of its
// interval's first day.
//   /?connFrom=ID&connTo=ID[&bar=N][&relations=a,b][&knownAt=INSTANT]
import { $ } from "../dom.js";
import { gql } from "../api.js";
import { dayNumber, dayString } from "../dates.js";
import { clearView, drawSteps, setStatus } from "../panel.js";
import { CONNECTIONS } from "../queries.js";
import { typeahead } from "../typeahead.js";
import { relationNames, state, statusList, writeUrl } from "../url.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 86, LANE_Y = 30, LANE_H = 26, PAD = 28;

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The ticks of an axis from day `a` to day `b`: years, or months when it spans under two years. */
function ticks(a, b) {
  const out = [];
  const first = new Date(a * 86400000), months = (b - a) < 730;
  let y = first.getUTCFullYear(), m = months ? first.getUTCMonth() : 0;
  for (;;) {
    const d = Date.UTC(y, m, 1) / 86400000;
    if (d > b) break;
    if (d >= a) out.push({ day: d, label: months ? (m === 0 ? String(y) : dayString(d).slice(0, 7)) : String(y), major: m === 0 });
    if (months) { m++; if (m === 12) { m = 0; y++; } } else y++;
  }
  return out;
}

/** Draws the bars of `list` on a time axis in #timeline; `pick(i)` when bar i is chosen. */
function drawTimeline(list, chosen, pick) {
  const box = $("timeline");
  box.hidden = false;
  const host = $("timeline-svg");
  host.textContent = "";
  const width = Math.max(320, host.clientWidth || box.clientWidth || 800);
  const today = Math.floor(Date.now() / 86400000);
  const starts = list.map((c) => dayNumber(c.validFrom));
  const ends = list.map((c, i) => (c.validTo ? dayNumber(c.validTo) : Math.max(today, starts[i] + 1)));
  let a = Math.min(...starts), b = Math.max(...ends);
  const margin = Math.max(15, Math.round((b - a) * 0.04));
  a -= margin; b += margin;
  const x = (d) => PAD + ((d - a) / (b - a)) * (width - 2 * PAD);
  const root = svg("svg", { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: "group",
    "aria-label": "When they were connected" });
  root.appendChild(svg("rect", { x: PAD, y: LANE_Y - 4, width: width - 2 * PAD, height: LANE_H + 8, rx: 6, class: "lane" }));
  for (const t of ticks(a, b)) {
    root.appendChild(svg("line", { x1: x(t.day), x2: x(t.day), y1: LANE_Y - 4, y2: LANE_Y + LANE_H + 10,
      class: t.major ? "tick major" : "tick" }));
    root.appendChild(svg("text", { x: x(t.day), y: HEIGHT - 6, class: "tick-label", "text-anchor": "middle" }, t.label));
  }
  if (today > a && today < b) {
    root.appendChild(svg("line", { x1: x(today), x2: x(today), y1: 6, y2: LANE_Y + LANE_H + 4, class: "today" }));
    root.appendChild(svg("text", { x: x(today), y: 14, class: "today-label", "text-anchor": "middle" }, "today"));
  }
  list.forEach((c, i) => {
    const x0 = x(starts[i]), x1 = Math.max(x(ends[i]), x0 + 6);
    const span = c.validFrom + " → " + (c.validTo || "open") + ", " + c.path.hops + " step" + (c.path.hops === 1 ? "" : "s");
    const g = svg("g", { class: "bar" + (i === chosen ? " chosen" : "") + (c.validTo ? "" : " open"), "data-bar": i,
      tabindex: 0, role: "button", "aria-pressed": String(i === chosen), "aria-label": span,
      "data-from": c.validFrom, "data-to": c.validTo || "" });
    g.appendChild(svg("title", {}, span));
    g.appendChild(svg("rect", { x: x0, y: LANE_Y, width: x1 - x0, height: LANE_H, rx: 5 }));
    if (x1 - x0 > 70) {
      g.appendChild(svg("text", { x: x0 + 7, y: LANE_Y + LANE_H / 2 + 4, class: "bar-label" },
        c.path.hops + (c.path.hops === 1 ? " step" : " steps") +
        (x1 - x0 > 240 ? " · " + c.validFrom + " → " + (c.validTo || "still connected") : "")));
    }
    g.addEventListener("click", () => pick(i));
    g.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(i); }
    });
    root.appendChild(g);
  });
  host.appendChild(root);
}

/** Draws the path of connection `c` (bar `i`). */
function drawPath(c, i, count) {
  drawSteps("connections|" + state.connFrom + "|" + state.connTo + "|" + i, c.path.steps, state.connFrom);
  document.querySelectorAll("#timeline .bar").forEach((g) => {
    const on = +g.dataset.bar === i;
    g.classList.toggle("chosen", on);
    g.setAttribute("aria-pressed", String(on));
  });
  setStatus("Connected during " + count + " interval" + (count === 1 ? "" : "s") + "; drawn: " + c.validFrom + " → " +
    (c.validTo || "open") + ", a path of " + c.path.hops + " step" + (c.path.hops === 1 ? "" : "s") + " as of " +
    c.validFrom + ".", "ready");
}

export default {
  mode: "connections",
  asOf: false,
  read: (p) => ({ connFrom: p.get("connFrom"), connTo: p.get("connTo"), bar: p.get("bar") }),
  write: (s) => [["connFrom", s.connFrom], ["connTo", s.connTo], ["bar", s.bar], ["relations", s.relations]],
  ready: (s) => !!(s.connFrom && s.connTo),

  sync(s) {
    if (s.connFrom) $("conn-from").value = s.connFrom;
    if (s.connTo) $("conn-to").value = s.connTo;
    $("timeline").hidden = s.mode !== "connections";
  },

  bind({ go }) {
    typeahead($("conn-from"), () => {});
    typeahead($("conn-to"), () => {});
    $("conn-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const from = $("conn-from").value.trim(), to = $("conn-to").value.trim();
      if (!from || !to) return;
      Object.assign(state, { mode: "connections", connFrom: from, connTo: to, bar: null });
      go();
    });
  },

  async run(stale) {
    const d = await gql(CONNECTIONS, { from: state.connFrom, to: state.connTo, knownAt: state.knownAt,
      relations: relationNames(), statuses: statusList() });
    if (stale()) return;
    const list = d.connections;
    if (!list.length) {
      $("timeline").hidden = true;
      clearView("Never connected: no path of at most 3 steps from " + state.connFrom + " to " + state.connTo +
        " on any day (knownAt " + (state.knownAt || "now") + ").", "empty");
      return;
    }
    // The bar asked for, else the latest interval.
    let i = state.bar === null || state.bar === undefined ? list.length - 1 : parseInt(state.bar, 10);
    if (!(i >= 0 && i < list.length)) i = list.length - 1;
    const pick = (j) => {
      state.bar = String(j);
      writeUrl(true);
      drawPath(list[j], j, list.length);
    };
    drawTimeline(list, i, pick);
    drawPath(list[i], i, list.length);
  },
};
