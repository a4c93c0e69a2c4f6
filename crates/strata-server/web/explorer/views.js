// views: the registry of views and the one way to show the current one.
// A view is a module under views/ whose default export says:
//   mode       its name: the data-mode of its button in #modes and the
//              data-for of its form (.mode-form) in the page
//   asOf       false when the asOf slider does not apply (default true)
//   read(p)    its fields, from the URL's URLSearchParams
//   write(s)   its URL parameters, [name, value] pairs (null ones dropped)
//   ready(s)   whether the state has what it needs to be drawn; reading a
//              URL, the first ready view in VIEWS is shown
//   sync(s)    fills its form from the state
//   bind(ctx)  hooks its form: ctx.go() records the state in the URL and
//              shows it, ctx.refocus(id) shows an entity's neighborhood
//   run(stale) asks the server and draws; stale() turns true once a newer
//              view started, and then it draws nothing
// A new view is one module here, one line in VIEWS, a button and a form in
// index.html, and its documents in queries.js.
import { $ } from "./dom.js";
import { AuthNeeded, askToken } from "./api.js";
import { beginView, clearView } from "./panel.js";
import { syncSliders } from "./sliders.js";
import { currentView, state, useViews, writeUrl } from "./url.js";
import connections from "./views/connections.js";
import diff from "./views/diff.js";
import journey from "./views/journey.js";
import learned from "./views/learned.js";
import neighborhood from "./views/neighborhood.js";
import path from "./views/path.js";

/** Every view, in the order they claim a URL; the last one (the neighborhood) always does. */
export const VIEWS = [path, connections, journey, diff, learned, neighborhood];
useViews(VIEWS);

let generation = 0;

/** Shows the current view; a view started later makes this one stale. */
export async function show() {
  const mine = ++generation;
  const stale = () => mine !== generation;
  const view = currentView();
  beginView();
  syncForms();
  syncSliders(view.asOf !== false);
  try {
    await view.run(stale);
  } catch (err) {
    if (!stale()) failed(err);
  }
}

/** A view (or the start) failed: asks for the token on a 401, says so otherwise. */
export function failed(err) {
  if (err instanceof AuthNeeded) {
    askToken(err.message);
    clearView("A token is needed: " + err.message, "auth");
  } else {
    clearView("Error: " + err.message, "error");
  }
}

/** Records the state as a new URL (Back returns to the view before) and shows it. */
export function go() {
  writeUrl(true);
  return show();
}

/** Shows an entity's neighborhood. */
export function refocus(id) {
  state.mode = neighborhood.mode;
  state.focus = id;
  return go();
}

function syncForms() {
  document.querySelectorAll("#modes button").forEach((b) => {
    b.setAttribute("aria-pressed", String(b.dataset.mode === state.mode));
  });
  document.querySelectorAll(".mode-form").forEach((f) => { f.hidden = f.dataset.for !== state.mode; });
  for (const v of VIEWS) v.sync(state);
  $("statuses").value = state.statuses || "";
}

/** Hooks the mode buttons, the Claims menu and every view's form. */
export function bindViews() {
  for (const v of VIEWS) v.bind({ go, refocus });
  document.querySelectorAll("#modes button").forEach((b) => {
    b.addEventListener("click", () => {
      state.mode = b.dataset.mode;
      syncForms();
      if (currentView().ready(state)) go();
    });
  });
  $("statuses").addEventListener("change", () => {
    state.statuses = $("statuses").value || null;
    go();
  });
}
