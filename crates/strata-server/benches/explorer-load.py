#!/usr/bin/env python3
"""The explorer in headless Chromium, timed (docs/explorer.md, "What it costs").

    target/pyvenv/bin/python crates/strata-server/benches/explorer-load.py [--strata BIN] [--loads N]

Needs the test venv (tests/python/run makes it: selenium) and Debian's
chromium and chromedriver. Prints the machine, then:
- the bytes the explorer page loads (page and assets, all embedded);
- the time from navigation to the first drawn graph on the demo, median of
  N loads with an empty cache, beside the bare GraphQL request of the same
  view in the same run;
- on a generated log (20,000 events), views of growing size: how long a
  view takes to draw, how long a redraw after moving the asOf slider takes,
  and the longest the page's main thread stays busy meanwhile (a browser
  feels frozen past a few hundred milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

ROOT = Path(__file__).resolve().parents[3]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"] * 3
    return f"{model}, {os.cpu_count()} cores; load average {' '.join(load)}"


def serve(binary: str, args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    sink = open(log, "wb")
    p = subprocess.Popen([binary, "serve", "--addr", "127.0.0.1:0", *args], stdout=subprocess.DEVNULL, stderr=sink)
    for _ in range(600):
        m = re.search(r"GraphiQL at (http://\S+?)/graphql\b", log.read_text(errors="replace"))
        if m:
            url = m.group(1)
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/readyz", timeout=2)
                    return p, url
                except OSError:
                    time.sleep(0.05)
        time.sleep(0.05)
    p.kill()
    sys.exit(f"strata serve did not start:\n{log.read_text()}")


def gql(url: str, query: str, variables: dict | None = None) -> tuple[dict, float]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(url + "/graphql", data=body, headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        out = json.loads(r.read())
    return out["data"], (time.perf_counter() - t) * 1000


def browser() -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,900", f"--user-data-dir={tempfile.mkdtemp()}"]:
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=opts)


def wait(d, renders: int, timeout: float = 120) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        state, n = d.execute_script("return [document.body.dataset.state, +(document.body.dataset.renders || 0)]")
        if n >= renders and state != "loading":
            return state
        time.sleep(0.01)
    raise SystemExit(f"the page did not draw: {d.find_element(By.ID, 'status').text}")


# The view the page asks for (web/explorer/queries.js: NEIGHBORHOOD).
VIEW = ("query($id: ID!, $h: Int) { neighborhood(id: $id, hops: $h) { nodes { id type name } edges {"
        " name role status disputedBy { id } validFrom validTo from { id type name } to { id type name }"
        " event { id kind at precision } } } }")

# Records the longest gap between animation frames: how long the main thread was busy.
FRAME_WATCH = """
  window.__gap = 0; let last = performance.now();
  (function tick(now) { window.__gap = Math.max(window.__gap, now - last); last = now; requestAnimationFrame(tick); })(last);
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=str(ROOT / "target" / "release" / "strata"))
    ap.add_argument("--loads", type=int, default=9)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="explorer-load-"))
    d = browser()
    try:
        p, url = serve(args.strata, ["--demo"], tmp / "demo.log")
        try:
            page = urllib.request.urlopen(url + "/").read()
            names = re.findall(rb'(?:src|href)="(/assets/[^"]+)"', page)
            size = len(page) + sum(len(urllib.request.urlopen(url + n.decode()).read()) for n in names)
            gq = urllib.request.urlopen(url + "/graphql").read()
            gnames = re.findall(rb'(?:src|href)="(/assets/[^"]+)"', gq)
            gsize = len(gq) + sum(len(urllib.request.urlopen(url + n.decode()).read()) for n in gnames)
            print(f"explorer page and assets: {size} bytes ({len(names)} files); GraphiQL: {gsize} bytes")
            firsts = []
            for _ in range(args.loads):
                d.execute_cdp_cmd("Network.clearBrowserCache", {})
                d.get("about:blank")
                d.get(url + "/")
                wait(d, 1)
                firsts.append(float(d.find_element(By.TAG_NAME, "body").get_attribute("data-first-draw-ms")))
            focus = dict(re.findall(r"([a-zA-Z]+)=([^&]+)", d.current_url))["focus"]
            q = ("query($id: ID!) { neighborhood(id: $id, hops: 2) { nodes { id type name } edges { name role"
                 " from { id } to { id } event { id } } } }")
            bare = sorted(gql(url, q, {"id": focus})[1] for _ in range(args.loads))
            print(f"demo, load to first drawn graph: median {statistics.median(firsts):.0f} ms over {args.loads} loads "
                  f"(min {min(firsts):.0f}, max {max(firsts):.0f}); the same view's GraphQL request alone: "
                  f"median {statistics.median(bare):.1f} ms")
        finally:
            p.terminate()
            p.wait()

        log = tmp / "generated.ndjson"
        with open(log, "wb") as out:
            subprocess.run([args.strata, "generate", "--events", "20000", "--seed", "11"], stdout=out, check=True)
        subprocess.run([args.strata, "import", str(log), "--data", str(tmp / "data")], check=True, capture_output=True)
        p, url = serve(args.strata, ["--data", str(tmp / "data"), "--read-only"], tmp / "gen.log")
        try:
            ents = gql(url, "{ entities(first: 1000) { edges { node { id } } } }")[0]["entities"]["edges"]
            sizes: dict[int, tuple[str, int]] = {}
            targets = [25, 50, 100, 200, 300, 400, 500]
            for e in ents:
                for hops in (1, 2):
                    n = gql(url, "query($id: ID!, $h: Int) { neighborhood(id: $id, hops: $h) { nodeCount } }",
                            {"id": e["node"]["id"], "h": hops})[0]["neighborhood"]["nodeCount"]
                    for t in targets:
                        if t not in sizes and t * 0.9 <= n <= t:
                            sizes[t] = (e["node"]["id"], hops, n)
                if len(sizes) == len(targets):
                    break
            print("generated log (20,000 events): view size, draw, redraw after an asOf step, longest busy main thread")
            for t in targets:
                if t not in sizes:
                    continue
                focus, hops, n = sizes[t]
                d.get(f"{url}/?focus={focus}&hops={hops}")
                wait(d, 1)
                draw = float(d.find_element(By.TAG_NAME, "body").get_attribute("data-last-render-ms"))
                edges = len(d.find_elements(By.CSS_SELECTOR, "#edges [data-event]"))
                d.execute_script(FRAME_WATCH)
                time.sleep(0.2)
                d.execute_script("window.__gap = 0")
                d.find_element(By.ID, "asOf").send_keys(Keys.ARROW_LEFT)
                wait(d, 2)
                time.sleep(0.2)
                redraw = float(d.find_element(By.TAG_NAME, "body").get_attribute("data-last-render-ms"))
                gap = d.execute_script("return window.__gap")
                # The page's two requests (the size, then the view), without the browser.
                size_q = "query($id: ID!, $h: Int) { neighborhood(id: $id, hops: $h) { nodeCount counts { type count } } }"
                bare = statistics.median(
                    gql(url, size_q, {"id": focus, "h": hops})[1] + gql(url, VIEW, {"id": focus, "h": hops})[1]
                    for _ in range(3)
                )
                print(f"  {n:4d} entities, {edges:5d} edges: draw {draw:6.0f} ms, redraw {redraw:6.0f} ms "
                      f"(its GraphQL requests alone {bare:5.0f} ms), longest frame {gap:5.0f} ms")
        finally:
            p.terminate()
            p.wait()
    finally:
        d.quit()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
