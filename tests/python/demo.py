"""The demo dataset read straight from its NDJSON file: the tests' oracle.

The expected answers are computed here from examples/h200-china.ndjson with
plain Python, independently of strata, so a test never hard-codes what the
server happens to return.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import DEMO


def events() -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(DEMO).read_text().splitlines() if line.strip()]


def ref_id(ref: Any) -> str | None:
    if ref is None:
        return None
    return ref if isinstance(ref, str) else ref["id"]


def declared_types() -> dict[str, str]:
    """Entity id -> type, from every inline declaration in the file."""
    types: dict[str, str] = {}
    for e in events():
        for ref in [e.get("subject"), e.get("object"), *(e.get("about") or [])]:
            if isinstance(ref, dict) and "type" in ref:
                types.setdefault(ref["id"], ref["type"])
    return types


def pairs(kind: str) -> set[tuple[str, str]]:
    """(subject, object) of every event of `kind`."""
    return {(ref_id(e["subject"]), ref_id(e.get("object"))) for e in events() if e["kind"] == kind}


# What traversals show when no `statuses` argument is given: what is believed to have happened.
BELIEVED = frozenset({"confirmed", "reported"})


def status(e: dict[str, Any]) -> str:
    """An event's claim status; a line without one is `reported`."""
    return e.get("status") or "reported"


def first_day(at: str) -> str:
    """The first day (YYYY-MM-DD) of a valid time at any precision: 2026-Q1 starts on 2026-01-01."""
    if "T" in at or "t" in at or " " in at:
        return at[:10]
    if len(at) == 4:
        return f"{at}-01-01"
    if at[5] in "Qq":
        return f"{at[:4]}-{(int(at[6]) - 1) * 3 + 1:02d}-01"
    return at if len(at) == 10 else f"{at}-01"


def instant(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def approved_by(
    agency: str, as_of: str | None = None, known_at: str | None = None, statuses: frozenset[str] = BELIEVED
) -> set[str]:
    """Whom `agency` had approved at `as_of` as known at `known_at` (the demo closes no approval)."""
    return {
        ref_id(e["object"])
        for e in events()
        if e["kind"] == "approval_granted"
        and ref_id(e["subject"]) == agency
        and status(e) in statuses
        and (as_of is None or first_day(e["at"]) <= first_day(as_of))
        and (known_at is None or instant(e["recordedAt"]) <= instant(known_at))
    }
