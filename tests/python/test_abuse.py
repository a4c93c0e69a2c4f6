"""Abusive requests (docs/serving.md, "Limits"), sent by real clients: each gets a clear error with
its code, and the server goes on answering everyone else."""

from __future__ import annotations

import json

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

import demo


def still_serving(server):
    assert server.alive()
    assert server.stats()["events"] == len(demo.events())


def test_a_10000_deep_query_is_refused_as_too_deep(demo_server):
    # Too deep for graphql-core's recursive parser, so gql cannot even build
    # it: sent raw, as a hostile script would.
    depth = 10_000
    query = "{ " + "entity(id: \"nvidia\") { relations { from { " * (depth // 3) + "id" + " } } }" * (depth // 3) + " }"
    status, body = demo_server.post({"query": query})
    assert isinstance(body, dict), (status, body)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP", body
    assert "--max-depth" in body["errors"][0]["message"], body
    still_serving(demo_server)


def test_1000_aliases_of_a_path_query_are_refused(demo_server):
    fields = " ".join(f'p{i}: path(from: "john-moolenaar", to: "deepseek") {{ hops }}' for i in range(1000))
    with pytest.raises(TransportQueryError) as caught:
        demo_server.execute("{ " + fields + " }")
    assert caught.value.errors[0]["extensions"]["code"] == "TOO_MANY_ALIASES", caught.value.errors[0]
    still_serving(demo_server)


def test_a_50_mb_body_is_refused_with_413(demo_server):
    padding = "x" * (50 * 1024 * 1024)
    body = json.dumps({"query": "{ stats { events } }", "variables": {"pad": padding}}).encode()
    status, answer = demo_server.post(body)
    assert status == 413, (status, str(answer)[:200])
    assert answer["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE", answer
    still_serving(demo_server)


def test_first_a_million_is_refused_with_its_limit(demo_server):
    with pytest.raises(TransportQueryError) as caught:
        demo_server.execute(GraphQLRequest("{ events(first: 1000000) { totalCount } }"))
    err = caught.value.errors[0]
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED" and "first" in err["message"], err
    still_serving(demo_server)
