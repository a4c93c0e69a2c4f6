"""The explorer page (`/`) and GraphiQL (`/graphql`) in a real browser:
Debian's headless chromium, driven by selenium through Debian's
chromedriver, with no network beyond the server under test.

The side panel lists every entity drawn (`data-id`) and every edge drawn
(`data-event`); each test loads a URL form and checks that the panel lists
exactly what GraphQL returns for the same arguments, on the demo and on a
generated log of 20,000 events. .ci/run installs chromium and
chromium-driver; without them these tests fail, saying so.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import zlib
from collections import Counter
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ROOT, StrataServer, strata_bin, strata_env, wait_ready

SCREENSHOT = ROOT / "examples" / "explorer.png"
MODULES = ROOT / "crates" / "strata-server" / "web" / "explorer"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
]
LIMIT = 500


# ---- the browser and the servers ---------------------------------------------


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "the explorer tests need Debian's chromium and chromedriver: "
            "apt-get install chromium chromium-driver (.ci/run installs them)"
        )
    profile = tempfile.mkdtemp(prefix="strata-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.set_page_load_timeout(30)
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


def serve(tmp: Path, data: Path, extra: list[str] | None = None, token: str | None = None) -> StrataServer:
    """`strata serve` over an existing store."""
    args = [str(strata_bin()), "serve", "--addr", "127.0.0.1:0", "--data", str(data), "--read-only"]
    if token:
        (tmp / "token").write_text(token + "\n")
        args += ["--token-file", str(tmp / "token")]
    args += extra or []
    log = tmp / "server.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=sink, env=strata_env())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"GraphiQL at (http://\S+?)/graphql\b", log.read_text(errors="replace"))
        if found:
            server = StrataServer(process=process, url=found.group(1), data=data, token=token, log=log)
            wait_ready(server)
            return server
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"strata serve did not start:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A server over a generated log: 20,000 events, about 1,900 entities,
    dates of every precision over decades, recorded over years."""
    tmp = tmp_path_factory.mktemp("explorer-generated")
    log, data = tmp / "generated.ndjson", tmp / "data"
    with open(log, "wb") as out:
        subprocess.run(
            [str(strata_bin()), "generate", "--events", "20000", "--seed", "11"], stdout=out, check=True, env=strata_env()
        )
    subprocess.run(
        [str(strata_bin()), "import", str(log), "--data", str(data)], check=True, capture_output=True, env=strata_env()
    )
    s = serve(tmp, data)
    yield s
    s.stop()


def gql(server: StrataServer, query: str, variables: dict | None = None) -> dict:
    status, body = server.post({"query": query, "variables": variables or {}}, server.headers())
    assert status == 200 and "errors" not in body, body
    return body["data"]


# ---- the page ----------------------------------------------------------------


def load(d, url: str, renders: int = 1) -> None:
    d.get(url)
    wait_render(d, renders)


def wait_render(d, at_least: int, timeout: float = 25) -> None:
    """Waits until the page has finished `at_least` views (drawn, empty or too big)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = d.execute_script(
            "return [document.body.dataset.state, +(document.body.dataset.renders || 0)]"
        )
        if state[0] in ("error", "auth"):
            break
        if state[1] >= at_least and state[0] != "loading":
            return
        time.sleep(0.05)
    raise AssertionError(f"the page did not draw: {d.find_element(By.ID, 'status').text!r}, {state}, {logs(d)}")


def renders(d) -> int:
    return d.execute_script("return +(document.body.dataset.renders || 0)")


def logs(d) -> list:
    return [entry for entry in d.get_log("browser") if entry["level"] == "SEVERE"]


def panel(d) -> tuple[set[str], Counter]:
    """What the side panel lists: every data-id on the page, and every edge
    item's (event, role, from, to)."""
    got = d.execute_script(
        """return {
            ids: Array.from(document.querySelectorAll('[data-id]')).map(e => e.getAttribute('data-id')),
            edges: Array.from(document.querySelectorAll('[data-event]')).map(e =>
              [e.dataset.event, e.dataset.role, e.dataset.from, e.dataset.to]),
        }"""
    )
    assert len(got["ids"]) == len(set(got["ids"])), f"an entity is listed twice: {got['ids']}"
    return set(got["ids"]), Counter(tuple(e) for e in got["edges"])


EDGE = "role from { id } to { id } event { id }"


def edge_key(r: dict) -> tuple:
    return (r["event"]["id"], r["role"], r["from"]["id"], r["to"]["id"])


def neighborhood(server, focus, hops, as_of=None, known_at=None) -> tuple[set[str], Counter]:
    d = gql(
        server,
        "query($id: ID!, $hops: Int, $asOf: Date, $knownAt: DateTime) {"
        " neighborhood(id: $id, hops: $hops, asOf: $asOf, knownAt: $knownAt) { nodes { id } edges { " + EDGE + " } } }",
        {"id": focus, "hops": hops, "asOf": as_of, "knownAt": known_at},
    )["neighborhood"]
    return {n["id"] for n in d["nodes"]}, Counter(edge_key(e) for e in d["edges"])


def focus_url(server, focus, hops, as_of=None, known_at=None) -> str:
    q = {"focus": focus, "hops": hops}
    if as_of:
        q["asOf"] = as_of
    if known_at:
        q["knownAt"] = known_at
    return f"{server.url}/?{urllib.parse.urlencode(q)}"


def url_params(d) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(d.current_url).query))


def only_local_requests(d, server) -> None:
    """Everything the page loaded came from the server under test."""
    urls = d.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    foreign = [u for u in urls if not u.startswith(server.url) and not u.startswith("data:")]
    assert not foreign, f"the page fetched from elsewhere: {foreign}"


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of an 8-bit RGB(A) PNG, as Chromium writes them."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        chunk = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytes(width * channels)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = bytes(line)
        rows.append(prev)
    return width, height, rows


def assert_not_blank(png: bytes, what: str) -> None:
    """The graph area holds a drawing: many colours, and the node colours of
    the entity types among them."""
    width, height, rows = png_pixels(png)
    channels = len(rows[0]) // width
    colours = Counter()
    for row in rows[::4]:
        for x in range(0, width, 4):
            colours[row[x * channels : x * channels + 3]] += 1
    assert len(colours) > 20, f"{what}: the screenshot is blank ({len(colours)} colours)"
    drawn = sum(n for c, n in colours.items() if c not in (b"\xff\xff\xff",))
    assert drawn > 0.01 * sum(colours.values()), f"{what}: almost nothing is drawn"


def screenshot_graph(d, what: str) -> bytes:
    png = d.find_element(By.ID, "graph").screenshot_as_png
    assert_not_blank(png, what)
    return png


