"""The graph exports open in the tools people use: GraphML in networkx
(`read_graphml`, as Gephi reads the same format), DOT in Graphviz (`dot
-Tsvg`), and neo4j-csv with the headers `neo4j-admin database import`
expects. Each export at an `asOf` has exactly the entities and relations
GraphQL gives for the same date, on the demo and on a generated log.

Graphviz (`dot`) must be installed: .ci/run installs Debian's `graphviz`.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import networkx
import pytest

from conftest import import_demo, strata_bin, strata_env

DATES = ["2025-04-15", "2026-01-29", "2026-02-01"]
GENERATED_DATES = ["1990", "2010-Q3", "2024-06-30"]


def strata(*args: str, data: Path) -> str:
    done = subprocess.run(
        [str(strata_bin()), *args, "--data", str(data)], capture_output=True, text=True, env=strata_env()
    )
    assert done.returncode == 0, f"strata {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def query(data: Path, q: str, variables: dict | None = None) -> dict:
    out = json.loads(strata("query", q, "--vars", json.dumps(variables or {}), data=data))
    assert "errors" not in out, out
    return out["data"]


def graphql_graph(data: Path, as_of: str) -> tuple[set[str], Counter]:
    """The entities at `as_of` and their outgoing relations, as GraphQL gives
    them: the graph the exports must hold."""
    d = query(
        data,
        "query($asOf: Date) { entities(asOf: $asOf, first: 1000) { totalCount edges { node { id"
        " relations(direction: OUT) { name role to { id } } } } } }",
        {"asOf": as_of},
    )
    assert d["entities"]["totalCount"] <= 1000, "the oracle reads one page"
    nodes = {e["node"]["id"] for e in d["entities"]["edges"]}
    edges = Counter(
        (e["node"]["id"], r["to"]["id"], r["name"], r["role"])
        for e in d["entities"]["edges"]
        for r in e["node"]["relations"]
    )
    return nodes, edges


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    return import_demo(tmp_path_factory.mktemp("exports-demo"))


@pytest.fixture(scope="module")
def generated_data(tmp_path_factory) -> Path:
    """A generated log of 3,000 events: every kind, every date precision, retractions."""
    tmp = tmp_path_factory.mktemp("exports-generated")
    log = tmp / "generated.ndjson"
    with open(log, "wb") as out:
        subprocess.run(
            [str(strata_bin()), "generate", "--events", "3000", "--seed", "5"], stdout=out, check=True, env=strata_env()
        )
    data = tmp / "data"
    strata("import", str(log), data=data)
    return data


def datasets(request) -> list[tuple[Path, list[str]]]:
    return [
        (request.getfixturevalue("demo_data"), DATES),
        (request.getfixturevalue("generated_data"), GENERATED_DATES),
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["demo", "generated"])
def test_graphml_loads_in_networkx_with_the_graphql_counts(request, tmp_path, which):
    data, dates = datasets(request)[which]
    for as_of in dates:
        path = tmp_path / f"graph-{as_of}.graphml"
        strata("export", "--format", "graphml", "--as-of", as_of, "-o", str(path), data=data)
        g = networkx.read_graphml(path, force_multigraph=True)
        nodes, edges = graphql_graph(data, as_of)
        assert set(g.nodes) == nodes, as_of
        assert g.number_of_nodes() == len(nodes), as_of
        assert g.number_of_edges() == sum(edges.values()), as_of
        got = Counter((u, v, a["relation"], a["role"]) for u, v, a in g.edges(data=True))
        assert got == edges, as_of
        for n, a in g.nodes(data=True):
            assert a["type"] in ("actor", "agency", "chip") and a["name"], (n, a)


def test_dot_renders_with_graphviz(request, tmp_path):
    dot = shutil.which("dot")
    if dot is None:
        pytest.fail("Graphviz's `dot` is not installed: apt-get install graphviz (.ci/run installs it)")
    for data, dates in datasets(request):
        # The earliest date: dot lays out thousands of edges slowly.
        for as_of in dates[:1]:
            path = tmp_path / "graph.dot"
            strata("export", "--format", "dot", "--as-of", as_of, "-o", str(path), data=data)
            done = subprocess.run([dot, "-Tsvg", str(path)], capture_output=True, text=True, timeout=50)
            assert done.returncode == 0, done.stderr
            svg = done.stdout
            assert svg.lstrip().startswith("<?xml") and "<svg" in svg
            nodes, edges = graphql_graph(data, as_of)
            # Graphviz draws one group per node and per edge.
            assert svg.count('class="node"') == len(nodes), as_of
            assert svg.count('class="edge"') == sum(edges.values()), as_of


@pytest.mark.parametrize("which", [0, 1], ids=["demo", "generated"])
def test_neo4j_csv_has_the_import_headers_and_the_graphql_graph(request, tmp_path, which):
    data, dates = datasets(request)[which]
    for as_of in dates:
        out = tmp_path / as_of
        strata("export", "--format", "neo4j-csv", "--as-of", as_of, "-o", str(out), data=data)
        with open(out / "nodes.csv", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        assert header[0].endswith(":ID") and ":LABEL" in header, header
        ids = [r[0] for r in body]
        labels = {r[header.index(":LABEL")] for r in body}
        assert labels <= {"Entity;Actor", "Entity;Agency", "Entity;Chip"}, labels
        with open(out / "relationships.csv", newline="") as f:
            rels = list(csv.reader(f))
        rheader, rbody = rels[0], rels[1:]
        assert rheader[:3] == [":START_ID", ":END_ID", ":TYPE"], rheader
        nodes, edges = graphql_graph(data, as_of)
        assert sorted(ids) == sorted(nodes), as_of
        name, role = rheader.index("relation"), rheader.index("role")
        got = Counter((r[0], r[1], r[name], r[role]) for r in rbody)
        assert got == edges, as_of
        for r in rbody:
            # Every relationship joins two imported nodes, typed by its name.
            assert r[0] in nodes and r[1] in nodes, r
            assert r[2] == r[name].upper().replace("-", "_"), r
