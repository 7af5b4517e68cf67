"""Shared plumbing for the feed benchmarks (ingest, repoll): the corpus on disk, a loopback
feed server in its own process, and polls run in a child process.

Why processes: the server must not share the poller's GIL (a real feed server is another
machine), and the poll runs in a fresh interpreter so its peak RSS is the poll's own, not
the generator's or the baseline's. Both still share this machine's two cores, so the
server's CPU is charged to the poll's wall time — the benchmark is pessimistic there.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402


def corpus_dir(n: int, seed: int) -> Path:
    """The corpus written once under bench/.cache/ (regenerated only if missing)."""
    folder = CACHE / f"feeds-{n}-{seed}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        return folder
    docs = corpus.build_feeds(n, seed)
    folder.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (folder / d.path.rsplit("/", 1)[-1]).write_bytes(d.content)
    meta = [
        {"path": d.path, "name": d.name, "content_type": d.content_type, "etag": d.etag,
         "last_modified": d.last_modified, "entries": d.entries, "kind": d.kind}
        for d in docs
    ]
    manifest.write_text(json.dumps(meta))
    return folder


def load_corpus(folder: Path) -> list[dict]:
    """The manifest entries, each with its `content` bytes."""
    meta = json.loads((folder / "manifest.json").read_text())
    for m in meta:
        m["content"] = (folder / m["path"].rsplit("/", 1)[-1]).read_bytes()
    return meta


def _serve(folder: str, conn) -> None:
    from tests.support.feedserver import FeedServer

    server = FeedServer().start()
    for m in load_corpus(Path(folder)):
        server.add(m["path"], m["content"], content_type=m["content_type"], etag=m["etag"],
                   last_modified=m["last_modified"])
    conn.send(server.base)
    conn.recv()  # block until told to stop
    server.stop()


class ServerProcess:
    """The corpus served by tests/support/feedserver.py (ETag, Last-Modified, 304s) from another process."""

    def __init__(self, folder: Path):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(str(folder), child), daemon=True)

    def __enter__(self) -> str:
        self.proc.start()
        return self.conn.recv()

    def __exit__(self, *exc) -> None:
        try:
            self.conn.send("stop")
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.terminate()


def run_child(script: Path, args: list[str]) -> dict:
    """Run `script --child …` in a fresh interpreter; it prints one JSON line last."""
    out = subprocess.run(
        [sys.executable, str(script), "--child", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    sys.stderr.write(out.stderr)  # profiles, warnings
    if out.returncode != 0:
        raise SystemExit(f"child failed ({out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def current_rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def descendants_peak_mb() -> dict[int, float]:
    """Peak RSS (VmHWM) of every live process this one started (parse workers, forkserver)."""
    out = {}
    for pid in _tree_pids() - {os.getpid()}:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        out[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return out


def _tree_pids() -> set[int]:
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent_of[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    mine, frontier = {os.getpid()}, {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parent_of.items() if ppid in frontier} - mine
        mine |= frontier
    return mine


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class TreeMemory:
    """Samples the proportional set size (PSS) of this process and all it started (parse
    workers, forkserver) every 50 ms: the memory the ingest takes from the machine, with
    pages the processes share counted once. Peak RSS per process would count them twice."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_pss_mb(pid) for pid in _tree_pids()))
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, sum(_pss_mb(pid) for pid in _tree_pids()))


def setup_store(db_path: str, base_url: str, folder: Path, n_watchlists: int):
    """A fresh SQLite store with every corpus feed and `n_watchlists` watchlists."""
    from bot.store import open_store

    store = open_store(db_path)
    meta = json.loads((folder / "manifest.json").read_text())
    for m in meta:
        store.add_feed(base_url + m["path"], m["name"])
    for name, query in corpus.watchlists(n_watchlists):
        store.add_watchlist(name, query)
    return store


def poll(store):
    """One full poll of every feed (what `aibrief fetch` does), timed."""
    from bot.config import Settings
    from bot.poll.poller import poll_feeds, policy_for

    settings = Settings(database=store.path)
    policy = policy_for(settings, ("127.0.0.1/32",))
    started = time.perf_counter()
    report = poll_feeds(store, settings, force=True, policy=policy)
    elapsed = time.perf_counter() - started
    return elapsed, report


def fmt_s(x: float) -> str:
    return f"{x:8.3f} s"
