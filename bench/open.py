#!/usr/bin/env python3
"""`make bench`'s open data section: a portal seeded with 10,000 tickets
(SQLite, and PostgreSQL when PORTAL112_TEST_PG names a server, see
scripts/with-postgres.sh), then

- the public map's answer for the city's whole view: bytes (brotli, as the
  server sends it) and latency under load (oha);
- "someone already reported this" (`/api/v1/reports/nearby`): p99 under load;
- the statistics: p99 under load (served from the brief cache), and the time
  to compute them afresh from the database (`portal112 stats`, which says how
  long reading every ticket and adding up took; the median and worst of 20).

Prints a Markdown section on stdout. Goals: nearby p99 <= 5 ms, stats p99
<= 50 ms (cached and not), map answer <= 30 KB brotli.
"""

import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, Oha, http, log, start_portal  # noqa: E402

TICKETS = 10_000
CITY_BBOX = "1.38,125.02,1.615,125.32"
CATEGORIES = ["sampah", "lampu-jalan", "banjir", "pohon-tumbang", "odgj", "air-bersih", "kecelakaan-lalu-lintas",
              "kekerasan-anak", "parkir-angkutan", "listrik-padam"]
GOALS = {"nearby_p99": 5.0, "stats_p99": 50.0, "map_br": 30_000}


def seed(base: str, n: int, rng: random.Random) -> list[str]:
    """Files `n` reports spread over Bitung's land, 32 at a time."""
    def one(i: int) -> str:
        body = {
            "category": CATEGORIES[i % len(CATEGORIES)],
            "description": f"Laporan uji nomor {i}: masalah di lingkungan kami sejak beberapa hari.",
            "location": {"lat": round(rng.uniform(1.42, 1.56), 5), "lng": round(rng.uniform(125.10, 125.25), 5)},
        }
        return json.loads(http("POST", f"{base}/api/v1/reports", body))["code"]
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        return list(pool.map(one, range(n)))


def verify(base: str, token: str, codes: list[str]) -> None:
    """Staff verify a share of the tickets, so the map has texts to show."""
    def one(code: str) -> None:
        req = urllib.request.Request(f"{base}/api/v1/staff/tickets/{code}/events", method="POST",
                                     data=json.dumps({"status": "verified", "revision": 1}).encode())
        req.add_header("content-type", "application/json")
        req.add_header("authorization", f"Bearer {token}")
        urllib.request.urlopen(req, timeout=10).read()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, codes))


