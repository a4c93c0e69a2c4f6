"""Who may write (and read): the bearer token as gql, a raw HTTP client and a
websocket client present it, or fail to."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import urllib.request
import uuid

import pytest
import websockets
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

import demo
from conftest import import_demo, strata_bin, strata_env

APPEND = "mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }"
STATS = "{ stats { events } }"


def one_letter():
    return {
        "id": str(uuid.uuid4()),
        "kind": "letter_sent",
        "at": "2026-02-02",
        "subject": {"id": "john-moolenaar"},
        "object": {"id": "howard-lutnick"},
        "source": {"publisher": "Test Wire"},
    }


def refused(status_and_body, status=401, code="UNAUTHENTICATED"):
    """The error of a refused raw request, after checking its status and code."""
    got, body = status_and_body
    assert got == status, (got, body)
    assert isinstance(body, dict), f"the refusal is a GraphQL JSON response, not {body!r}"
    err = body["errors"][0]
    assert err["extensions"]["code"] == code, err
    return err


def test_a_mutation_without_a_token_is_a_401_and_stores_nothing(server):
    before = server.stats()["events"]
    err = refused(server.post({"query": APPEND, "variables": {"e": [one_letter()]}}))
    assert "Authorization: Bearer" in err["message"], err
    assert server.last_headers.get("WWW-Authenticate", "").startswith("Bearer"), dict(server.last_headers)
    # What a gql script sees: gql's aiohttp transport reads the GraphQL errors
    # of the 401's JSON body, so the script gets the server's message and code
    # (a body that were not GraphQL JSON would give TransportServerError(401)).
    with pytest.raises(TransportQueryError) as caught:
        server.execute(APPEND, {"e": [one_letter()]}, anonymous=True)
    assert caught.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in caught.value.errors[0]["message"]
    assert server.stats()["events"] == before


def test_a_wrong_token_is_a_401_that_says_so(server):
    before = server.stats()["events"]
    wrong = server.token + "x"
    err = refused(server.post({"query": APPEND, "variables": {"e": [one_letter()]}}, server.headers(wrong)))
    assert "not valid" in err["message"], err
    assert wrong not in err["message"] and server.token not in err["message"]
    with pytest.raises(TransportQueryError) as caught:
        server.execute(APPEND, {"e": [one_letter()]}, token=wrong)
    assert caught.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert server.stats()["events"] == before


def test_the_token_lets_a_mutation_through_and_reads_stay_open(server):
    before = server.stats()["events"]
    assert server.execute(APPEND, {"e": [one_letter()]})["appendEvents"]["position"] == before + 1
    # Reads need no token by default.
    assert server.execute(STATS, anonymous=True)["stats"]["events"] == before + 1
    status, body = server.post({"query": STATS})
    assert status == 200 and body["data"]["stats"]["events"] == before + 1


def test_a_mutation_inside_a_batch_or_behind_a_query_needs_the_token_too(server):
    before = server.stats()["events"]
    batch = [{"query": STATS}, {"query": APPEND, "variables": {"e": [one_letter()]}}]
    refused(server.post(json.dumps(batch).encode()))
    named = "query Q { stats { events } } mutation M($e: [EventInput!]!) { appendEvents(events: $e) { position } }"
    refused(server.post({"query": named, "operationName": "M", "variables": {"e": [one_letter()]}}))
    assert server.stats()["events"] == before


def test_a_mutation_over_the_websocket_needs_the_token_too(server):
    before = server.stats()["events"]

    async def mutate(client):
        async with client as ws:
            return await ws.execute(GraphQLRequest(APPEND, variable_values={"e": [one_letter()]}))

    with pytest.raises(TransportQueryError) as caught:
        asyncio.run(asyncio.wait_for(mutate(server.ws_client(anonymous=True)), 20))
    assert caught.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert server.stats()["events"] == before
    done = asyncio.run(asyncio.wait_for(mutate(server.ws_client()), 20))
    assert done["appendEvents"]["position"] == before + 1


def test_strata_token_in_the_environment_works_like_the_file(start):
    token = secrets.token_urlsafe(16)
    s = start(token_env=token)
    before = s.stats()["events"]
    refused(s.post({"query": APPEND, "variables": {"e": [one_letter()]}}))
    assert s.execute(APPEND, {"e": [one_letter()]})["appendEvents"]["position"] == before + 1


def test_auth_reads_puts_queries_and_subscriptions_behind_the_token(start):
    token = secrets.token_urlsafe(16)
    s = start(["--auth-reads"], token=token)
    refused(s.post({"query": STATS}))
    with pytest.raises(TransportQueryError) as caught:
        s.execute(STATS, anonymous=True)
    assert caught.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert s.execute(STATS)["stats"]["events"] == len(demo.events())

    async def subscribe(token_for_ws):
        async with websockets.connect(s.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            init = {"type": "connection_init"}
            if token_for_ws:
                init["payload"] = {"Authorization": f"Bearer {token_for_ws}"}
            await ws.send(json.dumps(init))
            try:
                return json.loads(await asyncio.wait_for(ws.recv(), 5)), None
            except websockets.ConnectionClosed as closed:
                return None, closed.rcvd

    ack, closed = asyncio.run(subscribe(None))
    assert ack is None and closed is not None and closed.code == 4403, (ack, closed)
    ack, closed = asyncio.run(subscribe(token + "x"))
    assert ack is None and closed is not None and closed.code == 4403, (ack, closed)
    ack, closed = asyncio.run(subscribe(token))
    assert ack == {"type": "connection_ack"}, (ack, closed)

    async def follow():
        async with s.ws_client() as ws:
            request = GraphQLRequest("subscription($p: Int) { eventAppended(fromPosition: $p) { position } }")
            request.variable_values = {"p": len(demo.events())}
            async for item in ws.subscribe(request):
                return item["eventAppended"]["position"]

    assert asyncio.run(asyncio.wait_for(follow(), 20)) == len(demo.events()), "gql's init_payload carries the token"
    for probe in ("/healthz", "/readyz"):
        with urllib.request.urlopen(s.url + probe, timeout=5) as resp:
            assert resp.status == 200, probe


def test_without_a_token_the_server_refuses_to_start_with_writes_enabled(tmp_path):
    data = import_demo(tmp_path)
    out = subprocess.run(
        [str(strata_bin()), "serve", "--addr", "127.0.0.1:0", "--data", str(data)],
        capture_output=True,
        text=True,
        env=strata_env(),
        timeout=30,
    )
    assert out.returncode != 0
    for flag in ("--token-file", "STRATA_TOKEN", "--allow-anonymous-writes"):
        assert flag in out.stderr, out.stderr


def test_allow_anonymous_writes_accepts_mutations_without_a_token(start):
    s = start(["--allow-anonymous-writes"])
    before = s.stats()["events"]
    assert s.execute(APPEND, {"e": [one_letter()]}, anonymous=True)["appendEvents"]["position"] == before + 1


def test_read_only_refuses_mutations_even_with_the_token(start):
    token = secrets.token_urlsafe(16)
    s = start(["--read-only"], token=token)
    with pytest.raises(TransportQueryError) as caught:
        s.execute(APPEND, {"e": [one_letter()]})
    assert caught.value.errors[0]["extensions"]["code"] == "READ_ONLY"
    assert s.stats()["events"] == len(demo.events())


def test_the_token_never_reaches_the_log(server):
    server.post({"query": APPEND, "variables": {"e": [one_letter()]}}, server.headers(server.token + "x"))
    server.execute(APPEND, {"e": [one_letter()]})
    server.stop()
    assert server.token not in server.log.read_text(errors="replace")
