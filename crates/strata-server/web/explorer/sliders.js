// sliders: the two time axes as range inputs. asOf (valid time) steps
// through days, its right end "latest" (no bound); knownAt (recorded time)
// steps through the instants events were recorded, its right end "now".
import { $ } from "./dom.js";
import { DAY_MS, dayNumber, dayString, showDate } from "./dates.js";
import { state } from "./url.js";

const range = { validFrom: null, validTo: null, recorded: [] };

/** Sets the sliders' ends from the server's `timeRange`. */
export function setupSliders(r) {
  range.validFrom = r.validFrom ? dayNumber(r.validFrom) : dayNumber(new Date().toISOString());
  // Up to today when the log's last date is earlier: the view "as of now".
  range.validTo = Math.max(r.validTo ? dayNumber(r.validTo) : range.validFrom, Math.floor(Date.now() / DAY_MS));
  range.recorded = r.recordedTimes || [];
  const asOf = $("asOf");
  asOf.min = "0";
  // The last step is "latest": no asOf bound.
  asOf.max = String(range.validTo - range.validFrom + 1);
  const knownAt = $("knownAt");
  knownAt.min = "0";
  // The last step is "now": everything recorded.
  knownAt.max = String(range.recorded.length);
}

function labels() {
  $("asOf-label").textContent = state.asOf ? showDate(state.asOf) : "latest (no bound)";
  $("knownAt-label").textContent = state.knownAt || "now";
}

/** Moves the sliders to the state's times; asOf is disabled for a view that ignores it. */
export function syncSliders(usesAsOf) {
  const asOf = $("asOf");
  if (!state.asOf) asOf.value = asOf.max;
  else {
    const v = Math.max(0, Math.min(+asOf.max - 1, dayNumber(state.asOf) - range.validFrom));
    asOf.value = String(isNaN(v) ? 0 : v);
  }
  const known = $("knownAt");
  if (!state.knownAt) known.value = known.max;
  else {
    const t = Date.parse(state.knownAt);
    let i = -1;
    range.recorded.forEach((r, j) => {
      if (Date.parse(r) <= t) i = j;
    });
    known.value = String(Math.max(0, i));
  }
  labels();
  asOf.setAttribute("aria-valuetext", $("asOf-label").textContent);
  known.setAttribute("aria-valuetext", $("knownAt-label").textContent);
  asOf.disabled = !usesAsOf;
}

/**
 * Calls `changed` when a slider moves (once it rests for 120 ms) or a
 * "latest"/"now" button is pressed, with the state already updated.
 */
export function bindSliders(changed) {
  let timer = null;
  const moved = () => {
    const asOf = $("asOf"), known = $("knownAt");
    state.asOf = +asOf.value >= +asOf.max ? null : dayString(range.validFrom + +asOf.value);
    state.knownAt = +known.value >= +known.max ? null : range.recorded[+known.value];
    labels();
    clearTimeout(timer);
    timer = setTimeout(changed, 120);
  };
  $("asOf").addEventListener("input", moved);
  $("knownAt").addEventListener("input", moved);
  $("asOf-latest").addEventListener("click", () => {
    state.asOf = null;
    changed();
  });
  $("knownAt-now").addEventListener("click", () => {
    state.knownAt = null;
    changed();
  });
}
