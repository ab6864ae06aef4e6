#!/usr/bin/env python3
"""How fast the console's offering page renders in a real browser for the big offering of a preset.

Usage: .venv/bin/python bench/console.py --build bench/results/scale-build-sqlite-medium.json [--runs 5]

`--build` is the report `bench/large_org.py` wrote (database URL, token, the big offering's id). The script
starts `openqualify serve` on that database, signs in with headless Chromium and opens
`/console/offerings/<big>` `--runs` times; one run is the time from navigation start until every section of the
page has rendered (`window.consoleReadyAt`, set when the last fragment is in the DOM). It then times sorting,
filtering and paging the learners table in the page, and every fragment alone over HTTP (median of the runs).
Writes bench/results/console-<backend>-<preset>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._browser import launch, open_page, sign_in, wait_ready  # noqa: E402
from bench._server import free_port, start, stop  # noqa: E402
from bench._server import wait_ready as wait_server  # noqa: E402

SECTIONS = ("", "/learners", "/assessments", "/pulses", "/channels", "/reactions", "/badges")


def _page_load(driver: Any, url: str) -> dict[str, float]:
    started = time.perf_counter()
    open_page(driver, url)
    wall = time.perf_counter() - started
    ready = driver.execute_script("return window.consoleReadyAt")
    timing = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return {dom: n.domContentLoadedEventEnd, load: n.loadEventEnd}"
    )
    return {
        "ready_ms": round(ready, 1),
        "dom_content_loaded_ms": round(timing["dom"], 1),
        "wall_s": round(wall, 3),
        "elements": driver.execute_script("return document.getElementsByTagName('*').length"),
        "table_rows": driver.execute_script("return document.querySelectorAll('table.learners tbody tr').length"),
        "chart_marks": driver.execute_script("return document.querySelectorAll('svg .mark').length"),
    }


def _interaction(driver: Any, script: str) -> float:
    """Milliseconds from an action in the page until the table has been replaced and the page is ready again."""
    driver.execute_script("window.__t0 = performance.now();" + script)
    time.sleep(0.01)
    wait_ready(driver)
    return round(driver.execute_script("return window.consoleReadyAt - window.__t0"), 1)


def _interactions(driver: Any) -> dict[str, float]:
    return {
        "sort_by_completion_ms": _interaction(driver, "document.querySelector('[data-sort=completion]').click()"),
        "sort_again_ms": _interaction(driver, "document.querySelector('[data-sort=completion]').click()"),
        "next_page_ms": _interaction(driver, "document.querySelector('.pager [data-page]:not([disabled])').click()"),
        "filter_ms": _interaction(
            driver,
            "const f = document.querySelector('[data-table-filter]'); f.value = 'learner1';"
            "f.closest('form').dispatchEvent(new Event('submit', {cancelable: true, bubbles: true}))",
        ),
        "band_100_ms": _interaction(
            driver,
            "const s = document.querySelector('[data-table-param=band]'); s.value = '10';"
            "s.dispatchEvent(new Event('change', {bubbles: true}))",
        ),
    }


def _fragments(base: str, token: str, offering_id: str, runs: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    out = {}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for path in ["/console/f/overview", *(f"/console/f/offerings/{offering_id}{s}" for s in SECTIONS)]:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
            out[path.replace(offering_id, "<big>")] = round(statistics.median(times) * 1000, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="build report of bench/large_org.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", help="result path (default bench/results/console-<backend>-<preset>.json)")
    args = parser.parse_args()
    build = json.loads(Path(args.build).read_text())
    backend, preset = build["backend"], build["preset_name"]
    token, offering_id = build["token"], build["big_offering_id"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OPENQUALIFY_DATABASE_URL": build["db"]}
    command = [sys.executable, "-m", "openqualify.cli.main", "serve", "--db", build["db"], "--port", str(port)]
    server = start(command, env)
    try:
        wait_server(f"{base}/ready", {}, server)
        driver = launch()
        try:
            sign_in(driver, base, token)
            url = f"{base}/console/offerings/{offering_id}"
            _page_load(driver, url)  # warm-up: templates compiled, caches filled
            loads = [_page_load(driver, url) for _ in range(args.runs)]
            interactions = _interactions(driver)
        finally:
            driver.quit()
        fragments = _fragments(base, token, offering_id, args.runs)
    finally:
        stop(server)
    ready = [run["ready_ms"] for run in loads]
    result = {
        "backend": backend,
        "preset": preset,
        "big_offering_learners": build["preset"]["big"],
        "runs": args.runs,
        "page_ready_ms": {"median": statistics.median(ready), "max": max(ready), "runs": ready},
        "page": loads[-1],
        "interactions_ms": interactions,
        "fragment_median_ms": fragments,
        "machine": f"{os.cpu_count()} cores",
    }
    out = Path(args.out or ROOT / "bench" / "results" / f"console-{backend}-{preset}.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"report: {out}")


if __name__ == "__main__":
    main()
