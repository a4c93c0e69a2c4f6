"""Reads over HTTP with the gql client, as an analyst's script asks them.

Every expected answer is derived from the demo's NDJSON file (demo.py), not
copied from the server's output.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError, TransportServerError

import demo

APPROVALS = """
query Approvals($kinds: [String!], $from: Date, $to: Date, $first: Int) {
  events(kinds: $kinds, from: $from, to: $to, first: $first) {
    totalCount
    edges { node { kind at precision subject { id } object { id } about { id } source { publisher } } }
  }
}
"""


def test_who_approved_whom_to_buy_h200s(demo_server):
    data = demo_server.execute(APPROVALS, {"kinds": ["approval_granted"], "first": 100})
    nodes = [e["node"] for e in data["events"]["edges"]]
    assert data["events"]["totalCount"] == len(nodes)
    got = {(n["subject"]["id"], n["object"]["id"]) for n in nodes}
    assert got == demo.pairs("approval_granted")
    assert all(n["kind"] == "approval_granted" for n in nodes)
    assert all([a["id"] for a in n["about"]] == ["nvidia-h200"] for n in nodes), "every approval is about the H200"
    assert all(n["source"]["publisher"] for n in nodes), "every claim keeps its source"
    # Valid-time order: a coarse date counts from its first day.
    days = [demo.first_day(n["at"]) for n in nodes]
    assert days == sorted(days)


def test_as_of_and_known_at_answer_different_questions(demo_server):
    q = """
    query Approved($id: ID!, $asOf: Date, $knownAt: DateTime) {
      entity(id: $id, asOf: $asOf, knownAt: $knownAt) {
        name
        relations(direction: OUT, names: ["approved"]) { role to { id } validFrom }
      }
    }
    """

    def approved(agency, as_of=None, known_at=None):
        e = demo_server.execute(q, {"id": agency, "asOf": as_of, "knownAt": known_at})["entity"]
        if e is None:  # not yet declared at known_at
            return set()
        return {r["to"]["id"] for r in e["relations"] if r["role"] == "SUBJECT_OBJECT"}

    then = "2026-01-29T00:00:00Z"
    for agency in ("cn-gov", "cn-miit", "cn-mofcom"):
        for as_of, known_at in [(None, None), ("2026-02-01", None), ("2026-01-29", None), ("2026-02-01", then),
                                ("2026-01", None), ("2025-12-31", None)]:
            assert approved(agency, as_of, known_at) == demo.approved_by(agency, as_of, known_at), (agency, as_of, known_at)
    # The two axes answer different questions: on 29 January the ministries had
    # approved ByteDance, Alibaba, Tencent and DeepSeek (no article gives a day,
    # so each approval holds from January 2026), but nobody knew it before the
    # late-January article named them; what was known then came from "the
    # Chinese government".
    assert approved("cn-miit", as_of="2026-01-29") == {"bytedance", "alibaba", "tencent", "deepseek"}
    assert approved("cn-miit", as_of="2026-02-01", known_at=then) == set(), "not yet reported"
    assert approved("cn-gov", as_of="2026-02-01", known_at=then) == {"bytedance", "alibaba", "tencent"}
    # A coarse date counts from its first day: every approval, reported without
    # a day, holds from 2026-01-01; none holds in December 2025.
    assert approved("cn-gov", as_of="2026-01") == {"bytedance", "alibaba", "tencent"}
    assert approved("cn-mofcom", as_of="2026-01") == {"bytedance", "alibaba", "tencent", "deepseek"}
    assert approved("cn-gov", as_of="2025-12-31") == set()
    unknown = demo_server.execute(
        "query($k: DateTime) { entity(id: \"deepseek\", knownAt: $k) { id } }", {"k": then}
    )
    assert unknown["entity"] is None, "DeepSeek was unheard of on 29 January"
    mofcom = demo_server.execute(q, {"id": "cn-mofcom", "asOf": None, "knownAt": then})["entity"]
    assert mofcom is None, "no article had named MOFCOM before 30 January"


def test_how_moolenaar_is_connected_to_deepseek(demo_server):
    q = """
    query($a: ID!, $b: ID!) {
      path(from: $a, to: $b) { hops steps { from { id } relation { name role event { kind at } } to { id } } }
      paths(from: $a, to: $b, maxHops: 3, limit: 10) { hops }
    }
    """
    data = demo_server.execute(q, {"a": "john-moolenaar", "b": "deepseek"})
    step = data["path"]["steps"][0]
    assert data["path"]["hops"] == 1
    assert (step["from"]["id"], step["to"]["id"]) == ("john-moolenaar", "deepseek")
    assert step["relation"]["role"] == "ABOUT"
    letters = [e for e in demo.events() if e["kind"] == "letter_sent" and e["subject"] == "john-moolenaar"]
    assert step["relation"]["event"] == {"kind": "letter_sent", "at": letters[0]["at"]}
    hops = [p["hops"] for p in data["paths"]]
    assert hops[0] == 1 and hops == sorted(hops) and len(hops) > 1


def test_paging_through_every_event_with_cursors(demo_server):
    q = """
    query Page($after: String) {
      events(first: 7, after: $after, includeRetracted: true) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id position validFrom } }
      }
    }
    """
    seen, after, pages = [], None, 0
    while True:
        page = demo_server.execute(q, {"after": after})["events"]
        assert page["totalCount"] == len(demo.events())
        seen += [e["node"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    ids = [n["id"] for n in seen]
    assert len(ids) == len(set(ids)), "no event twice across pages"
    assert set(ids) == {e["id"] for e in demo.events()}
    assert pages == -(-len(ids) // 7)
    order = [(n["validFrom"], n["position"]) for n in seen]
    assert order == sorted(order), "valid-time order, then log order"


def test_entities_by_type_and_search(demo_server):
    q = "query($t: EntityType, $s: String) { entities(type: $t, search: $s, first: 1000) { totalCount edges { node { id type } } } }"
    types = demo.declared_types()
    for t in ("ACTOR", "AGENCY", "CHIP"):
        got = demo_server.execute(q, {"t": t})["entities"]
        ids = {e["node"]["id"] for e in got["edges"]}
        assert ids == {i for i, ty in types.items() if ty.upper() == t}, t
        assert got["totalCount"] == len(ids)
    nvidia = demo_server.execute(q, {"s": "NVIDIA"})["entities"]["edges"]
    assert {e["node"]["id"] for e in nvidia} >= {"nvidia", "nvidia-h200", "nvidia-h20"}


def test_stats_match_the_imported_file(demo_server):
    stats = demo_server.stats()
    lines = demo.events()
    assert stats["events"] == len(lines)
    assert stats["entities"] == len(demo.declared_types())
    last = max(datetime.fromisoformat(e["recordedAt"].replace("Z", "+00:00")) for e in lines)
    assert datetime.fromisoformat(stats["lastRecordedAt"].replace("Z", "+00:00")) == last


@pytest.mark.parametrize(
    "query, variables, argument",
    [
        ("query($d: Date) { entity(id: \"nvidia\", asOf: $d) { id } }", {"d": "2026-13-01"}, None),
        ("{ events(kinds: [\"no_such_kind\"]) { totalCount } }", None, "kinds"),
        ("{ entity(id: \"Not A Slug\") { id } }", None, "id"),
    ],
)
def test_bad_arguments_get_bad_input_and_name_the_problem(demo_server, query, variables, argument):
    with pytest.raises(TransportQueryError) as caught:
        demo_server.execute(query, variables)
    err = caught.value.errors[0]
    assert err["extensions"]["code"] == "BAD_INPUT", err
    if argument:
        assert argument in err["message"], err
    assert demo_server.alive()


@pytest.mark.parametrize(
    "query, argument",
    [
        ("{ entities(first: 1000000) { totalCount } }", "first"),
        ("{ events(first: 1001) { totalCount } }", "first"),
        ('{ path(from: "nvidia", to: "deepseek", maxHops: 11) { hops } }', "maxHops"),
        ('{ paths(from: "nvidia", to: "deepseek", limit: 5000) { hops } }', "limit"),
        ('{ neighborhood(id: "nvidia", hops: 11) { nodes { id } } }', "hops"),
    ],
)
def test_arguments_over_their_limit_get_limit_exceeded(demo_server, query, argument):
    with pytest.raises(TransportQueryError) as caught:
        demo_server.execute(query)
    err = caught.value.errors[0]
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED", err
    assert argument in err["message"], err
    assert demo_server.alive()


@pytest.mark.parametrize(
    "body, status",
    [
        (b"not json", 400),
        (b'{"query": "{ stats { events } }", "variables": "oops"}', 400),
        (b'{"query": 42}', 400),
        # An empty document parses as JSON, so it is a GraphQL syntax error (HTTP 200 with errors, as async-graphql answers them).
        (b"{}", 200),
    ],
)
def test_a_body_that_is_not_a_graphql_request_gets_a_json_error(demo_server, body, status):
    got, answer = demo_server.post(body)
    assert got == status, (got, answer)
    assert isinstance(answer, dict), f"a JSON error a script can parse, not {answer!r}"
    assert answer["errors"][0]["extensions"]["code"] == "BAD_INPUT", answer
    assert demo_server.stats()["events"] == len(demo.events())


def test_a_gql_batch_gets_one_answer_per_request_in_order(demo_server):
    ids = ["deepseek", "nvidia", "cn-miit"]
    requests = [GraphQLRequest("query($id: ID!) { entity(id: $id) { id } }", variable_values={"id": i}) for i in ids]
    answers = demo_server.client().execute_batch(requests)
    assert [a["entity"]["id"] for a in answers] == ids


def test_a_batch_over_the_limit_is_refused_whole(demo_server):
    requests = [GraphQLRequest("{ stats { events } }") for _ in range(500)]
    with pytest.raises(TransportServerError) as caught:
        demo_server.client().execute_batch(requests)
    assert caught.value.code == 400
    status, body = demo_server.post(json.dumps([r.payload for r in requests]).encode())
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "BATCH_TOO_LARGE", (status, body)
    assert demo_server.alive()
