// dates: strata's dates as the page shows them. A valid time has a
// precision (year, quarter, month, day, instant); the sliders count in UTC
// days. Pure functions, no DOM.

export const DAY_MS = 86400000;

/** The precision of a date as written: "2025", "2025-Q2", "2025-06", ... */
export function precisionOf(at) {
  if (/^\d{4}$/.test(at)) return "year";
  if (/^\d{4}-Q[1-4]$/.test(at)) return "quarter";
  if (/^\d{4}-\d{2}$/.test(at)) return "month";
  if (/^\d{4}-\d{2}-\d{2}$/.test(at)) return "day";
  return "instant";
}

/** The first day of a date in any precision, as a UTC day number. */
export function dayNumber(at) {
  let m;
  if ((m = /^(\d{4})-Q([1-4])$/.exec(at))) return Date.UTC(+m[1], (+m[2] - 1) * 3, 1) / DAY_MS;
  if ((m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(at))) {
    return Date.UTC(+m[1], m[2] ? +m[2] - 1 : 0, m[3] ? +m[3] : 1) / DAY_MS;
  }
  return NaN;
}

/** A UTC day number as YYYY-MM-DD. */
export function dayString(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** A date as given, with its precision when it is coarser than a day. */
export function showDate(at, precision) {
  const p = (precision || precisionOf(at)).toLowerCase();
  return p === "day" ? at : at + " (" + p + ")";
}