class Sequential:
    """Without oha: one connection, requests one after another, timed here.
    Slower than oha's figures by Python's own cost per request."""

    def __init__(self, requests: int):
        self.requests = requests

    def run(self, url: str, _conns: int) -> dict:
        times = []
        started = time.perf_counter()
        for _ in range(self.requests):
            t = time.perf_counter()
            urllib.request.urlopen(url, timeout=10).read()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return {"rps": self.requests / (time.perf_counter() - started), "p50": times[len(times) // 2],
                "p99": times[int(len(times) * 0.99) - 1]}


def brotli_size(url: str) -> tuple[int, int]:
    raw = urllib.request.urlopen(url, timeout=30).read()
    req = urllib.request.Request(url, headers={"accept-encoding": "br"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.headers.get("content-encoding") == "br", r.headers
        return len(raw), len(r.read())


def bench_backend(args, name: str, database: str, work: Path, procs: list) -> dict:
    base = start_portal(args, work, database, name, procs)
    rng = random.Random(112)
    started = time.monotonic()
    codes = seed(base, args.tickets, rng)
    seeded_s = time.monotonic() - started
    subprocess.run([args.bin, "--database", database, "--config", str(ROOT / "config/bitung.toml"), "staff", "add",
                    "--username", "bench-operator", "--role", "operator"], input="bench-operator-password\n",
                   text=True, check=True, capture_output=True, cwd=work)
    token = json.loads(http("POST", f"{base}/api/v1/staff/session",
                            {"username": "bench-operator", "password": "bench-operator-password"}))["token"]
    verify(base, token, codes[: args.tickets * 3 // 10])
    log(f"{name}: {args.tickets} tickets seeded in {seeded_s:.1f} s, 30 % verified")

    map_url = f"{base}/api/v1/map?bbox={CITY_BBOX}"
    nearby_url = f"{base}/api/v1/reports/nearby?lat=1.4472&lng=125.1978&category=sampah"
    stats_url = f"{base}/api/v1/stats"
    raw, br = brotli_size(map_url)
    answer = json.loads(http("GET", map_url))
    oha = Oha(args.oha, args.seconds) if shutil.which(args.oha) else Sequential(args.requests)
    # Warm the caches once; then the figures under load.
    for url in (map_url, nearby_url, stats_url):
        http("GET", url)
    result = {
        "map_raw": raw, "map_br": br,
        "map_shown": len(answer["tickets"]), "map_clusters": len(answer.get("clusters", [])), "map_total": answer["total"],
        "map": oha.run(map_url, 16), "nearby": oha.run(nearby_url, 16), "stats": oha.run(stats_url, 16),
    }
    fresh = []
    for _ in range(20):
        out = subprocess.run([args.bin, "--database", database, "--config", str(ROOT / "config/bitung.toml"), "stats"],
                             check=True, capture_output=True, text=True, cwd=work)
        fresh.append(float(re.search(r"computed in ([0-9.]+) ms", out.stderr).group(1)))
    result["stats_fresh_median"] = statistics.median(fresh)
    result["stats_fresh_max"] = max(fresh)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/portal112"))
    ap.add_argument("--oha", default=shutil.which("oha") or "oha")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--tickets", type=int, default=TICKETS)
    ap.add_argument("--requests", type=int, default=2000, help="per URL when oha is not installed")
    args = ap.parse_args()
    # The servers run in a temporary folder: a path relative to here would not be found there.
    args.bin = str(Path(args.bin).resolve())
    work = Path(tempfile.mkdtemp(prefix="portal112-bench-open-"))
    procs: list[subprocess.Popen] = []
    results: dict[str, dict] = {}
    try:
        results["SQLite"] = bench_backend(args, "sqlite", f"sqlite://{work}/portal112.db", work, procs)
        server = os.environ.get("PORTAL112_TEST_PG", "").rstrip("/")
        if server:
            subprocess.run(["psql", "-q", f"{server}/postgres", "-c", "CREATE DATABASE portal112_open"], check=True)
            results["PostgreSQL"] = bench_backend(args, "postgres", f"{server}/portal112_open", work, procs)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)

    ok = lambda v, goal: "yes" if v <= goal else "**no**"  # noqa: E731
    print("## Open data: map, nearby, statistics over 10,000 tickets\n")
    client = (f"oha, 16 connections, {args.seconds} s each" if shutil.which(args.oha)
              else f"oha not installed: {args.requests} requests one after another from Python, timed there")
    print(f"`bench/open.py` (step `open` of `bench/run.sh`): {args.tickets} reports filed over HTTP at random points "
          f"of the city (every tenth confidential), 30 % verified by an operator; then {client}, caches warm. "
          "Fresh statistics: `portal112 stats` 20 times (time to read every ticket and add up, without the "
          "process start).\n")
    print("| backend | map answer (city view) raw / brotli | map p50 / p99 | nearby p99 | stats p99 (cached) | "
          "stats fresh median / worst |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend, r in results.items():
        print(f"| {backend} | {r['map_raw'] / 1000:.1f} KB / **{r['map_br'] / 1000:.1f} KB** "
              f"({r['map_shown']} tickets, {r['map_clusters']} clusters of {r['map_total']}) "
              f"| {r['map']['p50']:.1f} / {r['map']['p99']:.1f} ms | **{r['nearby']['p99']:.2f} ms** "
              f"| **{r['stats']['p99']:.2f} ms** | {r['stats_fresh_median']:.1f} / **{r['stats_fresh_max']:.1f} ms** |")
    print("\n| goal | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    print("| map answer <= 30 KB brotli | " + " | ".join(ok(r["map_br"], GOALS["map_br"]) for r in results.values()) + " |")
    print("| nearby p99 <= 5 ms | " + " | ".join(ok(r["nearby"]["p99"], GOALS["nearby_p99"]) for r in results.values()) + " |")
    print("| stats p99 <= 50 ms, cached | " + " | ".join(ok(r["stats"]["p99"], GOALS["stats_p99"]) for r in results.values()) + " |")
    print("| stats <= 50 ms, fresh (worst of 20) | " + " | ".join(ok(r["stats_fresh_max"], GOALS["stats_p99"]) for r in results.values()) + " |")
    print()


if __name__ == "__main__":
    main()
