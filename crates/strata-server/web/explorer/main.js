// main: the explorer's entry point (<script type="module"> in index.html).
// Puts the entity boxes in place, wires the sliders, the graph's clicks, the
// side panel's items, the token form and Back, then reads the URL and shows
// its view. The explorer keeps its whole view in the URL:
//   /?focus=ID&hops=N[&relations=a,b]      views/neighborhood.js
//   /?from=ID&to=ID                        views/path.js
//   /?connFrom=ID&connTo=ID[&bar=N]        views/connections.js
//   /?jFrom=ID&jTo=ID[&after=D][&before=D] views/journey.js
//   /?diffFrom=DATE&diffTo=DATE            views/diff.js
//   /?learnedFrom=INSTANT&learnedTo=INSTANT views/learned.js
// each with [&asOf=DATE][&knownAt=INSTANT][&statuses=A,B]. Plain modules, no
// build step; every request goes to this server's /graphql.
import { bindTokenForm, gql } from "./api.js";
import { showEntity, showRelation } from "./details.js";
import { cy, drawnRelation } from "./graph.js";
import { LIMIT, actions, timings } from "./panel.js";
import { TIME_RANGE } from "./queries.js";
import { bindSliders, setupSliders } from "./sliders.js";
import { mountComboboxes } from "./typeahead.js";
import { readUrl, writeUrl } from "./url.js";
import { bindViews, failed, refocus, show } from "./views.js";

// What the browser tests and the load bench read.
window.strataExplorer = { timings, limit: LIMIT, cy };

mountComboboxes();

Object.assign(actions, { entity: showEntity, relation: showRelation, focus: refocus });
cy.on("tap", "node", (ev) => showEntity(ev.target.id()));
cy.on("dbltap", "node", (ev) => refocus(ev.target.id()));
cy.on("tap", "edge", (ev) => {
  const r = drawnRelation(ev.target.id());
  if (r) showRelation(r);
});

bindViews();
bindSliders(() => {
  writeUrl(false);
  show();
});
bindTokenForm(() => {
  document.body.setAttribute("data-state", "loading");
  start();
});
window.addEventListener("popstate", () => {
  readUrl();
  show();
});

async function start() {
  readUrl();
  try {
    setupSliders((await gql(TIME_RANGE)).timeRange);
  } catch (err) {
    failed(err);
    return;
  }
  await show();
}

start();
