"""Live subscriptions with the gql client over websockets (graphql-transport-ws):
catch up from the log, then follow appends made by another client."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid

import pytest
import websockets
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

import demo

SUBSCRIBE = """
subscription Follow($from: Int, $kinds: [String!], $entity: ID) {
  eventAppended(fromPosition: $from, kinds: $kinds, entity: $entity) {
    id kind position subject { id } object { id } about { id }
  }
}
"""

APPEND = """
mutation($events: [EventInput!]!) { appendEvents(events: $events) { position events { id position } } }
"""

DEADLINE = 20


def letter(at: str, about: str = "nvidia-h200") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": "letter_sent",
        "at": at,
        "subject": {"id": "john-moolenaar"},
        "object": {"id": "howard-lutnick"},
        "about": [{"id": about}],
        "source": {"publisher": "Test Wire"},
    }


def approval(agency: str, company: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": "approval_granted",
        "at": "2026-02-10",
        "subject": {"id": agency},
        "object": {"id": company},
        "about": [{"id": "nvidia-h200"}],
        "source": {"publisher": "Test Wire"},
    }


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, DEADLINE))


def test_catch_up_then_live_with_no_gap_and_no_duplicate(server):
    """The subscriber replays the whole log while three other clients append
    ten two-event batches each; it must see every position exactly once, in
    order, and each batch as one unbroken run."""
    writers = [[[letter("2026-02-01"), letter("2026-02-02")] for _ in range(10)] for _ in range(3)]
    total = len(demo.events()) + sum(len(b) for w in writers for b in w)

    async def scenario():
        received: list[dict] = []
        started = asyncio.Event()

        async def subscriber():
            async with server.ws_client() as ws:
                async for item in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"from": 1})):
                    received.append(item["eventAppended"])
                    started.set()
                    if len(received) == total:
                        return

        async def writer(batches):
            # Start writing while the subscriber is still replaying the log.
            await started.wait()
            acks = []
            async with server.client() as http:
                for b in batches:
                    r = await http.execute(GraphQLRequest(APPEND, variable_values={"events": b}))
                    acks.append(r["appendEvents"]["events"])
            return acks

        sub = asyncio.create_task(subscriber())
        acks = await asyncio.gather(*(writer(w) for w in writers))
        await sub
        return received, [batch for w in acks for batch in w]

    received, acks = run(scenario())
    positions = [e["position"] for e in received]
    assert positions == list(range(1, total + 1)), "consecutive positions: no gap, no duplicate"
    assert [e["id"] for e in received[: len(demo.events())]] == [e["id"] for e in demo.events()]
    by_position = {e["position"]: e["id"] for e in received}
    for batch in acks:
        first = batch[0]["position"]
        assert [a["position"] for a in batch] == [first, first + 1], "a batch is stored as one run"
        assert all(by_position[a["position"]] == a["id"] for a in batch), "the subscriber saw what was acknowledged"


def test_filters_run_on_the_server(server):
    """Only approvals naming DeepSeek arrive, from the log and live; a sentinel
    that passes the filter proves nothing else was sent before it."""
    wanted_from_log = [
        e["id"]
        for e in demo.events()
        if e["kind"] == "approval_granted" and "deepseek" in (demo.ref_id(e["subject"]), demo.ref_id(e.get("object")))
    ]
    live = [
        letter("2026-02-11", about="deepseek"),  # names DeepSeek, wrong kind
        approval("cn-miit", "huawei"),  # right kind, does not name DeepSeek
        approval("cn-ndrc", "deepseek"),  # passes
    ]
    sentinel = approval("cn-gov", "deepseek")
    expected = wanted_from_log + [live[2]["id"], sentinel["id"]]

    async def scenario():
        received = []
        async with server.ws_client() as ws, server.client() as http:
            variables = {"from": 1, "kinds": ["approval_granted"], "entity": "deepseek"}
            async for item in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=variables)):
                received.append(item["eventAppended"])
                if len(received) == len(wanted_from_log):
                    # Caught up: now another request appends, one event per batch.
                    for e in [*live, sentinel]:
                        await http.execute(GraphQLRequest(APPEND, variable_values={"events": [e]}))
                if received[-1]["id"] == sentinel["id"]:
                    return received

    received = run(scenario())
    assert [e["id"] for e in received] == expected
    assert all(e["kind"] == "approval_granted" for e in received)
    positions = [e["position"] for e in received]
    assert positions == sorted(positions)


@pytest.mark.parametrize("subprotocol", ["graphql-transport-ws", "graphql-ws"])
def test_from_position_gets_what_was_appended_before_subscribing(server, subprotocol):
    head = server.stats()["events"]
    batch = [letter("2026-02-12"), letter("2026-02-13")]

    async def scenario():
        async with server.ws_client(subprotocol=subprotocol) as ws, server.client() as http:
            # Appended before the subscription: the log replay still delivers it.
            await http.execute(GraphQLRequest(APPEND, variable_values={"events": batch}))
            received = []
            async for item in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"from": head + 1})):
                received.append(item["eventAppended"])
                if len(received) == 2:
                    return received

    received = run(scenario())
    assert [e["id"] for e in received] == [e["id"] for e in batch]
    assert [e["position"] for e in received] == [head + 1, head + 2]


@pytest.mark.parametrize(
    "variables, argument",
    [({"from": 0}, "fromPosition"), ({"kinds": ["no_such_kind"]}, "kinds"), ({"entity": "Not A Slug"}, "entity")],
)
def test_a_bad_subscription_gets_an_error_not_a_silent_stream(demo_server, variables, argument):
    async def scenario():
        async with demo_server.ws_client() as ws:
            async for _ in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=variables)):
                pytest.fail("a bad subscription must not stream")

    with pytest.raises(TransportQueryError) as caught:
        run(scenario())
    err = caught.value.errors[0]
    assert err["extensions"]["code"] == "BAD_INPUT", err
    assert argument in err["message"], err


SUBSCRIBE_FRAME = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { eventAppended { position } }"}}

# What the graphql-transport-ws protocol (PROTOCOL.md of enisdenjo/graphql-ws)
# says a server does with each misbehaving client, as (frames, close code).
PROTOCOL_VIOLATIONS = {
    "invalid JSON": (["{this is not json"], 4400),
    "unknown message type": ([json.dumps({"type": "bogus"})], 4400),
    "subscribe before connection_init": ([json.dumps(SUBSCRIBE_FRAME)], 4401),
    "a second connection_init": ([json.dumps({"type": "connection_init"})], 4429),
    "two subscriptions with one id": ([json.dumps(SUBSCRIBE_FRAME), json.dumps(SUBSCRIBE_FRAME)], 4409),
}

# Deviations this suite found are fixed in ws.rs; one still open would be
# listed here as a strict xfail, with its reason.
NOT_YET: dict[str, str] = {}


async def misbehave(server, frames: list[str], init: bool):
    """Connects with a raw websockets client (no gql), sends `frames`, and
    returns the close frame the server sent (None if the socket stayed open)."""
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        if init:
            message = {"type": "connection_init"}
            if server.token:
                message["payload"] = {"Authorization": f"Bearer {server.token}"}
            await ws.send(json.dumps(message))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 1)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd, closed.sent
        except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
            return None, None


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[case])) if case in NOT_YET else case
        for case in PROTOCOL_VIOLATIONS
    ],
)
def test_a_misbehaving_websocket_client_gets_the_protocol_close_code(demo_server, case):
    frames, code = PROTOCOL_VIOLATIONS[case]
    received, sent = run(misbehave(demo_server, frames, init=not case.startswith("subscribe before")))
    assert received is not None, f"the server closed nothing, or its close frame was invalid; we sent {sent}"
    assert received.code == code, received
    assert 0 < len(received.reason.encode()) <= 123, "a close reason says why, within a control frame"


def test_the_server_keeps_serving_after_misbehaving_websocket_clients(demo_server):
    for case, (frames, _) in PROTOCOL_VIOLATIONS.items():
        run(misbehave(demo_server, frames, init=not case.startswith("subscribe before")))
    assert demo_server.alive()
    assert demo_server.stats()["events"] == len(demo.events())

    last = len(demo.events())

    async def follow():
        # From the last event, so that no unread events are queued when the
        # client leaves (the websockets client would then wait for its close).
        async with demo_server.ws_client() as ws:
            async for item in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"from": last})):
                return item["eventAppended"]["position"]

    assert run(follow()) == last, "a well-behaved subscriber is still served"


def test_a_lagging_subscriber_gets_lagged_and_resumes_without_a_gap(start, token):
    """The recovery docs/serving.md gives ("Limits", close 4008): a subscriber that falls more than
    --subscription-buffer events behind gets LAGGED and its stream ends; it
    resubscribes from one past the last event it received and misses nothing."""
    s = start(["--subscription-buffer", "4"], token=token)
    head = s.stats()["events"]
    burst = [letter("2026-02-14") for _ in range(300)]
    final = head + 1 + len(burst)

    async def scenario():
        received, lagged = [], None
        async with s.client() as http:
            async with s.ws_client() as ws:
                try:
                    async for item in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"from": head + 1})):
                        received.append(item["eventAppended"])
                        if len(received) == 1:
                            # The subscription is live now: one batch far larger than its buffer.
                            await http.execute(GraphQLRequest(APPEND, variable_values={"events": burst}))
                        if received[-1]["position"] == final:
                            break
                except TransportQueryError as e:
                    lagged = e.errors[0]
            if received[-1]["position"] < final:
                async with s.ws_client() as ws:
                    resume = {"from": received[-1]["position"] + 1}
                    async for item in ws.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=resume)):
                        received.append(item["eventAppended"])
                        if received[-1]["position"] == final:
                            break
        return received, lagged

    # The first event is appended before the loop, so the subscription has something to deliver.
    s.execute(APPEND, {"events": [letter("2026-02-13")]})
    received, lagged = run(scenario())
    assert lagged is not None and lagged["extensions"]["code"] == "LAGGED", lagged
    assert [e["position"] for e in received] == list(range(head + 1, final + 1)), "no gap, no duplicate"


async def live_subscriber_through_sigterm(server):
    """A raw subscriber following the log live while the server gets SIGTERM:
    returns the close frame it received (None when the socket was just cut)."""
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {server.token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        last = len(demo.events())
        query = f"subscription {{ eventAppended(fromPosition: {last}) {{ position }} }}"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        assert json.loads(await ws.recv())["payload"]["data"]["eventAppended"]["position"] == last
        server.process.send_signal(signal.SIGTERM)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await ws.recv()
        return closed.value.rcvd


def test_sigterm_tells_live_subscribers_the_server_is_going_away(server):
    close = run(live_subscriber_through_sigterm(server))
    assert close is not None and close.code == 1001, f"a close frame saying going away, not a cut socket: {close}"
    assert server.process.wait(timeout=10) == 0, server.log.read_text()
