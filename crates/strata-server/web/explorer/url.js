// url: the view's state, and the URL that holds it so that a view can be
// shared, bookmarked and stepped through with Back. The parameters every
// view shares (asOf, knownAt, statuses, relations) are read here; each
// view reads and writes its own (see views.js), so a new view needs no
// change here.
import { showDate } from "./dates.js";

/**
 * The one state of the page, changed in place: `mode` (the view's name),
 * `asOf`, `knownAt`, `statuses`, `relations` (strings or null) and the
 * fields of the views.
 */
export const state = { mode: null, asOf: null, knownAt: null, statuses: null, relations: null };

// The views, in the order they claim a URL (views.js sets them).
let views = [];

/** Sets the views that read and write the URL; the last one is the default. */
export function useViews(list) {
  views = list;
}

/** The view of `state.mode`. */
export function currentView() {
  return views.find((v) => v.mode === state.mode) || views[views.length - 1];
}

/** Replaces the state with what the URL says. */
export function readUrl() {
  const p = new URLSearchParams(location.search);
  const s = {
    relations: p.get("relations") || null,
    statuses: p.get("statuses") || null,
    asOf: p.get("asOf") || null,
    knownAt: p.get("knownAt") || null,
  };
  for (const v of views) Object.assign(s, v.read(p));
  // The first view whose parameters are all there; the default one always is.
  s.mode = (views.find((v) => v.ready(s)) || views[views.length - 1]).mode;
  for (const k of Object.keys(state)) delete state[k];
  Object.assign(state, s);
}

/** Writes the state into the URL: a new history entry when `push`. */
export function writeUrl(push) {
  const view = currentView();
  const p = new URLSearchParams();
  for (const [k, v] of view.write(state)) if (v !== null && v !== undefined && v !== "") p.set(k, v);
  if (state.asOf && view.asOf !== false) p.set("asOf", state.asOf);
  if (state.knownAt) p.set("knownAt", state.knownAt);
  if (state.statuses) p.set("statuses", state.statuses);
  const url = location.pathname + "?" + p.toString();
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** The claim statuses shown; null: the server's default (confirmed and reported). */
export function statusList() {
  return listOf(state.statuses, (s) => s.toUpperCase());
}

/** The relation names kept; null: all of them. */
export function relationNames() {
  return listOf(state.relations, (s) => s);
}

function listOf(text, fn) {
  if (!text) return null;
  const list = text.split(",").map((s) => fn(s.trim())).filter(Boolean);
  return list.length ? list : null;
}

/** "asOf ..., knownAt ...": the two times of the state, for the status line. */
export function timeLabel() {
  return "asOf " + (state.asOf ? showDate(state.asOf) : "latest") + ", knownAt " + (state.knownAt || "now");
}
