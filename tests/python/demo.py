"""The demo dataset read straight from its NDJSON file: the tests' oracle.

The expected answers are computed here from examples/h200-china.ndjson with
plain Python, independently of strata, so a test never hard-codes what the
server happens to return.
"""

from __future__ import annotations

import json
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