# ---- the tests -----------------------------------------------------------------


def test_the_landing_page_draws_the_demo_with_nothing_from_the_network(browser, demo_server):
    logs(browser)  # what earlier pages logged
    load(browser, demo_server.url + "/")
    params = url_params(browser)
    # The view is in the URL at once, so it can be shared.
    assert params.get("focus") and params.get("hops") == "2", params
    ids, edges = panel(browser)
    assert (ids, edges) == neighborhood(demo_server, params["focus"], 2)
    assert len(ids) > 10
    only_local_requests(browser, demo_server)
    assert not logs(browser), logs(browser)
    png = screenshot_graph(browser, "the landing page")
    assert png
    # The README's picture is this view; STRATA_UPDATE_SCREENSHOT=1 remakes it.
    if os.environ.get("STRATA_UPDATE_SCREENSHOT") == "1":
        browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.exists(), "examples/explorer.png: run with STRATA_UPDATE_SCREENSHOT=1 to make it"
    assert_not_blank(SCREENSHOT.read_bytes(), "examples/explorer.png")


@pytest.mark.parametrize(
    "focus, hops, as_of, known_at",
    [
        ("cn-miit", 1, "2026-01-29", None),
        ("cn-miit", 1, "2026-02-01", "2026-01-29T00:00:00Z"),
        ("deepseek", 2, "2026-02", None),
        ("nvidia-h20", 3, "2025-Q2", None),
        ("john-moolenaar", 2, None, None),
        ("bytedance", 1, "2020", None),
    ],
)
def test_a_focus_url_lists_exactly_the_graphql_neighborhood(browser, demo_server, focus, hops, as_of, known_at):
    load(browser, focus_url(demo_server, focus, hops, as_of, known_at))
    assert panel(browser) == neighborhood(demo_server, focus, hops, as_of, known_at)
    label = browser.find_element(By.ID, "asOf-label").text
    if as_of and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        # A coarse date is shown as such.
        precision = {"2026-02": "month", "2025-Q2": "quarter", "2020": "year"}[as_of]
        assert label == f"{as_of} ({precision})", label
    assert browser.find_element(By.ID, "knownAt-label").text == (known_at or "now")
    # The focused entity is marked in the panel.
    assert browser.find_element(By.CSS_SELECTOR, f'[data-id="{focus}"]').get_attribute("aria-current") == "true"


def test_the_generated_log_lists_exactly_the_graphql_neighborhood(browser, generated):
    sizes = gql(
        generated,
        "{ entities(first: 60) { edges { node { id n: relations { name } } } } }",
    )["entities"]["edges"]
    picked = 0
    for e in sizes:
        focus = e["node"]["id"]
        count = gql(generated, "query($id: ID!) { neighborhood(id: $id, hops: 2) { nodeCount } }", {"id": focus})
        n = count["neighborhood"]["nodeCount"]
        if 30 <= n <= 250:
            load(browser, focus_url(generated, focus, 2))
            assert panel(browser) == neighborhood(generated, focus, 2), focus
            picked += 1
            if picked == 2:
                break
    assert picked == 2, "the generated log has mid-sized neighborhoods"
    screenshot_graph(browser, "a generated neighborhood")
    only_local_requests(browser, generated)


def test_a_neighborhood_too_big_to_draw_is_counted_instead(browser, generated):
    hub = None
    for e in gql(generated, "{ entities(first: 100) { edges { node { id } } } }")["entities"]["edges"]:
        d = gql(
            generated,
            "query($id: ID!) { neighborhood(id: $id, hops: 2) { nodeCount counts { type count } } }",
            {"id": e["node"]["id"]},
        )["neighborhood"]
        if d["nodeCount"] > LIMIT:
            hub = (e["node"]["id"], d)
            break
    assert hub, "the generated log has a neighborhood of more than 500 entities"
    focus, d = hub
    load(browser, focus_url(generated, focus, 2))
    assert browser.execute_script("return document.body.dataset.state") == "too-big"
    ids, edges = panel(browser)
    assert not ids and not edges, "nothing is drawn"
    counts = {
        li.get_attribute("data-type"): li.text
        for li in browser.find_elements(By.CSS_SELECTOR, "#too-big-counts li")
    }
    assert counts == {c["type"]: f"{c['type'].lower()}: {c['count']}" for c in d["counts"]}
    assert str(d["nodeCount"]) in browser.find_element(By.ID, "too-big-text").text
    # Fewer hops: drawn.
    browser.find_element(By.ID, "hops").send_keys("1")
    wait_render(browser, 2)
    assert url_params(browser)["hops"] == "1"
    assert panel(browser) == neighborhood(generated, focus, 1)


def test_moving_as_of_redraws_and_marks_what_appeared(browser, demo_server):
    load(browser, focus_url(demo_server, "jensen-huang", 1, "2026-01-28"))
    before = {li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "[data-id]")}
    positions = browser.execute_script(
        "const cy = window.strataExplorer.cy; return Object.fromEntries(cy.nodes().map(n => [n.id(), n.position()]))"
    )
    slider = browser.find_element(By.ID, "asOf")
    n = renders(browser)
    # One day on: Huang spoke of the H200 on 29 January.
    slider.send_keys(Keys.ARROW_RIGHT)
    wait_render(browser, n + 1)
    assert url_params(browser).get("asOf") == "2026-01-29", browser.current_url
    ids, edges = panel(browser)
    assert (ids, edges) == neighborhood(demo_server, "jensen-huang", 1, "2026-01-29")
    appeared = {li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, '[data-id][data-change="appeared"]')}
    assert appeared == ids - before and "nvidia-h200" in appeared, appeared
    # The layout stays: entities drawn before keep their places.
    after = browser.execute_script(
        "const cy = window.strataExplorer.cy; return Object.fromEntries(cy.nodes().map(n => [n.id(), n.position()]))"
    )
    for id_ in before:
        assert after[id_] == positions[id_], id_
    assert "2026-01-29" in browser.find_element(By.ID, "status").text


