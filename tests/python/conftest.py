"""Fixtures that run the real `strata` binary as users' scripts meet it.

A `StrataServer` is `strata serve --addr 127.0.0.1:0` on its own temporary
data directory, into which `strata import` first loaded the demo dataset
(examples/h200-china.ndjson). The server prints its address on
stderr ("GraphiQL at URL"); the fixture reads it, waits for /readyz, and
stops the process (SIGTERM, then SIGKILL) at the end.

The binary is $STRATA_BIN, else <repo>/target/debug/strata, built with
`cargo build --bin strata` when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.websockets import WebsocketsTransport

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "h200-china.ndjson"
STARTUP_SECONDS = 30


def pytest_report_header(config):
    import gql
    import graphql
    import websockets

    return f"clients: gql {gql.__version__}, graphql-core {graphql.__version__}, websockets {websockets.__version__}"


def strata_bin() -> Path:
    env = os.environ.get("STRATA_BIN")
    if env:
        return Path(env)
    path = ROOT / "target" / "debug" / "strata"
    if not path.exists():
        subprocess.run(["cargo", "build", "--bin", "strata"], cwd=ROOT, check=True)
    return path


def strata_env() -> dict[str, str]:
    env = dict(os.environ)
    # A developer's own settings must not leak into the server under test.
    for name in ("STRATA_DATA", "STRATA_VOCABULARY", "STRATA_TOKEN"):
        env.pop(name, None)
    # Request logs too, so that the log a test reads is the whole of it.
    env["RUST_LOG"] = "info"
    return env


@dataclass
class StrataServer:
    """One running `strata serve`; `url` is the base, e.g. http://127.0.0.1:41234."""

    process: subprocess.Popen
    url: str
    data: Path
    token: str | None
    log: Path
    last_headers: Any = None

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/graphql/ws"

    def headers(self, token: str | None = None) -> dict[str, str]:
        token = token if token is not None else self.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def client(self, token: str | None = None, anonymous: bool = False, fetch_schema: bool = False) -> Client:
        """A gql client over HTTP (aiohttp), with the server's token unless
        `anonymous`; with `fetch_schema`, gql introspects the server first and
        validates every request against the schema before sending it."""
        headers = {} if anonymous else self.headers(token)
        transport = AIOHTTPTransport(url=self.graphql_url, headers=headers, timeout=20)
        return Client(transport=transport, execute_timeout=20, fetch_schema_from_transport=fetch_schema)

    def ws_client(
        self, token: str | None = None, anonymous: bool = False, subprotocol: str = "graphql-transport-ws"
    ) -> Client:
        """A gql client over websockets, speaking graphql-transport-ws (or the
        legacy Apollo `graphql-ws`); it presents the token in
        connection_init's payload unless `anonymous`."""
        token = None if anonymous else (token or self.token)
        payload = {"Authorization": f"Bearer {token}"} if token else None
        transport = WebsocketsTransport(
            url=self.ws_url,
            subprotocols=[subprotocol],
            init_payload=payload,
            connect_timeout=10,
            close_timeout=5,
        )
        return Client(transport=transport, execute_timeout=20)

    def execute(self, query: str, variables: dict[str, Any] | None = None, **kw) -> dict[str, Any]:
        """Runs one request through gql over HTTP and returns its data."""
        return self.client(**kw).execute(GraphQLRequest(query, variable_values=variables))

    def post(self, body: bytes | dict, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """A raw POST /graphql, for what gql hides: the HTTP status."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(
            self.graphql_url,
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                self.last_headers = resp.headers
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            self.last_headers = e.headers
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text.decode(errors="replace")

    def stats(self) -> dict[str, Any]:
        return self.execute("{ stats { events entities relations lastRecordedAt } }")["stats"]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def import_demo(tmp: Path) -> Path:
    """A fresh data directory under `tmp` holding the demo, put there by `strata import`."""
    data = tmp / "data"
    imported = subprocess.run(
        [str(strata_bin()), "import", str(DEMO), "--data", str(data)], capture_output=True, text=True, env=strata_env()
    )
    assert imported.returncode == 0, f"strata import failed:\n{imported.stdout}\n{imported.stderr}"
    return data


def start_server(
    tmp: Path, extra: list[str] | None = None, token: str | None = None, token_env: str | None = None
) -> StrataServer:
    """Imports the demo into a fresh data directory under `tmp`, then serves it
    with `token` in a --token-file, or `token_env` in $STRATA_TOKEN."""
    binary = strata_bin()
    data = import_demo(tmp)
    env = strata_env()
    if token_env is not None:
        env["STRATA_TOKEN"] = token_env
        token = token_env
    args = [str(binary), "serve", "--addr", "127.0.0.1:0", "--data", str(data)]
    if token is not None and token_env is None:
        token_file = tmp / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        args += ["--token-file", str(token_file)]
    args += extra or []
    log = tmp / "server.log"
    # stderr goes to a file, not a pipe, so a chatty server can never block on it.
    with open(log, "wb") as sink:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=sink, env=env)
    url = None
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and url is None:
        found = re.search(r"GraphiQL at (http://\S+?)/graphql\b", log.read_text(errors="replace"))
        if found:
            url = found.group(1)
        elif process.poll() is not None:
            break
        else:
            time.sleep(0.02)
    if url is None:
        process.kill()
        process.wait()
        raise AssertionError(f"strata serve did not report its address:\n{log.read_text(errors='replace')}")
    server = StrataServer(process=process, url=url, data=data, token=token, log=log)
    wait_ready(server)
    return server


def wait_ready(server: StrataServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
                last = resp.status
        except (urllib.error.URLError, ConnectionError) as e:
            last = e
        if not server.alive():
            break
        time.sleep(0.02)
    server.stop()
    raise AssertionError(f"strata serve never became ready ({last}):\n{server.log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def token() -> str:
    """The bearer token the servers are started with (in a --token-file)."""
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory, token) -> StrataServer:
    """One demo server shared by the tests that only read; nothing may write to it."""
    server = start_server(tmp_path_factory.mktemp("demo"), token=token)
    yield server
    server.stop()
    assert server.process.returncode == 0, f"the server did not shut down cleanly:\n{server.log.read_text()}"


@pytest.fixture
def server(tmp_path, token) -> StrataServer:
    """A demo server of this test's own, to write to."""
    s = start_server(tmp_path, token=token)
    yield s
    s.stop()
    assert s.process.returncode == 0, f"the server did not shut down cleanly:\n{s.log.read_text()}"


@pytest.fixture
def start(tmp_path):
    """Starts servers with extra flags; stops them at the end of the test."""
    started: list[StrataServer] = []

    def go(extra: list[str] | None = None, token: str | None = None, token_env: str | None = None) -> StrataServer:
        d = tmp_path / f"s{len(started)}"
        d.mkdir()
        s = start_server(d, extra, token, token_env)
        started.append(s)
        return s

    yield go
    for s in started:
        s.stop()
    for s in started:
        assert s.process.returncode == 0, f"the server did not shut down cleanly:\n{s.log.read_text()}"
