"""graphql-core, the reference implementation's Python port, checks the schema
the server publishes: introspection builds a client schema, the example
queries of the README and docs/ validate against it, and it equals schema/schema.graphql."""

from __future__ import annotations

import re

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from graphql import (
    build_client_schema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    GraphQLError,
    get_introspection_query,
    lexicographic_sort_schema,
    parse,
    print_schema,
    specified_directives,
    validate,
)

from conftest import ROOT


def documents() -> list:
    """The documents whose examples are tested: README.md, then docs/*.md in name order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def readme_queries() -> dict[str, str]:
    """The ```graphql blocks of the README and docs/, keyed by their `# q: NAME` line."""
    out = {}
    for doc in documents():
        blocks = re.findall(r"^```graphql[ \t]*\n(.*?)^```[ \t]*$", doc.read_text(), flags=re.M | re.S)
        for block in blocks:
            name = re.match(r"#\s*q:\s*(\S+)", block)
            assert name, f"a graphql block of {doc.name} has no `# q: NAME` line:\n{block}"
            assert name.group(1) not in out, f"two documented blocks are named {name.group(1)}"
            out[name.group(1)] = block
    return out


@pytest.fixture(scope="module")
def served_schema(demo_server):
    result = demo_server.execute(get_introspection_query(descriptions=True, specified_by_url=True))
    return build_client_schema(result)


def test_introspection_builds_a_client_schema_with_the_spec_root_fields(served_schema):
    query = set(served_schema.query_type.fields)
    assert {"entity", "entities", "event", "events", "path", "paths", "neighborhood", "diff", "stats"} <= query
    assert {"appendEvents", "retractEvent"} <= set(served_schema.mutation_type.fields)
    assert set(served_schema.subscription_type.fields) == {"eventAppended"}
    assert {"Date", "DateTime", "JSON"} <= set(served_schema.type_map)


def test_the_readme_has_example_queries():
    assert len(readme_queries()) >= 5


@pytest.mark.parametrize("name", sorted(readme_queries()))
def test_each_readme_query_is_valid_against_the_served_schema(served_schema, name):
    document = parse(readme_queries()[name])
    errors = validate(served_schema, document)
    assert not errors, f"README query {name}: " + "; ".join(e.message for e in errors)


def readme_reads() -> list[str]:
    """The README blocks that only read (a mutation or subscription example is validated, not run here)."""
    return sorted(n for n, q in readme_queries().items() if parse(q).definitions[0].operation.value == "query")


@pytest.mark.parametrize("name", readme_reads())
def test_each_readme_query_runs_without_errors(demo_server, name):
    # gql raises on any error in the response; check every root field answered.
    document = parse(readme_queries()[name])
    roots = {(f.alias or f.name).value for f in document.definitions[0].selection_set.selections}
    data = demo_server.execute(readme_queries()[name])
    assert set(data) == roots


def changes(old, new):
    """Breaking and dangerous changes from `old` to `new`, except those to the
    spec's built-in directives: graphql-core 3.3 follows the spec draft, in
    which @deprecated may also mark directive arguments, while the server
    (async-graphql) publishes the October 2021 spec's built-ins, with
    `reason: String`; and except unused standard scalars (async-graphql
    always lists Float)."""
    builtin = re.compile(r"@(" + "|".join(d.name for d in specified_directives) + r")\b|^Standard scalar ")
    found = find_breaking_changes(old, new) + find_dangerous_changes(old, new)
    return [c.description for c in found if not builtin.search(c.description)]


def test_the_served_schema_equals_schema_graphql(served_schema):
    on_disk = build_schema((ROOT / "schema" / "schema.graphql").read_text())
    assert changes(on_disk, served_schema) == [], "the server differs from the published schema"
    assert changes(served_schema, on_disk) == []
    # Those ignore added optional fields and descriptions: compare the whole
    # text too (print_schema leaves the built-in directives out).
    assert print_schema(lexicographic_sort_schema(served_schema)) == print_schema(lexicographic_sort_schema(on_disk))


def test_no_introspection_refuses_the_schema_but_not_queries(start):
    s = start(["--no-introspection"], token="t0ken-for-this-test")
    with pytest.raises(TransportQueryError) as caught:
        s.execute(get_introspection_query())
    assert caught.value.errors[0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert s.stats()["events"] > 0


def test_gql_with_the_fetched_schema_validates_before_sending(demo_server):
    """gql's fetch_schema_from_transport, as scripts that want early errors use it."""
    client = demo_server.client(fetch_schema=True)
    for name in readme_reads():
        assert client.execute(GraphQLRequest(readme_queries()[name])), name
    assert client.schema is not None and client.schema.get_type("Entity") is not None
    with pytest.raises(GraphQLError, match="nope"):
        client.execute(GraphQLRequest('{ entity(id: "nvidia") { nope } }'))