def test_moving_known_at_goes_back_to_what_was_known(browser, demo_server):
    load(browser, focus_url(demo_server, "cn-miit", 1, "2026-02-01"))
    now_ids, _ = panel(browser)
    times = gql(demo_server, "{ timeRange { recordedTimes } }")["timeRange"]["recordedTimes"]
    slider = browser.find_element(By.ID, "knownAt")
    assert slider.get_attribute("value") == slider.get_attribute("max"), "knownAt starts at now"
    n = renders(browser)
    slider.send_keys(Keys.HOME)
    wait_render(browser, n + 1)
    assert url_params(browser).get("knownAt") == times[0]
    assert browser.find_element(By.ID, "knownAt-label").text == times[0]
    ids, edges = panel(browser)
    assert (ids, edges) == neighborhood(demo_server, "cn-miit", 1, "2026-02-01", times[0])
    gone = {li.get_attribute("data-gone-id") for li in browser.find_elements(By.CSS_SELECTOR, "#gone [data-gone-id]")}
    assert gone == now_ids - ids and "deepseek" in gone, gone
    # Back to now.
    n = renders(browser)
    browser.find_element(By.ID, "knownAt-now").click()
    wait_render(browser, n + 1)
    assert "knownAt" not in url_params(browser)
    assert panel(browser)[0] == now_ids


