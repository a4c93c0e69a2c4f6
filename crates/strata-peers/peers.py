"""The Python peers of strata's side-by-side benchmark: Ladybug, DuckDB and networkx.

Reads what the Rust harness (src/main.rs) wrote into --work: nodes.csv
(id, visible), edges.csv (src, dst, vf, vt: days, an edge holds for
vf <= day < vt) and questions.json; loads each system, asks the same
questions, and writes python.json (answers and per-question timings) for the
harness to check against strata and put in the one table.
"""

import argparse
import csv
import json
import os
import time

NOT_RUN = None


def timed(questions, budget_s, ask):
    """Asks every question (the first five once more beforehand, untimed, to
    warm caches) until the budget is spent; returns answers, µs, note."""
    for q in questions[:5]:
        ask(q)
    answers, times = [], []
    started = time.perf_counter()
    for q in questions:
        if time.perf_counter() - started > budget_s:
            return answers, times, f"stopped after {len(answers)} of {len(questions)} questions (budget {budget_s} s)"
        t = time.perf_counter()
        a = ask(q)
        times.append((time.perf_counter() - t) * 1e6)
        answers.append(a)
    return answers, times, None


def outcome(system, load_s, q, budget_s, neighborhood, path):
    nb, nb_us, nb_note = timed(q["neighborhood"], budget_s, neighborhood)
    pa, pa_us, pa_note = timed(q["path"], budget_s, path)
    notes = [f"neighborhood {nb_note}" if nb_note else None, f"path {pa_note}" if pa_note else None]
    notes = [n for n in notes if n]
    return {
        "system": system,
        "load_s": load_s,
        "neighborhood": nb,
        "neighborhood_us": nb_us,
        "path": pa,
        "path_us": pa_us,
        "note": "; ".join(notes) if notes else None,
    }


def run_ladybug(work, q, budget_s):
    # Ladybug: the maintained fork of Kuzu (archived in October 2025), with
    # Kuzu's Python API and Cypher dialect under the module name `ladybug`.
    import ladybug

    started = time.perf_counter()
    db = ladybug.Database(":memory:")
    conn = ladybug.Connection(db)
    conn.execute("CREATE NODE TABLE E(id INT64, visible BOOLEAN, PRIMARY KEY(id))")
    conn.execute("CREATE REL TABLE R(FROM E TO E, vf INT32, vt INT32)")
    conn.execute(f"COPY E FROM '{work}/nodes.csv' (header=true)")
    conn.execute(f"COPY R FROM '{work}/edges.csv' (header=true)")
    load_s = time.perf_counter() - started
    hops, max_hops = q["neighborhood_hops"], q["path_max_hops"]
    # SHORTEST mode visits each reachable node once (a BFS), where the
    # default walk semantics would enumerate every walk of up to 3 hops.
    # Plain execute with parameters: a prepared statement of this query fails
    # to bind in Ladybug 0.22.0, as in Kuzu 0.11.3 ("Cannot evaluate $_13_
    # because it does not depend on n or r"), and separate prepare is deprecated.
    nb_query = (
        f"MATCH (a:E {{id: $s}})-[r:R* SHORTEST 1..{hops} (r, n | WHERE r.vf <= $t AND r.vt > $t)]-(b:E) "
        "WHERE b.visible RETURN DISTINCT b.id"
    )
    path_query = (
        f"MATCH (a:E {{id: $s}})-[r:R* SHORTEST 1..{max_hops} (r, n | WHERE r.vf <= $t AND r.vt > $t)]-(b:E {{id: $g}}) "
        "RETURN length(r)"
    )

    def neighborhood(question):
        c, day = question
        rows = conn.execute(nb_query, {"s": c, "t": day}).get_all()
        return sorted({c} | {r[0] for r in rows})

    def path(question):
        a, b, day = question
        if a == b:
            return 0
        rows = conn.execute(path_query, {"s": a, "g": b, "t": day}).get_all()
        return min((r[0] for r in rows), default=None)

    return outcome(f"Ladybug {ladybug.__version__} (in memory)", load_s, q, budget_s, neighborhood, path)


