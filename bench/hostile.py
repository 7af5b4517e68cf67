"""Each hostile feed of issue 6, polled once with the real default limits, one child process per case.

    .venv/bin/python bench/hostile.py [--case SUBSTRING] [--json]

A server process runs the loopback feed server (tests/support/feedserver.py) with every case of
tests/support/hostile_cases.py registered; each child opens a fresh SQLite store holding that
case's feed and a good feed, runs `bot.poll.poller.poll_feeds` once with `FetchLimits()` (20 s, 15 MiB,
5 redirects) and a loopback-only address policy, and reports. Fake DNS answers the `.test`
names, and a safety net refuses to dial anything but 127.0.0.1, as in the tests.

Columns: the reason recorded on the feed (or how many articles it gave), the poll's own
time, the child's wall time (interpreter start included), its peak RSS (ru_maxrss of that
child, from os.wait4) and the RSS it had before the poll (interpreter and imports).
The exit status is 1 when a case did not end as tests/support/hostile_cases.py expects.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def all_cases():
    from tests.support.hostile_cases import cases

    return cases(drip_seconds=25.0)


# ---- child ----------------------------------------------------------------------------------------
def child(name: str, url: str, good: str, db: str) -> None:
    from ipaddress import ip_network

    from bot.config import Settings
    from bot.feeds import netpolicy
    from bot.feeds.fetch import FetchLimits
    from bot.poll.poller import poll_feeds
    from bot.store import open_store
    from tests.support.hostile_cases import FakeResolver, guard_dialling

    netpolicy.system_resolver = FakeResolver()
    dialled: list[str] = []
    guard_dialling(dialled)
    store = open_store(db)
    store.add_feed(good)
    store.add_feed(url)
    policy = netpolicy.AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    report = poll_feeds(store, Settings(), force=True, policy=policy, limits=FetchLimits())
    elapsed = time.monotonic() - started
    feed = store.get_feed(url)
    good_row = store.get_feed(good)
    new = next((len(o.new_article_ids) for o in report.outcomes if o.url == url), 0)
    print(json.dumps({
        "case": name,
        "error": feed.last_error,
        "articles": new,
        "good_ok": good_row.last_error is None,
        "poll_seconds": round(elapsed, 3),
        "rss_before_kb": rss_before,
        "dialled": sorted(set(dialled)),
    }))


# ---- the feed server, in a process of its own ----------------------------------------------------------
def serve() -> None:
    """Serve every case; print {case name: feed URL} as one JSON line; stop when stdin closes.

    Its own process, so the bodies it builds (the 100,000-entry feed is 12 MB) never count
    in a child's peak RSS: ru_maxrss survives fork+exec, so a child forked from a big parent
    would inherit the parent's size as its peak.
    """
    from tests.support.feedserver import FeedServer
    from tests.support.hostile_cases import GOOD_PATH, good_feed

    server = FeedServer().start()
    server.add(GOOD_PATH, good_feed())
    urls = {case.name: case.serve(server) for case in all_cases()}
    urls["_good"] = server.url(GOOD_PATH)
    print(json.dumps(urls), flush=True)
    sys.stdin.read()
    server.stop()


# ---- parent ----------------------------------------------------------------------------------------
def run(selected: list, as_json: bool) -> int:
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    urls = json.loads(server.stdout.readline())
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i, case in enumerate(selected):
                started = time.monotonic()
                proc = subprocess.Popen(
                    [sys.executable, __file__, "--child", case.name, urls[case.name], urls["_good"], f"{tmp}/{i}.db"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                )
                out, err = proc.stdout.read(), proc.stderr.read()
                _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
                proc.returncode = os.waitstatus_to_exitcode(status)
                wall = time.monotonic() - started
                if proc.returncode != 0:
                    rows.append({"case": case.name, "error": f"child failed: {err.strip()[-300:]}",
                                 "wall_seconds": round(wall, 2)})
                    continue
                row = json.loads(out.strip().splitlines()[-1])
                row["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
                row["wall_seconds"] = round(wall, 2)
                row["expected"] = _expected(case, row)
                rows.append(row)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)
    return 0 if all(r.get("expected") for r in rows) else 1


def _expected(case, row) -> bool:
    import re

    if row["dialled"] and set(row["dialled"]) != {"127.0.0.1"}:
        return False
    if not row["good_ok"]:
        return False
    if case.error is not None:
        return bool(row["error"]) and re.fullmatch(case.error, row["error"]) is not None
    return row["error"] is None and row["articles"] == case.articles


def print_table(rows) -> None:
    print("| case | outcome / reason | poll s | wall s | peak RSS MB | RSS before poll MB | as expected |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        outcome = r.get("error") or f"ok: {r.get('articles', 0)} article(s)"
        before = round(r["rss_before_kb"] / 1024, 1) if "rss_before_kb" in r else ""
        print(f"| {r['case']} | {outcome} | {r.get('poll_seconds', '')} | {r['wall_seconds']} | "
              f"{r.get('peak_rss_mb', '')} | {before} | {'yes' if r.get('expected') else 'NO'} |")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve()
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", help="only cases whose name contains this")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    selected = [c for c in all_cases() if not args.case or args.case.lower() in c.name.lower()]
    return run(selected, args.json)


if __name__ == "__main__":
    sys.exit(main())