def test_known_at_on_the_generated_log(browser, generated):
    focus = None
    for e in gql(generated, "{ entities(first: 60) { edges { node { id } } } }")["entities"]["edges"]:
        n = gql(generated, "query($id: ID!) { neighborhood(id: $id, hops: 1) { nodeCount } }", {"id": e["node"]["id"]})
        if 20 <= n["neighborhood"]["nodeCount"] <= 200:
            focus = e["node"]["id"]
            break
    assert focus
    times = gql(generated, "{ timeRange { recordedTimes(limit: 1000) } }")["timeRange"]["recordedTimes"]
    middle = times[len(times) // 2]
    load(browser, focus_url(generated, focus, 1, None, middle))
    assert panel(browser) == neighborhood(generated, focus, 1, None, middle)
    assert browser.find_element(By.ID, "knownAt-label").text == middle


def test_clicking_an_edge_shows_its_events_and_sources(browser, demo_server):
    load(browser, focus_url(demo_server, "cn-miit", 1, "2026-02-01"))
    item = browser.find_element(By.CSS_SELECTOR, '#edges [data-event][data-to="deepseek"][data-role="SUBJECT_OBJECT"]')
    event_id = item.get_attribute("data-event")
    item.click()
    WAIT = time.monotonic() + 10
    while not browser.find_elements(By.CSS_SELECTOR, f'#details [data-detail-event="{event_id}"]'):
        assert time.monotonic() < WAIT, "the edge's details did not open"
        time.sleep(0.05)
    ev = gql(
        demo_server,
        "query($id: ID!) { event(id: $id) { kind at precision attrs source { publisher title published url } } }",
        {"id": event_id},
    )["event"]
    box = browser.find_element(By.CSS_SELECTOR, f'#details [data-detail-event="{event_id}"]')
    text = box.text
    assert ev["kind"] in text and ev["at"] in text
    src = ev["source"]
    for field in ("publisher", "title", "published"):
        if src.get(field):
            assert src[field] in text, (field, text)
    for key in (ev["attrs"] or {}):
        assert key in text, (key, text)
    if src.get("url"):
        links = [a.get_attribute("href") for a in box.find_elements(By.CSS_SELECTOR, "a")]
        assert src["url"] in links, links
    # The keyboard opens the same details: Enter on a focused item.
    other = browser.find_elements(By.CSS_SELECTOR, "#edges [data-event]")[0]
    other.send_keys(Keys.ENTER)
    oid = other.get_attribute("data-event")
    WAIT = time.monotonic() + 10
    while not browser.find_elements(By.CSS_SELECTOR, f'#details [data-detail-event="{oid}"]'):
        assert time.monotonic() < WAIT, "Enter did not open the edge"
        time.sleep(0.05)


def test_clicking_a_node_shows_its_history_and_double_click_refocuses(browser, demo_server):
    load(browser, focus_url(demo_server, "cn-miit", 1, "2026-02-01"))
    browser.find_element(By.CSS_SELECTOR, '[data-id="deepseek"]').click()
    hist = gql(
        demo_server, '{ entity(id: "deepseek", asOf: "2026-02-01") { name history { id } } }'
    )["entity"]
    WAIT = time.monotonic() + 10
    while browser.find_element(By.ID, "details-title").text != hist["name"]:
        assert time.monotonic() < WAIT, "the node's details did not open"
        time.sleep(0.05)
    shown = [li.get_attribute("data-detail-event") for li in browser.find_elements(By.CSS_SELECTOR, "#details .timeline > li")]
    assert shown == [e["id"] for e in hist["history"]]
    # A double click on the drawn node focuses it.
    n = renders(browser)
    browser.execute_script("window.strataExplorer.cy.getElementById('deepseek').emit('dbltap')")
    wait_render(browser, n + 1)
    assert url_params(browser)["focus"] == "deepseek"
    assert panel(browser) == neighborhood(demo_server, "deepseek", 1, "2026-02-01")
    # And the browser's back button returns to the view before.
    n = renders(browser)
    browser.back()
    wait_render(browser, n + 1)
    assert url_params(browser)["focus"] == "cn-miit"
    # From the keyboard: F on an entity of the side panel focuses it.
    n = renders(browser)
    browser.find_element(By.CSS_SELECTOR, '[data-id="deepseek"]').send_keys("f")
    wait_render(browser, n + 1)
    assert url_params(browser)["focus"] == "deepseek"


def test_the_relations_filter_keeps_only_those_names(browser, demo_server):
    load(browser, focus_url(demo_server, "nvidia-h200", 2) + "&relations=approved,reviews")
    d = gql(
        demo_server,
        '{ neighborhood(id: "nvidia-h200", hops: 2, relations: ["approved", "reviews"]) { nodes { id } edges { '
        + EDGE + " name } } }",
    )["neighborhood"]
    assert panel(browser) == ({n["id"] for n in d["nodes"]}, Counter(edge_key(e) for e in d["edges"]))
    names = {li.get_attribute("data-relation") for li in browser.find_elements(By.CSS_SELECTOR, "#edges [data-event]")}
    assert names and names <= {"approved", "reviews"}, names
    assert browser.find_element(By.ID, "relations").get_attribute("value") == "approved,reviews"


def test_a_path_url_highlights_the_graphql_path_and_lists_its_steps(browser, demo_server):
    url = f"{demo_server.url}/?from=john-moolenaar&to=deepseek&asOf=2026-02-01"
    load(browser, url)
    path = gql(
        demo_server,
        '{ path(from: "john-moolenaar", to: "deepseek", asOf: "2026-02-01") { hops steps { from { id } to { id }'
        " relation { " + EDGE + " event { at source { publisher } } } } } }",
    )["path"]
    ids, edges = panel(browser)
    want_ids = {s["from"]["id"] for s in path["steps"]} | {s["to"]["id"] for s in path["steps"]}
    assert ids == want_ids
    assert edges == Counter(edge_key(s["relation"]) for s in path["steps"])
    steps = browser.find_elements(By.CSS_SELECTOR, "#steps > li")
    assert len(steps) == path["hops"]
    for li, s in zip(steps, path["steps"]):
        assert s["relation"]["event"]["at"] in li.text
        assert s["relation"]["event"]["source"]["publisher"] in li.text
    onpath = browser.execute_script("return window.strataExplorer.cy.elements('.onpath').length")
    assert onpath == len(ids) + len(edges), "every node and edge of the path is highlighted"
    assert_nodes_keep_their_shapes(browser)
    screenshot_graph(browser, "path mode")
    # Path mode from the form.
    browser.find_element(By.CSS_SELECTOR, '#modes [data-mode="path"]').click()
    assert browser.find_element(By.ID, "path-from").get_attribute("value") == "john-moolenaar"


# Each entity type's shape (graph.js TYPE_STYLE; the README's legend).
SHAPES = {"ACTOR": "ellipse", "AGENCY": "round-rectangle", "CHIP": "diamond"}


def assert_nodes_keep_their_shapes(browser) -> None:
    """Every node drawn has its type's shape, as wide as it is tall."""
    nodes = browser.execute_script(
        "return window.strataExplorer.cy.nodes().map(n => [n.id(), n.classes(), n.style('shape'), n.width(), n.height()])"
    )
    assert nodes
    for id_, classes, shape, width, height in nodes:
        types = [c for c in classes if c in SHAPES]
        assert len(types) == 1 and shape == SHAPES[types[0]], (id_, classes, shape)
        assert width == height, f"{id_} is drawn {width} wide and {height} tall"


def test_a_two_node_path_draws_each_node_in_its_types_shape(browser, demo_server):
    # One step: the ministry (an agency, a square) approved DeepSeek (an actor, a circle).
    load(browser, f"{demo_server.url}/?from=cn-miit&to=deepseek&asOf=2026-02-01")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#steps > li")) == 1
    assert panel(browser)[0] == {"cn-miit", "deepseek"}
    assert_nodes_keep_their_shapes(browser)
    shapes = browser.execute_script(
        "const cy = window.strataExplorer.cy; return [cy.$id('cn-miit').style('shape'), cy.$id('deepseek').style('shape')]"
    )
    assert shapes == ["round-rectangle", "ellipse"], shapes
    # Two nodes are not blown up to fill the canvas.
    assert browser.execute_script("return window.strataExplorer.cy.zoom()") <= 1.5
    # The path stays marked: its nodes outlined, its edge thick, in purple.
    marks = browser.execute_script(
        """const cy = window.strataExplorer.cy;
           return [cy.nodes().map(n => [n.style('border-width'), n.style('border-color')]),
                   cy.edges().map(e => [e.style('width'), e.style('line-color')])]"""
    )
    assert all(m == ["4px", "rgb(139,47,201)"] for m in marks[0]), marks
    assert marks[1] == [["4px", "rgb(139,47,201)"]], marks
    screenshot_graph(browser, "a two-node path")


def module_names() -> list[str]:
    """Every explorer module in the repo, as its path under /assets/."""
    return sorted("explorer/" + p.relative_to(MODULES).as_posix() for p in MODULES.rglob("*.js"))


def test_the_explorer_loads_as_es_modules_every_one_served_with_no_console_error(browser, demo_server):
    logs(browser)  # what earlier pages logged
    load(browser, demo_server.url + "/?focus=cn-miit&hops=1")
    names = module_names()
    assert "explorer/main.js" in names and "explorer/views/path.js" in names, names
    # The page starts from one module script; the rest are its imports.
    scripts = browser.execute_script(
        "return Array.from(document.scripts).map(s => [s.type, new URL(s.src, location.href).pathname])"
    )
    assert scripts == [["", "/assets/cytoscape.min.js"], ["module", "/assets/explorer/main.js"]], scripts
    fetched = {
        urllib.parse.urlparse(u).path
        for u in browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    }
    assert {"/assets/" + n for n in names} <= fetched, sorted({"/assets/" + n for n in names} - fetched)
    for name in names:
        with urllib.request.urlopen(f"{demo_server.url}/assets/{name}") as res:
            assert res.status == 200, name
            assert res.headers["Content-Type"] == "text/javascript; charset=utf-8", (name, res.headers["Content-Type"])
            assert res.read() == (MODULES / name.removeprefix("explorer/")).read_bytes(), name
    # Every module ran: the page drew, and nothing went to the console.
    assert browser.execute_script("return document.body.dataset.state") == "ready"
    assert not logs(browser), logs(browser)
    only_local_requests(browser, demo_server)


def test_the_three_entity_boxes_are_one_template(browser, demo_server):
    with urllib.request.urlopen(demo_server.url + "/") as res:
        page = res.read().decode()
    # The page's markup holds the entity box once, in its template.
    assert page.count('role="combobox"') == 1 and page.count("<template") == 1, page
    load(browser, demo_server.url + "/?focus=cn-miit&hops=1")
    boxes = browser.execute_script(
        """// A box's markup without what each copy fills in: its ids and its label's text.
           const bare = (combo) => {
             const c = combo.cloneNode(true);
             c.querySelectorAll('[id], [for], [aria-controls]').forEach(e => {
               e.removeAttribute('id'); e.removeAttribute('for'); e.removeAttribute('aria-controls');
             });
             c.querySelector('label').textContent = '';
             return c.outerHTML;
           };
           return [Array.from(document.querySelectorAll('header .combo')).map(c => {
             const input = c.querySelector('input'), list = c.querySelector('ul'), label = c.querySelector('label');
             return { id: input.id, label: label.textContent, forInput: label.htmlFor === input.id,
                      controls: input.getAttribute('aria-controls'), listId: list.id, html: bare(c) };
           }), bare(document.getElementById('combobox').content.firstElementChild)]"""
    )
    boxes, template = boxes
    assert [(b["id"], b["label"]) for b in boxes][:3] == [("search", "Entity"), ("path-from", "From"), ("path-to", "To")]
    for b in boxes:
        assert b["forInput"] and b["controls"] == b["listId"] == b["id"] + "-list", b
    # Every box is the template, with its own ids and label.
    assert [b["html"] for b in boxes] == [template] * len(boxes), (boxes, template)
    # And each copy suggests entities: here the Path form's From box.
    browser.find_element(By.CSS_SELECTOR, '#modes [data-mode="path"]').click()
    box = browser.find_element(By.ID, "path-from")
    box.clear()
    box.send_keys("DANCE")
    WAIT = time.monotonic() + 10
    while not browser.find_elements(By.CSS_SELECTOR, "#path-from-list [data-entity]"):
        assert time.monotonic() < WAIT, "no suggestions in the From box"
        time.sleep(0.05)
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    assert box.get_attribute("value") == "bytedance"


def check_diff(browser, server, date_from, date_to) -> dict:
    load(browser, f"{server.url}/?diffFrom={date_from}&diffTo={date_to}")
    q = "query($f: Date!, $t: Date!) { diff(from: $f, to: $t) { added { " + EDGE + " } removed { " + EDGE + " } } }"
    d = gql(server, q, {"f": date_from, "t": date_to})["diff"]
    ids, edges = panel(browser)
    rels = d["added"] + d["removed"]
    assert ids == {r["from"]["id"] for r in rels} | {r["to"]["id"] for r in rels}
    assert edges == Counter(edge_key(r) for r in rels)
    marks = Counter(
        li.get_attribute("data-change") for li in browser.find_elements(By.CSS_SELECTOR, "#edges [data-event]")
    )
    assert marks == Counter({"added": len(d["added"]), "removed": len(d["removed"])}) - Counter()
    colours = browser.execute_script(
        "return window.strataExplorer.cy.edges().map(e => [e.hasClass('added'), e.hasClass('removed'), e.style('line-color')])"
    )
    # Green for added, red for removed (a disputed edge keeps its orange warning).
    assert {c[2] for c in colours if c[0]} <= {"rgb(31,157,58)", "rgb(217,139,0)"}, colours
    assert {c[2] for c in colours if c[1]} <= {"rgb(208,49,45)", "rgb(217,139,0)"}, colours
    assert browser.find_element(By.ID, "asOf").get_attribute("disabled") == "true"
    return d


def test_a_diff_url_colours_what_was_added_on_the_demo(browser, demo_server):
    d = check_diff(browser, demo_server, "2025-03", "2025-08")
    assert d["added"], "spring 2025: the US ban, H20 licences, China's RTX Pro 6000D ban"
    screenshot_graph(browser, "diff mode")


def test_a_diff_url_colours_what_was_removed_on_the_generated_log(browser, generated):
    # Two dates a year apart between which relations ended, and few enough to draw.
    q = "query($f: Date!, $t: Date!) { diff(from: $f, to: $t) { added { " + EDGE + " } removed { " + EDGE + " } } }"
    for year in range(2000, 2025):
        d = gql(generated, q, {"f": str(year), "t": str(year + 1)})["diff"]
        ends = {r["from"]["id"] for r in d["added"] + d["removed"]} | {r["to"]["id"] for r in d["added"] + d["removed"]}
        if d["removed"] and len(ends) <= 300:
            got = check_diff(browser, generated, str(year), str(year + 1))
            assert got["removed"]
            return
    pytest.fail("no year of the generated log ends a relation")


def test_search_suggests_entities_by_any_part_of_their_name(browser, demo_server):
    load(browser, focus_url(demo_server, "cn-miit", 1))
    box = browser.find_element(By.ID, "search")
    box.clear()
    box.send_keys("DANCE")
    WAIT = time.monotonic() + 10
    while not browser.find_elements(By.CSS_SELECTOR, "#search-list [data-entity]"):
        assert time.monotonic() < WAIT, "no suggestions"
        time.sleep(0.05)
    offered = [li.get_attribute("data-entity") for li in browser.find_elements(By.CSS_SELECTOR, "#search-list [data-entity]")]
    want = [e["node"]["id"] for e in gql(demo_server, '{ entities(search: "DANCE") { edges { node { id } } } }')["entities"]["edges"]]
    assert offered == want == ["bytedance"]
    n = renders(browser)
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    wait_render(browser, n + 1)
    assert url_params(browser)["focus"] == "bytedance"


def test_under_auth_reads_the_token_is_asked_once_and_kept(browser, tmp_path, token):
    from conftest import import_demo

    s = serve(tmp_path, import_demo(tmp_path), ["--auth-reads"], token=token)
    try:
        browser.get(s.url + "/")
        WAIT = time.monotonic() + 15
        while browser.execute_script("return document.body.dataset.state") != "auth":
            assert time.monotonic() < WAIT, "the page did not ask for the token"
            time.sleep(0.05)
        assert browser.find_element(By.ID, "auth").is_displayed()
        browser.find_element(By.ID, "token").send_keys(token, Keys.ENTER)
        wait_render(browser, 1)
        assert browser.execute_script("return sessionStorage.getItem('strata-token')") == token
        params = url_params(browser)
        assert panel(browser) == neighborhood(s, params["focus"], 2)
        # A reload keeps the token: no second prompt.
        load(browser, s.url + "/?focus=deepseek&hops=1")
        assert browser.find_element(By.ID, "auth").is_displayed() is False
        assert panel(browser) == neighborhood(s, "deepseek", 1)
    finally:
        browser.execute_script("sessionStorage.clear()")
        s.stop()


def test_graphiql_runs_a_query_offline(browser, demo_server):
    logs(browser)  # what earlier pages logged
    browser.get(demo_server.url + "/graphql")
    WAIT = time.monotonic() + 20
    while not browser.find_elements(By.CSS_SELECTOR, ".graphiql-execute-button"):
        assert time.monotonic() < WAIT, f"GraphiQL did not start: {logs(browser)}"
        time.sleep(0.1)
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    stats = gql(demo_server, "{ stats { events entities } }")["stats"]
    WAIT = time.monotonic() + 20
    text = ""
    while f'"events": {stats["events"]}' not in text:
        assert time.monotonic() < WAIT, f"no result in GraphiQL: {text!r}"
        time.sleep(0.1)
        text = browser.execute_script("const r = document.querySelector('.graphiql-response'); return r ? r.innerText : ''")
    assert f'"entities": {stats["entities"]}' in text
    only_local_requests(browser, demo_server)
    assert not logs(browser), logs(browser)
    assert_not_blank(browser.get_screenshot_as_png(), "GraphiQL")


CLAIMS = [
    {"id": "0194f000-0000-7000-8000-0000000000e1", "kind": "approval_granted", "at": "2026-01-10", "status": "confirmed",
     "subject": {"id": "ministry", "type": "agency", "name": "Ministry of Trade"},
     "object": {"id": "acme", "type": "actor", "name": "Acme"}, "about": [{"id": "chip-x", "type": "chip", "name": "Chip X"}],
     "note": "the list gives the month; the day is the gazette's",
     "source": {"publisher": "Gazette", "url": "https://gazette.example/1", "title": "Licence list", "published": "2026-01-10",
                "via": "Reuters"}},
    {"id": "0194f000-0000-7000-8000-0000000000e2", "kind": "approval_granted", "at": "2026-01", "subject": "ministry",
     "object": {"id": "globex", "type": "actor", "name": "Globex"}, "source": {"publisher": "Wire"}},
    {"id": "0194f000-0000-7000-8000-0000000000e3", "kind": "approval_granted", "at": "2026-Q2", "status": "expected",
     "subject": "ministry", "object": {"id": "initech", "type": "actor", "name": "Initech"}, "source": {"publisher": "Wire"}},
    {"id": "0194f000-0000-7000-8000-0000000000e4", "kind": "approval_granted", "at": "2026-01-20", "status": "denied",
     "subject": "ministry", "object": {"id": "umbrella", "type": "actor", "name": "Umbrella"}, "source": {"publisher": "Post"}},
    {"id": "0194f000-0000-7000-8000-0000000000e5", "kind": "statement_made", "at": "2026-01-21", "subject": "globex",
     "disputes": ["0194f000-0000-7000-8000-0000000000e2"], "attrs": {"quote": "we hold no licence"},
     "source": {"publisher": "Post", "title": "Globex denies"}},
]


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    """A server over a small hand-written log whose relations carry every
    claim status, one of them disputed."""
    import json

    tmp = tmp_path_factory.mktemp("explorer-claims")
    log, data = tmp / "claims.ndjson", tmp / "data"
    log.write_text("".join(json.dumps(e) + "\n" for e in CLAIMS))
    subprocess.run(
        [str(strata_bin()), "import", str(log), "--data", str(data)], check=True, capture_output=True, env=strata_env()
    )
    s = serve(tmp, data)
    yield s
    s.stop()


@pytest.mark.parametrize("statuses", [None, "CONFIRMED", "CONFIRMED,REPORTED,EXPECTED,DENIED"])
def test_edges_show_their_claim_status_and_disputes(browser, claims, statuses):
    url = focus_url(claims, "ministry", 1)
    if statuses:
        url += "&statuses=" + statuses
    load(browser, url)
    want = gql(
        claims,
        "query($s: [ClaimStatus!]) { neighborhood(id: \"ministry\", hops: 1, statuses: $s) {"
        " nodes { id } edges { " + EDGE + " status disputedBy { id } } } }",
        {"s": statuses.split(",") if statuses else None},
    )["neighborhood"]
    ids, edges = panel(browser)
    assert ids == {n["id"] for n in want["nodes"]}
    assert edges == Counter(edge_key(e) for e in want["edges"])
    shown = browser.execute_script(
        """return Array.from(document.querySelectorAll('#edges [data-event]')).map(li => {
             const e = window.strataExplorer.cy.getElementById(li.dataset.edge);
             return [li.dataset.edge, li.dataset.status, li.dataset.disputed === 'true',
                     e.hasClass('status-' + li.dataset.status), e.hasClass('disputed')];
           })"""
    )
    by_key = {"|".join(edge_key(e)): e for e in want["edges"]}
    for key, status, disputed, styled, marked in shown:
        e = by_key[key]
        assert status == e["status"] and styled, (key, status, e)
        assert disputed == marked == bool(e["disputedBy"]), (key, e)
    statuses_seen = {s for _, s, _, _, _ in shown}
    if statuses and "DENIED" in statuses:
        assert statuses_seen == {"CONFIRMED", "REPORTED", "EXPECTED", "DENIED"}
        assert any(d for _, _, d, _, _ in shown), "Globex's approval is disputed"
    assert browser.find_element(By.ID, "statuses").get_attribute("value") == (statuses or "")


def open_edge_details(browser, to: str) -> str:
    """Clicks the listed edge to `to` and waits for its details; returns the event id."""
    item = browser.find_element(By.CSS_SELECTOR, f'#edges [data-event][data-to="{to}"][data-role="SUBJECT_OBJECT"]')
    event_id = item.get_attribute("data-event")
    item.click()
    wait = time.monotonic() + 10
    while not browser.find_elements(By.CSS_SELECTOR, f'#details [data-detail-event="{event_id}"]'):
        assert time.monotonic() < wait, "the edge's details did not open"
        time.sleep(0.05)
    return event_id


def test_event_details_show_the_encoders_note_and_the_relayed_outlet(browser, claims):
    load(browser, focus_url(claims, "ministry", 1))
    event_id = open_edge_details(browser, "acme")
    box = browser.find_element(By.CSS_SELECTOR, f'#details [data-detail-event="{event_id}"]')
    assert box.find_element(By.CSS_SELECTOR, ".note").text == "Note: the list gives the month; the day is the gazette's"
    assert box.find_element(By.CSS_SELECTOR, ".source .via").text == "(via Reuters)"
    # An event with neither shows neither.
    other = open_edge_details(browser, "globex")
    box = browser.find_element(By.CSS_SELECTOR, f'#details [data-detail-event="{other}"]')
    assert not box.find_elements(By.CSS_SELECTOR, ".note") and not box.find_elements(By.CSS_SELECTOR, ".via")


LAST_RECORDED = "{ timeRange { recordedTimes(limit: 1000) } }"
WIRE = {"publisher": "Test Wire", "title": "A licence, then a correction", "published": "2026-02-03", "via": "Reuters"}


def test_what_we_learned_colours_the_new_and_the_withdrawn_and_lists_what_was_recorded(browser, server):
    before = server.execute(LAST_RECORDED)["timeRange"]["recordedTimes"][-1]
    # A relation visible now, to withdraw.
    old = gql(server, 'query { neighborhood(id: "cn-miit", hops: 1) { edges { ' + EDGE + " } } }")["neighborhood"]["edges"]
    target = old[0]["event"]["id"]
    server.execute(
        "mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }",
        {"e": [{"kind": "approval_granted", "at": "2026-02-03", "subject": {"id": "cn-miit"},
                "object": {"id": "deepseek"}, "source": WIRE,
                "note": "the wire gives no day of signing"}]},
    )
    server.execute(
        "mutation($id: ID!, $s: SourceInput) { retractEvent(id: $id, reason: \"misreported\", source: $s) { id } }",
        {"id": target, "s": WIRE},
    )
    after = server.execute(LAST_RECORDED)["timeRange"]["recordedTimes"][-1]
    q = ("query($f: DateTime!, $t: DateTime!) { knowledgeDiff(from: $f, to: $t) { learned { " + EDGE + " }"
         " withdrawn { " + EDGE + " } events { id source { publisher } } } }")
    want = gql(server, q, {"f": before, "t": after})["knowledgeDiff"]
    assert want["learned"] and want["withdrawn"] and len(want["events"]) == 2

    load(browser, f"{server.url}/?" + urllib.parse.urlencode({"learnedFrom": before, "learnedTo": after}))
    assert browser.find_element(By.CSS_SELECTOR, '#modes [data-mode="learned"]').get_attribute("aria-pressed") == "true"
    ids, edges = panel(browser)
    rels = want["learned"] + want["withdrawn"]
    assert ids == {r["from"]["id"] for r in rels} | {r["to"]["id"] for r in rels}
    assert edges == Counter(edge_key(r) for r in rels)
    marks = Counter(
        li.get_attribute("data-change") for li in browser.find_elements(By.CSS_SELECTOR, "#edges [data-event]")
    )
    assert marks == Counter({"added": len(want["learned"]), "removed": len(want["withdrawn"])})
    colours = browser.execute_script(
        "return window.strataExplorer.cy.edges().map(e => [e.hasClass('added'), e.hasClass('removed'), e.style('line-color')])"
    )
    assert {c[2] for c in colours if c[0]} <= {"rgb(31,157,58)", "rgb(217,139,0)"}, colours
    assert {c[2] for c in colours if c[1]} <= {"rgb(208,49,45)", "rgb(217,139,0)"}, colours
    # The events recorded in between, in log order, each with its source.
    listed = browser.find_elements(By.CSS_SELECTOR, "#recorded [data-recorded-event]")
    assert [li.get_attribute("data-recorded-event") for li in listed] == [e["id"] for e in want["events"]]
    assert all("Test Wire" in li.text and "(via Reuters)" in li.text for li in listed), [li.text for li in listed]
    assert "the wire gives no day of signing" in listed[0].text and "retraction" in listed[1].text
    # The form holds the two instants, and submitting it keeps them in the URL.
    assert browser.find_element(By.ID, "learned-from").get_attribute("value") == before
    browser.find_element(By.CSS_SELECTOR, "#learned-form button[type=submit]").click()
    wait_render(browser, 2)
    assert url_params(browser)["learnedTo"] == after
    screenshot_graph(browser, "what we learned")


CONNECTIONS = (
    "query($f: ID!, $t: ID!) { connections(from: $f, to: $t) { validFrom validTo path { hops steps {"
    " relation { " + EDGE + " } } } } }"
)


def connected_pair(server) -> tuple[str, str, list]:
    """A pair of demo entities joined during several intervals (else one)."""
    ids = sorted(gql(server, 'query { neighborhood(id: "cn-miit", hops: 2) { nodes { id } } }')["neighborhood"]["nodes"],
                 key=lambda n: n["id"])
    best = None
    for a in ("nvidia", "cn-miit", "bytedance"):
        for n in ids:
            if n["id"] == a:
                continue
            got = gql(server, CONNECTIONS, {"f": a, "t": n["id"]})["connections"]
            if len(got) >= 2:
                return a, n["id"], got
            if got and best is None:
                best = (a, n["id"], got)
    assert best, "no two demo entities are ever connected"
    return best


def drawn_path(browser) -> Counter:
    return panel(browser)[1]


def test_the_connection_timeline_has_a_bar_per_interval_and_a_click_draws_its_path(browser, demo_server):
    a, b, want = connected_pair(demo_server)
    load(browser, f"{demo_server.url}/?connFrom={a}&connTo={b}")
    bars = browser.find_elements(By.CSS_SELECTOR, "#timeline [data-bar]")
    assert [(g.get_attribute("data-from"), g.get_attribute("data-to") or None) for g in bars] == [
        (c["validFrom"], c["validTo"]) for c in want
    ]
    # Bars lie left to right in time, none overlapping.
    boxes = [g.find_element(By.TAG_NAME, "rect").rect for g in bars]
    assert all(p["x"] + p["width"] <= q["x"] + 0.5 for p, q in zip(boxes, boxes[1:])), boxes
    # The latest interval is drawn first: its path, highlighted, with its steps.
    def check(i):
        c = want[i]
        assert drawn_path(browser) == Counter(edge_key(s["relation"]) for s in c["path"]["steps"])
        assert len(browser.find_elements(By.CSS_SELECTOR, "#steps li")) == c["path"]["hops"]
        pressed = [g.get_attribute("aria-pressed") for g in browser.find_elements(By.CSS_SELECTOR, "#timeline [data-bar]")]
        assert pressed == ["true" if j == i else "false" for j in range(len(want))]
    check(len(want) - 1)
    # A click on the first bar draws the first interval's path and records it in the URL.
    n = renders(browser)
    browser.find_elements(By.CSS_SELECTOR, "#timeline [data-bar]")[0].click()
    wait_render(browser, n + 1)
    check(0)
    assert url_params(browser) == {"connFrom": a, "connTo": b, "bar": "0"}
    # The URL alone draws the same.
    load(browser, f"{demo_server.url}/?connFrom={a}&connTo={b}&bar=0")
    check(0)
    assert browser.find_element(By.ID, "timeline").is_displayed()
    assert browser.find_element(By.ID, "conn-from").get_attribute("value") == a
    shot = os.environ.get("STRATA_EXPLORER_SHOTS")
    if shot:
        browser.save_screenshot(os.path.join(shot, "connections.png"))
    screenshot_graph(browser, "connections")
    # Another mode hides the timeline.
    load(browser, focus_url(demo_server, "cn-miit", 1))
    assert not browser.find_element(By.ID, "timeline").is_displayed()


def test_a_pair_never_connected_says_so(browser, claims):
    load(browser, f"{claims.url}/?connFrom=acme&connTo=umbrella")
    assert "Never connected" in browser.find_element(By.ID, "status").text
    assert not browser.find_element(By.ID, "timeline").is_displayed()


JOURNEY = (
    "query($f: ID!, $t: ID!, $a: Date, $b: Date) { journey(from: $f, to: $t, after: $a, before: $b) { hops steps { at"
    " relation { " + EDGE + " } } } }"
)


def test_a_journey_url_draws_each_step_with_the_day_it_was_taken(browser, demo_server):
    a, b, _ = connected_pair(demo_server)
    want = gql(demo_server, JOURNEY, {"f": a, "t": b})["journey"]
    assert want and want["steps"], (a, b)
    load(browser, f"{demo_server.url}/?jFrom={a}&jTo={b}")
    assert browser.find_element(By.CSS_SELECTOR, '#modes [data-mode="journey"]').get_attribute("aria-pressed") == "true"
    assert drawn_path(browser) == Counter(edge_key(s["relation"]) for s in want["steps"])
    labels = browser.execute_script(
        "return Object.fromEntries(window.strataExplorer.cy.edges().map(e => [e.id(), e.data('label')]))"
    )
    for i, s in enumerate(want["steps"]):
        assert labels["|".join(edge_key(s["relation"]))].startswith(f"{i + 1}. {s['at']} · "), labels
    steps = browser.find_elements(By.CSS_SELECTOR, "#steps li")
    assert [li.find_element(By.CSS_SELECTOR, ".taken strong").text for li in steps] == [s["at"] for s in want["steps"]]
    assert browser.find_element(By.ID, "asOf").get_attribute("disabled") == "true"
    screenshot_graph(browser, "journey")
    # After the day of the last step, the journey (if any) starts later, and the form keeps the bound.
    later = want["steps"][-1]["at"]
    after = gql(demo_server, JOURNEY, {"f": a, "t": b, "a": later})["journey"]
    load(browser, f"{demo_server.url}/?jFrom={a}&jTo={b}&after={later}")
    assert browser.find_element(By.ID, "journey-after").get_attribute("value") == later
    if after and after["steps"]:
        assert all(s["at"] >= later for s in after["steps"])
        assert drawn_path(browser) == Counter(edge_key(s["relation"]) for s in after["steps"])
    else:
        assert "No journey" in browser.find_element(By.ID, "status").text


def wait_for(browser, css: str, what: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not browser.find_elements(By.CSS_SELECTOR, css):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return browser.find_elements(By.CSS_SELECTOR, css)


def test_the_entity_box_ranks_search_hits_and_shows_the_name_that_matched(browser, server):
    server.execute(
        'mutation { appendEvents(events: [{kind: "entity_declared", at: "2026-02-01",'
        ' subject: {id: "bytedance", aliases: ["北京字节跳动科技有限公司"]}}]) { position } }'
    )
    want = gql(server, '{ search(text: "字节跳动", first: 12) { matched entity { id } } }')["search"]
    assert want and want[0]["entity"]["id"] == "bytedance"
    load(browser, focus_url(server, "cn-miit", 1))
    box = browser.find_element(By.ID, "search")
    box.clear()
    box.send_keys("字节跳动")
    items = wait_for(browser, "#search-list [data-entity]", "no suggestions for an alias")
    assert [li.get_attribute("data-entity") for li in items][: len(want)] == [h["entity"]["id"] for h in want]
    assert items[0].get_attribute("data-matched") == want[0]["matched"] == "北京字节跳动科技有限公司"
    assert "北京字节跳动科技有限公司" in items[0].find_element(By.CSS_SELECTOR, ".matched").text
    # Another case and a corporate suffix: still ByteDance, first.
    box.clear()
    box.send_keys("Bytedance Ltd")
    wait = time.monotonic() + 10
    while True:
        items = browser.find_elements(By.CSS_SELECTOR, "#search-list [data-entity]")
        if items and items[0].get_attribute("data-entity") == "bytedance":
            break
        assert time.monotonic() < wait, [li.text for li in items]
        time.sleep(0.05)


LISTING = (
    'mutation { appendEvents(events: [{kind: "ban_imposed", at: "2019-05-16", status: CONFIRMED,'
    ' subject: {id: "us-commerce"}, object: {id: "ID", type: ACTOR, name: "NAME"}}]) { position } }'
)


def open_entity(browser, server, eid: str) -> None:
    name = gql(server, "query($id: ID!) { entity(id: $id) { name } }", {"id": eid})["entity"]["name"]
    browser.find_element(By.CSS_SELECTOR, f'#nodes [data-id="{eid}"]').click()
    deadline = time.monotonic() + 10
    while browser.find_element(By.ID, "details-title").text != name or not browser.find_elements(
        By.CSS_SELECTOR, "#duplicates h3"
    ):
        assert time.monotonic() < deadline, "the entity's details did not open"
        time.sleep(0.05)


def test_an_analyst_merges_a_duplicate_or_keeps_it_apart_from_the_details(browser, server, token):
    for eid, name in (("huawei-technologies", "HUAWEI TECHNOLOGIES CO., LTD."), ("huawei-tech", "Huawei Tech")):
        server.execute(LISTING.replace("ID", eid).replace("NAME", name))
    want = gql(server, '{ duplicates(id: "huawei") { matched score entity { id } } }')["duplicates"]
    assert {h["entity"]["id"] for h in want} >= {"huawei-technologies", "huawei-tech"}, want
    load(browser, focus_url(server, "huawei", 1))
    open_entity(browser, server, "huawei")
    listed = browser.find_elements(By.CSS_SELECTOR, "#duplicates [data-duplicate]")
    assert [li.get_attribute("data-duplicate") for li in listed] == [h["entity"]["id"] for h in want]
    assert want[0]["matched"] in listed[0].text
    try:
        # Without a token the write is refused and the token is asked for.
        browser.find_element(
            By.CSS_SELECTOR, '#duplicates [data-duplicate="huawei-tech"] [data-judge="distinct_from"]'
        ).click()
        wait_for(browser, "#auth:not([hidden])", "the token was not asked for")
        browser.find_element(By.ID, "token").send_keys(token, Keys.ENTER)
        wait_render(browser, 2)
        open_entity(browser, server, "huawei")
        browser.find_element(
            By.CSS_SELECTOR, '#duplicates [data-duplicate="huawei-tech"] [data-judge="distinct_from"]'
        ).click()
        deadline = time.monotonic() + 10
        while browser.find_elements(By.CSS_SELECTOR, '#duplicates [data-duplicate="huawei-tech"]'):
            assert time.monotonic() < deadline, "the distinct duplicate is still listed"
            time.sleep(0.05)
        # A merge: the listing becomes Huawei, and the details say so.
        browser.find_element(
            By.CSS_SELECTOR, '#duplicates [data-duplicate="huawei-technologies"] [data-judge="same_as"]'
        ).click()
        merged = wait_for(browser, "#details [data-merged]", "the merged ids are not shown")
        assert merged[0].get_attribute("data-merged") == "huawei-technologies"
        assert "HUAWEI TECHNOLOGIES CO., LTD." in browser.find_element(By.CSS_SELECTOR, "#details .names").text
        got = gql(server, '{ entity(id: "huawei-technologies") { id mergedIds } duplicates(id: "huawei") { entity { id } } }')
        assert got["entity"] == {"id": "huawei", "mergedIds": ["huawei-technologies"]}
        assert {h["entity"]["id"] for h in got["duplicates"]}.isdisjoint({"huawei-technologies", "huawei-tech"})
        # Both judgements are events like any other, with their source.
        evs = gql(server, '{ events(kinds: ["same_as", "distinct_from"]) { edges { node { kind subject { id }'
                  " object { id } source { publisher } } } } }")["events"]["edges"]
        assert sorted((e["node"]["kind"], e["node"]["source"]["publisher"]) for e in evs) == [
            ("distinct_from", "strata explorer"), ("same_as", "strata explorer")]
    finally:
        browser.execute_script("sessionStorage.clear()")
