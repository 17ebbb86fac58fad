#!/usr/bin/env python3
"""Webhook deliveries on loopback, and what a hanging receiver costs the API.

1. Deliveries per second: ENDPOINTS endpoints of DLH added with
   `portal112 webhook add`, all pointing at one receiver on 127.0.0.1 that
   answers 204 at once; CHANGES ticket changes made through the staff API as
   fast as one client can, each announcing itself to every endpoint. Measured
   from the first change to the last delivery received (the sender keeps at
   most 8 deliveries in flight and records every attempt with an fsync).
2. Ticket reads and report creations (oha, as bench/load.py measures them)
   on a portal without webhooks and on one whose only endpoint hangs: the
   receiver accepts connections and never answers, and staff changes keep
   the sender's 8 slots waiting on it (10 s timeouts) throughout the run.
   Alternated, median of the rounds.

Prints a Markdown section on stdout; progress on stderr.

usage: bench/webhooks.py --bin target/release/portal112 --oha oha [--seconds 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import REPORT, ROOT, Oha, http, log, median, start_portal  # noqa: E402

ENDPOINTS = 10
CHANGES = 300
PASSWORD = "kata-sandi-bench-112"


class Counter(BaseHTTPRequestHandler):
    """Answers every POST with 204 and counts it."""

    protocol_version = "HTTP/1.1"
    count = 0
    last = 0.0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()
        with Counter.lock:
            Counter.count += 1
            Counter.last = time.monotonic()

    def log_message(self, *args) -> None:
        pass


def counting_receiver() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


def hanging_receiver() -> str:
    """Accepts connections, reads what comes, never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            conn, _ = sock.accept()
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


def cli(args, database: str, *rest: str, stdin: str | None = None) -> str:
    return subprocess.run(
        [args.bin, "--database", database, "--config", str(ROOT / "config/bitung.toml"), *rest],
        check=True, capture_output=True, text=True, input=stdin,
    ).stdout


def operator_token(base: str) -> str:
    body = json.loads(http("POST", f"{base}/api/v1/staff/session", {"username": "bench.op", "password": PASSWORD}))
    return body["token"]


def staff_post(base: str, token: str, path: str, body: dict) -> dict:
    import urllib.request

    req = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST")
    req.add_header("content-type", "application/json")
    req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def make_changes(base: str, token: str, n: int) -> None:
    """n reports, each verified by an operator: one change announced per report."""
    for _ in range(n):
        code = json.loads(http("POST", f"{base}/api/v1/reports", REPORT))["code"]
        staff_post(base, token, f"/api/v1/staff/tickets/{code}/events", {"revision": 1, "status": "verified"})


def portal(args, work: Path, name: str, procs: list, endpoint_url: str | None, endpoints: int = 1) -> str:
    database = f"sqlite://{work / name}.db"
    cli(args, database, "staff", "add", "--username", "bench.op", "--role", "operator", stdin=PASSWORD + "\n")
    for _ in range(endpoints if endpoint_url else 0):
        # REPORT is a flood: BPBD's ticket, so its endpoints hear of it.
        cli(args, database, "webhook", "add", "--agency", "bpbd", "--url", endpoint_url)
    return start_portal(args, work, database, name, procs)


def measure_api(args, work: Path, procs: list, oha: Oha) -> dict[str, dict[str, list[dict]]]:
    log("API with and without a hanging receiver")
    plain = portal(args, work, "plain", procs, None)
    hung = portal(args, work, "hanging", procs, hanging_receiver())
    tokens = {plain: operator_token(plain), hung: operator_token(hung)}
    code_plain = json.loads(http("POST", f"{plain}/api/v1/reports", REPORT))["code"]
    code_hung = json.loads(http("POST", f"{hung}/api/v1/reports", REPORT))["code"]
    # Keep the sender's slots busy with the hanging receiver throughout. Both portals get
    # the same staff changes, so the only difference measured is the webhook endpoint.
    stop = threading.Event()

    def keep_changing() -> None:
        while not stop.is_set():
            for base, token in tokens.items():
                make_changes(base, token, 5)
            stop.wait(1.0)

    threading.Thread(target=keep_changing, daemon=True).start()
    time.sleep(1.0)
    rows: dict[str, dict[str, list[dict]]] = {}
    try:
        for r in range(args.rounds):
            log(f"  round {r + 1}/{args.rounds}")
            for label, base, code in (("without webhooks", plain, code_plain), ("receiver hangs", hung, code_hung)):
                rows.setdefault(label, {}).setdefault("read", []).append(oha.run(f"{base}/api/v1/tickets/{code}", 16))
                rows[label].setdefault("create", []).append(oha.run(f"{base}/api/v1/reports", 16, "POST"))
    finally:
        stop.set()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--oha", default="", help="without it only the deliveries are measured")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    oha = Oha(args.oha, args.seconds)
    procs: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "media").mkdir()

            log(f"deliveries: {ENDPOINTS} endpoints x {CHANGES} changes")
            base = portal(args, work, "deliveries", procs, counting_receiver(), ENDPOINTS)
            token = operator_token(base)
            expected = ENDPOINTS * CHANGES
            started = time.monotonic()
            make_changes(base, token, CHANGES)
            changes_done = time.monotonic()
            deadline = time.monotonic() + 300
            while Counter.count < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            if Counter.count < expected:
                sys.exit(f"only {Counter.count} of {expected} deliveries arrived")
            seconds = Counter.last - started
            rate = expected / seconds
            procs.pop().terminate()

            rows = measure_api(args, work, procs, oha) if args.oha else None
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()

    print("## Webhooks\n")
    print(f"Deliveries to a receiver on loopback that answers 204 at once: **{rate:,.0f} per second** "
          f"({expected:,} deliveries — {ENDPOINTS} endpoints × {CHANGES} ticket changes made through the staff API "
          f"in {changes_done - started:.1f} s — all received {seconds:.1f} s after the first change, "
          f"{Counter.last - changes_done:.1f} s after the last). "
          "Each delivery is signed, sent (at most 8 at once) and its outcome committed to SQLite with an fsync. "
          "When the last delivery arrives within a moment of the last change, the sender kept pace and the "
          "figure is the rate at which one client made changes: a floor of what the sender can do.\n")
    print(f"Server binary: `{args.bin}`.\n")
    if rows is None:
        print("Ticket reads and report creations beside a hanging receiver: not measured (no oha given).\n")
        return
    res = {label: {k: median(v) for k, v in kinds.items()} for label, kinds in rows.items()}
    print("Ticket reads and report creations (16 connections, oha, median of "
          f"{args.rounds} alternated rounds of {args.seconds} s) on a portal without webhooks and on one whose "
          "only endpoint never answers while staff changes keep all 8 sending slots waiting on it "
          "(both portals get the same background changes: 5 reports verified about every second):\n")
    print("| | without webhooks req/s | p99 ms | receiver hangs req/s | p99 ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, label in (("read", "`GET /api/v1/tickets/{code}`"), ("create", "`POST /api/v1/reports`")):
        a, h = res["without webhooks"][kind], res["receiver hangs"][kind]
        print(f"| {label} | {a['rps']:,.0f} | {a['p99']:.2f} | {h['rps']:,.0f} | {h['p99']:.2f} | {h['rps'] / a['rps']:.2f} |")
    print("\nCommands: `bench/webhooks.py` (the receivers are in the script); the load as in the API load section:\n")
    print("```")
    for c in oha.commands:
        print(c)
    print("```\n")


if __name__ == "__main__":
    main()
