"""The documented Python example (docs/serving.md), run as a reader would paste it: gql following
the log live. Only the address and the token are filled in."""

from __future__ import annotations

import ast
import queue
import re
import subprocess
import sys
import threading
import uuid


import demo
from conftest import ROOT

README_URL = "ws://127.0.0.1:8080/graphql/ws"


def readme_python() -> str:
    """The one Python example of the README and docs/ (docs/serving.md, "Following the log live")."""
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = [
        block
        for doc in documents
        for block in re.findall(r"^```python[ \t]*\n(.*?)^```[ \t]*$", doc.read_text(), flags=re.M | re.S)
    ]
    assert len(blocks) == 1, "the README and docs/ have one Python example"
    assert README_URL in blocks[0] and "<token>" in blocks[0]
    return blocks[0]


def lines_of(process: subprocess.Popen) -> queue.Queue:
    """The process's stdout lines, read by a thread so that a test can wait with a deadline."""
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_the_readme_subscription_example_catches_up_and_follows(server):
    code = readme_python().replace(README_URL, server.ws_url).replace("<token>", server.token)
    approvals = [e["id"] for e in demo.events() if e["kind"] == "approval_granted"]
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = lines_of(process)

        def next_event():
            line = lines.get(timeout=20)
            assert line is not None, f"the example ended: {process.wait() and process.stderr.read()}"
            return ast.literal_eval(line)  # it prints Python dicts

        replayed = [next_event() for _ in approvals]
        assert [e["kind"] for e in replayed] == ["approval_granted"] * len(approvals)
        live = {
            "id": str(uuid.uuid4()),
            "kind": "approval_granted",
            "at": "2026-02-10",
            "subject": {"id": "cn-ndrc"},
            "object": {"id": "deepseek"},
            "source": {"publisher": "Test Wire"},
        }
        server.execute("mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }", {"e": [live]})
        got = next_event()
        assert (got["subject"]["id"], got["object"]["id"]) == ("cn-ndrc", "deepseek")
        assert got["position"] == len(demo.events()) + 1
    finally:
        process.kill()
        process.wait()
