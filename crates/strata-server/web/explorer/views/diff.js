// views/diff: the Diff view. The relations added (green) and removed (red,
// dotted) between two dates of any precision, at knownAt; asOf does not
// apply (its slider is disabled).
//   /?diffFrom=DATE&diffTo=DATE[&knownAt=INSTANT]
import { gql } from "../api.js";
import { showDate } from "../dates.js";
import { setStatus } from "../panel.js";
import { DIFF } from "../queries.js";
import { drawChanges, rangeView } from "../range.js";
import { state, statusList } from "../url.js";

export default {
  ...rangeView("diff", "diffFrom", "diffTo", "diff"),
  asOf: false,

  async run(stale) {
    const d = await gql(DIFF, { from: state.diffFrom, to: state.diffTo, knownAt: state.knownAt, statuses: statusList() });
    if (stale()) return;
    const drawn = drawChanges("diff|" + state.diffFrom + "|" + state.diffTo, d.diff.added, d.diff.removed,
      "Narrow the view: two dates closer together.");
    if (!drawn) return;
    setStatus(d.diff.added.length + " relations added (green) and " + d.diff.removed.length + " removed (red) between " +
      showDate(state.diffFrom) + " and " + showDate(state.diffTo) + ", knownAt " + (state.knownAt || "now") + ".", "ready");
  },
};
