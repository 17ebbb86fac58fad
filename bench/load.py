#!/usr/bin/env python3
"""API load on loopback: the portal against nginx, measured with oha in one run.

For 1, 16 and 64 connections, three rounds of: nginx serving the ticket's JSON
as a static file, `GET /api/v1/tickets/{code}` (the same bytes), and
`POST /api/v1/reports` (a new ticket each, committed with fsync before the
201). Each figure is the median of the three rounds; the ratio portal/nginx
compares numbers taken minutes apart on the same machine. Then the p99 of
ticket reads at half the highest read rate (oha -q, with latency correction so
a stalled server cannot hide its queue).

Prints a Markdown section on stdout; progress on stderr.

With --compare-backends, instead: the same two API figures with the portal
over SQLite and over PostgreSQL, measured in alternation in one run, for
`make bench`'s PostgreSQL section. PostgreSQL is the server PORTAL112_TEST_PG
names (scripts/with-postgres.sh starts a throw-away one); a fresh database
is made on it.

usage: bench/load.py --bin target/release/portal112 [--seconds 8] [--rounds 3] [--compare-backends]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = (1, 16, 64)
REPORT = {
    "category": "banjir",
    "description": "Air setinggi lutut menggenangi jalan di depan pasar sejak pagi.",
    "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 15.0},
}
GOAL_RATIO = 0.5
GOAL_REPORTS = 2000
GOAL_P99_MS = 5.0


def log(*args: object) -> None:
    print("[load]", *args, file=sys.stderr, flush=True)


def wait_for_port(log_file: Path, proc: subprocess.Popen, what: str) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in log_file.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("message") == "portal112 serving":
                return int(entry["address"].rsplit(":", 1)[1])
        if proc.poll() is not None:
            sys.exit(f"{what} exited:\n{log_file.read_text()}")
        time.sleep(0.05)
    sys.exit(f"{what} did not start:\n{log_file.read_text()}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


class Oha:
    def __init__(self, binary: str, seconds: int):
        self.binary = binary
        self.seconds = seconds
        self.commands: list[str] = []

    def command(self, url: str, conns: int, method: str = "GET", rate: float | None = None) -> list[str]:
        cmd = [self.binary, "-z", f"{self.seconds}s", "-c", str(conns), "--no-tui", "--output-format", "json"]
        if method == "POST":
            cmd += ["-m", "POST", "-H", "content-type: application/json", "-d", json.dumps(REPORT)]
        if rate is not None:
            cmd += ["-q", f"{rate:.0f}", "--latency-correction"]
        return cmd + [url]

    def run(self, url: str, conns: int, method: str = "GET", rate: float | None = None) -> dict:
        cmd = self.command(url, conns, method, rate)
        base = url.split("/api/")[0]
        shown = shlex.join(["oha", *cmd[1:]]).replace(base, "$BASE")
        if "/tickets/" in url:
            shown = shown.replace(url.rsplit("/", 1)[1], "$CODE")
        if shown not in self.commands:
            self.commands.append(shown)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        result = json.loads(out)
        statuses = result.get("statusCodeDistribution", {})
        bad = {k: v for k, v in statuses.items() if not k.startswith("2")}
        # Requests cut off when the time is up are not failures.
        errors = {k: v for k, v in result.get("errorDistribution", {}).items() if "deadline" not in k}
        if bad or errors:
            log(f"  non-2xx answers or errors for {method} {url} -c {conns}: {bad} {errors}")
        p = result["latencyPercentiles"]
        return {
            "rps": result["summary"]["requestsPerSec"],
            "p50": p["p50"] * 1000,
            "p99": p["p99"] * 1000,
            "ok": sum(v for k, v in statuses.items() if k.startswith("2")),
            "bad": sum(bad.values()) + sum(errors.values()),
        }


def median(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/portal112"))
    ap.add_argument("--oha", default=shutil.which("oha") or "oha")
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare-backends", action="store_true",
                    help="SQLite against PostgreSQL (PORTAL112_TEST_PG) instead of the portal against nginx")
    args = ap.parse_args()
    args.bin = str(Path(args.bin).resolve())
    if args.compare_backends:
        compare_backends(args)
        return

    work = Path(tempfile.mkdtemp(prefix="portal112-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        # The portal, as `make run` starts it, with the per-client limits out
        # of the way (all load comes from 127.0.0.1).
        portal_log = work / "portal.log"
        portal = subprocess.Popen(
            [args.bin, "--database", f"sqlite://{work}/portal112.db", "--config", str(ROOT / "config/bitung.toml"),
             "serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--dist", str(work / "nodist"),
             "--media", str(work / "media"), "--report-rate", "1000000000"],
            stdout=portal_log.open("w"), stderr=subprocess.STDOUT, cwd=work,
        )
        procs.append(portal)
        base = f"http://127.0.0.1:{wait_for_port(portal_log, portal, 'the portal')}"
        code = json.loads(http("POST", f"{base}/api/v1/reports", REPORT))["code"]
        ticket_path = f"/api/v1/tickets/{code}"
        ticket = http("GET", base + ticket_path)

        # nginx with the very same bytes at the very same path.
        root = work / "www"
        (root / "api/v1/tickets").mkdir(parents=True)
        (root / ticket_path.lstrip("/")).write_bytes(ticket)
        # Precompressed next to it, for gzip_static: neither server compresses per request.
        subprocess.run(["gzip", "-9", "-k", "-n", str(root / ticket_path.lstrip("/"))], check=True)
        # Started as root, nginx reads files as `nobody`: let it (mkdtemp made the folder private).
        for d in [work, *(p for p in root.rglob("*") if p.is_dir()), root]:
            d.chmod(0o755)
        for f in (root / "api/v1/tickets").iterdir():
            f.chmod(0o644)
        (work / "tmp").mkdir()
        port = free_port()
        conf = (ROOT / "bench/nginx.conf").read_text().replace("@PORT@", str(port)).replace("@ROOT@", str(root))
        (work / "nginx.conf").write_text(conf)
        nginx = subprocess.Popen([args.nginx, "-c", str(work / "nginx.conf"), "-p", f"{work}/"],
                                 stdout=subprocess.DEVNULL, stderr=(work / "nginx.log").open("w"))
        procs.append(nginx)
        nginx_base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                assert http("GET", nginx_base + ticket_path) == ticket
                break
            except (OSError, AssertionError):
                time.sleep(0.05)
        else:
            sys.exit(f"nginx did not serve the ticket:\n{(work / 'nginx.log').read_text()}")

        oha = Oha(args.oha, args.seconds)
        log(f"ticket {code}, {len(ticket)} bytes; warming up")
        warm = Oha(args.oha, 2)
        warm.run(nginx_base + ticket_path, 16)
        warm.run(base + ticket_path, 16)
        warm.run(base + "/api/v1/reports", 16, "POST")

        results: dict[tuple[str, int], dict] = {}
        for conns in CONNECTIONS:
            runs: dict[str, list[dict]] = {"nginx": [], "read": [], "create": []}
            for r in range(args.rounds):
                log(f"-c {conns}, round {r + 1}/{args.rounds}")
                runs["nginx"].append(oha.run(nginx_base + ticket_path, conns))
                runs["read"].append(oha.run(base + ticket_path, conns))
                runs["create"].append(oha.run(base + "/api/v1/reports", conns, "POST"))
            for what, rs in runs.items():
                results[(what, conns)] = median(rs)

        best_read = max(results[("read", c)]["rps"] for c in CONNECTIONS)
        half = best_read / 2
        half_runs = []
        for r in range(args.rounds):
            log(f"half load ({half:.0f}/s), round {r + 1}/{args.rounds}")
            half_runs.append(oha.run(base + ticket_path, 64, rate=half))
        half_result = median(half_runs)
        tickets = http("GET", f"{base}/healthz")  # still alive
        del tickets
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        fs = subprocess.run(["stat", "-f", "-c", "%T", str(work)], capture_output=True, text=True).stdout.strip()
        shutil.rmtree(work, ignore_errors=True)

    report(args, results, half_result, half, len(ticket), oha.commands, fs)


def fmt_row(label: str, r: dict, nginx: dict | None = None) -> str:
    ratio = f"{r['rps'] / nginx['rps']:.2f}" if nginx else ""
    return f"| {label} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {ratio} |"


def report(args, results, half_result, half, ticket_bytes, commands, fs) -> None:
    best_create = max(results[("create", c)]["rps"] for c in CONNECTIONS)
    ratios = {c: results[("read", c)]["rps"] / results[("nginx", c)]["rps"] for c in CONNECTIONS}
    ok = lambda b: "met" if b else "**missed**"  # noqa: E731
    lines = [
        "## API load",
        "",
        f"`bench/load.py --seconds {args.seconds} --rounds {args.rounds}`: oha on loopback, {args.seconds} s per "
        f"measurement, median of {args.rounds} rounds; portal (release build, JSON log of every request to a file, "
        f"SQLite on {fs} with `synchronous = FULL`) and nginx (`bench/nginx.conf`, {'auto'} workers) on the same "
        f"2 cores as the load generator. The ticket is {ticket_bytes} bytes of JSON; oha asks for "
        "`Accept-Encoding: gzip, compress, deflate, br`, and both servers answer from bytes compressed "
        "beforehand: nginx its `.gz` beside the file (`gzip_static`), the portal the brotli of its view "
        "cache. Reports are created without an Idempotency-Key, each a new ticket.",
        "",
        "| | requests/s | p50 ms | p99 ms | portal/nginx |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in CONNECTIONS:
        nginx = results[("nginx", c)]
        lines.append(fmt_row(f"nginx, static ticket JSON, {c} conn.", nginx))
        lines.append(fmt_row(f"portal `GET /api/v1/tickets/{{code}}`, {c} conn.", results[("read", c)], nginx))
        lines.append(fmt_row(f"portal `POST /api/v1/reports`, {c} conn.", results[("create", c)]))
    lines += [
        "",
        f"At half the highest read rate ({half:,.0f}/s, 64 connections, latency-corrected): "
        f"p50 {half_result['p50']:.2f} ms, **p99 {half_result['p99']:.2f} ms**.",
        "",
        "| goal | measured | |",
        "|---|---|---|",
        f"| ticket reads >= {GOAL_RATIO} of nginx | {', '.join(f'{ratios[c]:.2f} ({c} conn.)' for c in CONNECTIONS)} "
        f"| {ok(min(ratios.values()) >= GOAL_RATIO)} |",
        f"| durable report creation >= {GOAL_REPORTS:,}/s | {best_create:,.0f}/s | {ok(best_create >= GOAL_REPORTS)} |",
        f"| p99 ticket read <= {GOAL_P99_MS:g} ms at half the maximum load | {half_result['p99']:.2f} ms "
        f"| {ok(half_result['p99'] <= GOAL_P99_MS)} |",
        "",
        "Commands (`$BASE` is the portal's or nginx's address, `$CODE` the ticket's code):",
        "",
        "```",
        *commands,
        "```",
        "",
    ]
    print("\n".join(lines))


def start_portal(args, work: Path, database: str, name: str, procs: list) -> str:
    """A portal as `make run` starts it, with the per-client limits out of the way."""
    log_file = work / f"{name}.log"
    proc = subprocess.Popen(
        [args.bin, "--database", database, "--config", str(ROOT / "config/bitung.toml"),
         "serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--dist", str(work / "nodist"),
         "--media", str(work / "media"), "--report-rate", "1000000000"],
        stdout=log_file.open("w"), stderr=subprocess.STDOUT, cwd=work,
    )
    procs.append(proc)
    return f"http://127.0.0.1:{wait_for_port(log_file, proc, name)}"


def compare_backends(args) -> None:
    server = os.environ.get("PORTAL112_TEST_PG", "").rstrip("/")
    if not server:
        sys.exit("PORTAL112_TEST_PG is not set: run under scripts/with-postgres.sh")
    work = Path(tempfile.mkdtemp(prefix="portal112-bench-pg-"))
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run(["psql", "-q", f"{server}/postgres", "-c", "CREATE DATABASE portal112_bench"], check=True)
        pg_version = subprocess.run(["psql", "-tA", f"{server}/postgres", "-c", "SHOW server_version"],
                                    check=True, capture_output=True, text=True).stdout.strip()
        bases = {
            "sqlite": start_portal(args, work, f"sqlite://{work}/portal112.db", "sqlite", procs),
            "postgres": start_portal(args, work, f"{server}/portal112_bench", "postgres", procs),
        }
        paths = {}
        for backend, base in bases.items():
            code = json.loads(http("POST", f"{base}/api/v1/reports", REPORT))["code"]
            paths[backend] = f"/api/v1/tickets/{code}"
        oha = Oha(args.oha, args.seconds)
        warm = Oha(args.oha, 2)
        for backend, base in bases.items():
            log(f"warming up {backend}")
            warm.run(base + paths[backend], 16)
            warm.run(base + "/api/v1/reports", 16, "POST")
        results: dict[tuple[str, str, int], dict] = {}
        for conns in CONNECTIONS:
            runs: dict[tuple[str, str], list[dict]] = {}
            for r in range(args.rounds):
                log(f"-c {conns}, round {r + 1}/{args.rounds}")
                for backend, base in bases.items():
                    runs.setdefault((backend, "read"), []).append(oha.run(base + paths[backend], conns))
                    runs.setdefault((backend, "create"), []).append(oha.run(base + "/api/v1/reports", conns, "POST"))
            for (backend, what), rs in runs.items():
                results[(backend, what, conns)] = median(rs)
        http("GET", f"{bases['postgres']}/healthz")  # still alive
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        fs = subprocess.run(["stat", "-f", "-c", "%T", str(work)], capture_output=True, text=True).stdout.strip()
        shutil.rmtree(work, ignore_errors=True)
    report_backends(args, results, pg_version, fs, oha.commands)


def report_backends(args, results, pg_version, fs, commands) -> None:
    lines = [
        "## API load: SQLite and PostgreSQL",
        "",
        f"`bench/load.py --compare-backends --seconds {args.seconds} --rounds {args.rounds}` (run by `bench/run.sh` "
        f"under `scripts/with-postgres.sh`): the same release binary once over SQLite ({fs}, WAL, "
        f"`synchronous = FULL`, group commit) and once over PostgreSQL {pg_version}: a throw-away local cluster "
        "with its default settings, `synchronous_commit = on`, fsync on; reached over TCP on loopback; "
        f"measured in alternation in one run, {args.seconds} s each, median of {args.rounds} rounds. Over "
        "PostgreSQL every report also takes a step of the shared rate limit (an upsert in the database) and "
        "its own transaction; ticket reads are served from the same in-memory view cache on both. Load "
        "generator, portal and PostgreSQL share the machine's 2 cores.",
        "",
        "| | SQLite req/s | p50 ms | p99 ms | PostgreSQL req/s | p50 ms | p99 ms | PostgreSQL/SQLite |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for what, label in (("read", "`GET /api/v1/tickets/{code}`"), ("create", "`POST /api/v1/reports`")):
        for c in CONNECTIONS:
            s, p = results[("sqlite", what, c)], results[("postgres", what, c)]
            lines.append(
                f"| {label}, {c} conn. | {s['rps']:,.0f} | {s['p50']:.2f} | {s['p99']:.2f} "
                f"| {p['rps']:,.0f} | {p['p50']:.2f} | {p['p99']:.2f} | {p['rps'] / s['rps']:.2f} |"
            )
    lines += [
        "",
        "Commands (`$BASE` is either portal's address, `$CODE` the ticket's code):",
        "",
        "```",
        *commands,
        "```",
        "",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