def run_duckdb(work, q, budget_s):
    import duckdb

    started = time.perf_counter()
    conn = duckdb.connect()
    conn.execute(
        f"CREATE TABLE node AS SELECT id::INTEGER AS id, visible::BOOLEAN AS visible FROM read_csv('{work}/nodes.csv', header = true)"
    )
    # Both directions materialised, so each hop is one join on `a`.
    conn.execute(
        f"CREATE TABLE adj AS SELECT src::INTEGER AS a, dst::INTEGER AS b, vf::INTEGER AS vf, vt::INTEGER AS vt "
        f"FROM read_csv('{work}/edges.csv', header = true) "
        f"UNION ALL SELECT dst::INTEGER, src::INTEGER, vf::INTEGER, vt::INTEGER FROM read_csv('{work}/edges.csv', header = true)"
    )
    load_s = time.perf_counter() - started
    # The textbook recursive CTE: UNION removes repeated (node, depth) rows,
    # so a level-bounded search terminates.
    reach = """WITH RECURSIVE r(n, d) AS (
        SELECT $s::INTEGER, 0
        UNION
        SELECT adj.b, r.d + 1 FROM r JOIN adj ON adj.a = r.n
        WHERE r.d < $hops AND adj.vf <= $t AND adj.vt > $t)"""
    nb_sql = reach + " SELECT DISTINCT r.n FROM r JOIN node ON node.id = r.n WHERE node.visible"
    path_sql = reach + " SELECT min(d) FROM r WHERE n = $g"
    hops, max_hops = q["neighborhood_hops"], q["path_max_hops"]

    def neighborhood(question):
        c, day = question
        return sorted(r[0] for r in conn.execute(nb_sql, {"s": c, "t": day, "hops": hops}).fetchall())

    def path(question):
        a, b, day = question
        return conn.execute(path_sql, {"s": a, "g": b, "t": day, "hops": max_hops}).fetchone()[0]

    return outcome(f"DuckDB {duckdb.__version__} (in memory, recursive CTE)", load_s, q, budget_s, neighborhood, path)


def run_networkx(work, q, budget_s):
    import networkx as nx

    started = time.perf_counter()
    g = nx.MultiGraph()
    visible = set()
    with open(os.path.join(work, "nodes.csv")) as f:
        for row in csv.DictReader(f):
            g.add_node(int(row["id"]))
            if row["visible"] == "1":
                visible.add(int(row["id"]))
    with open(os.path.join(work, "edges.csv")) as f:
        for row in csv.DictReader(f):
            g.add_edge(int(row["src"]), int(row["dst"]), vf=int(row["vf"]), vt=int(row["vt"]))
    load_s = time.perf_counter() - started
    hops, max_hops = q["neighborhood_hops"], q["path_max_hops"]

    def at(day):
        def holds(u, v, k):
            e = g[u][v][k]
            return e["vf"] <= day < e["vt"]

        return nx.subgraph_view(g, filter_edge=holds)

    def neighborhood(question):
        c, day = question
        reached = nx.single_source_shortest_path_length(at(day), c, cutoff=hops)
        return sorted(n for n in reached if n in visible)

    def path(question):
        a, b, day = question
        try:
            n = nx.shortest_path_length(at(day), a, b)
        except nx.NetworkXNoPath:
            return None
        return n if n <= max_hops else None

    return outcome(f"networkx {nx.__version__} (subgraph view)", load_s, q, budget_s, neighborhood, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", required=True)
    p.add_argument("--budget-s", type=float, default=60)
    p.add_argument("--skip", default="", help="comma-separated: ladybug,duckdb,networkx")
    args = p.parse_args()
    work = os.path.abspath(args.work)
    with open(os.path.join(work, "questions.json")) as f:
        q = json.load(f)
    skip = set(filter(None, args.skip.split(",")))
    results = []
    for name, run in [("ladybug", run_ladybug), ("duckdb", run_duckdb), ("networkx", run_networkx)]:
        if name in skip:
            continue
        print(f"{name} ...", flush=True)
        try:
            results.append(run(work, q, args.budget_s))
        except Exception as e:  # one failing peer must not hide the others
            results.append({"system": name, "load_s": 0.0, "neighborhood": [], "neighborhood_us": [],
                            "path": [], "path_us": [], "note": f"failed: {type(e).__name__}: {e}"})
    with open(os.path.join(work, "python.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
