"""Import speed beside two yardsticks, measured in one run, interleaved.

Absolute seconds move between machines of the same kind (another tenant, a
slower disk); the ratio of two systems measured in the same minutes does not
move much. So each round loads the same NDJSON file three ways, one after
the other, and the table gives strata's time beside both ratios:

- strata: `strata import FILE --data DIR` into an empty directory, process
  start to exit (parse, check, store durably, project, write the checkpoint);
- raw sled, the same batching: the `raw_sled` bench with `STRATA_RAW_NDJSON`
  (one key per event, the line as its value, the whole file as one sled
  batch, flush, fsync); only the write is timed, the file is already in
  memory;
- DuckDB: `CREATE TABLE events AS SELECT * FROM read_ndjson(FILE)` into a
  database file, then `CHECKPOINT` and an fsync of the file (durable), timed
  from `connect` to the fsync.

It also times a cold open of each store just written: `strata query
'{ stats { events } }'` (process start to printed answer) beside DuckDB
opening its file and counting the rows.

Run it through `crates/strata-peers/import-ratio`, which builds what it needs.
"""

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def timed(cmd, env=None):
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, out.stdout


def strata_import(strata, ndjson, work):
    data = os.path.join(work, "strata")
    shutil.rmtree(data, ignore_errors=True)
    secs, _ = timed([strata, "import", ndjson, "--data", data])
    return secs


def strata_open(strata, work):
    data = os.path.join(work, "strata")
    secs, out = timed([strata, "query", "{ stats { events } }", "--data", data])
    return secs, out


def raw_sled(bench, ndjson, work):
    env = dict(os.environ, STRATA_RAW_NDJSON=ndjson, STRATA_RAW_RUNS="1", STRATA_RAW_DIR=work)
    _, out = timed([bench], env=env)
    m = re.search(r"raw_sled run 1: ([0-9.]+) s", out)
    if not m:
        sys.exit(f"raw_sled printed no time:\n{out}")
    return float(m.group(1))


def duckdb_load(ndjson, work):
    import duckdb

    path = os.path.join(work, "duck.db")
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    started = time.perf_counter()
    con = duckdb.connect(path)
    con.execute("CREATE TABLE events AS SELECT * FROM read_ndjson(?)", [ndjson])
    con.execute("CHECKPOINT")
    con.close()
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return time.perf_counter() - started


def duckdb_open(work):
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(os.path.join(work, "duck.db"), read_only=True)
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    return time.perf_counter() - started, rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help="the NDJSON log to load")
    p.add_argument("--strata", required=True, help="the strata binary (release)")
    p.add_argument("--raw-sled", required=True, help="the raw_sled bench binary")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--work", default=None, help="scratch directory (default: a temp dir beside the input)")
    a = p.parse_args()

    import duckdb

    with open(a.input, "rb") as f:
        events = sum(1 for _ in f)
    size_mb = os.path.getsize(a.input) / 1e6
    load = os.getloadavg()
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"input: {a.input}: {events} events, {size_mb:.0f} MB; {a.rounds} rounds, interleaved")
    print(f"DuckDB {duckdb.__version__}; strata {a.strata}")

    work = a.work or tempfile.mkdtemp(prefix="import-ratio-", dir=os.path.dirname(os.path.abspath(a.input)))
    os.makedirs(work, exist_ok=True)
    times = {"strata": [], "raw sled": [], "duckdb": [], "strata open": [], "duckdb open": []}
    try:
        for r in range(a.rounds):
            s = strata_import(a.strata, a.input, work)
            so, answer = strata_open(a.strata, work)
            if str(events) not in answer:
                sys.exit(f"strata holds a different count: {answer}")
            rs = raw_sled(a.raw_sled, a.input, work)
            d = duckdb_load(a.input, work)
            do, rows = duckdb_open(work)
            if rows != events:
                sys.exit(f"DuckDB loaded {rows} rows for {events} lines")
            for k, v in zip(times, (s, rs, d, so, do)):
                times[k].append(v)
            print(f"round {r + 1}: strata {s:.2f} s, raw sled {rs:.2f} s, DuckDB {d:.2f} s; "
                  f"open: strata {so:.2f} s, DuckDB {do:.2f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    print()
    print("| what | runs (s) | median | events/s | strata's speed / this one's |")
    print("|---|---|---:|---:|---:|")
    for k in ("strata", "raw sled", "duckdb"):
        runs = ", ".join(f"{t:.2f}" for t in times[k])
        ratio = med[k] / med["strata"]
        print(f"| import: {k} | {runs} | {med[k]:.2f} s | {events / med[k]:,.0f} | {ratio:.2f} |")
    for k in ("strata open", "duckdb open"):
        runs = ", ".join(f"{t:.2f}" for t in times[k])
        ratio = med[k] / med["strata open"]
        print(f"| cold open: {k.split()[0]} | {runs} | {med[k]:.2f} s | | {ratio:.2f} |")


if __name__ == "__main__":
    main()
