"""Failover: how long until another `aibrief run` replica leads after the leader is SIGKILLed,
with the production retry period (AIBRIEF_POLL_MINUTES=1 → followers retry every 5 s).

    .venv/bin/python bench/failover.py [--trials 8]

Starts a throw-away PostgreSQL cluster (tests/support/pgcluster.py) and the loopback Slack stand-in
(tests/support/slack_standin.py), then two real `python -m bot run` replicas in HTTP mode on loopback
ports, with no feeds (nothing leaves the machine). Each trial: wait for exactly one leader
(GET /healthz), SIGKILL it at a different moment of the follower's retry cycle, time until
the other replica's /healthz says `"leader": true`, start a fresh replica to be the next
follower. The time is the follower's wait for its next try (uniform over 0–5 s) plus
milliseconds: PostgreSQL frees a killed session's advisory lock at once.

(tests/test_replicas.py measures the same with a 3-second test poll interval, where the
retry period is 0.75 s, alongside polling and a digest due in the handover.)
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.bootstrap import DEFAULT_FEEDS_KEY  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.support.net import free_loopback_port  # noqa: E402
from tests.support.pgcluster import PgCluster  # noqa: E402
from tests.support.slack_standin import SlackStandIn  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=8)
    args = ap.parse_args()

    cluster = PgCluster().start()
    slack = SlackStandIn().start()
    url = cluster.new_database()
    store = open_store(url)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")  # no default feeds: nothing to fetch from the internet
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET="bench", SLACK_API_URL=slack.url,
               AIBRIEF_DATABASE=url, AIBRIEF_POLL_MINUTES="1", AIBRIEF_DIGESTS_DIR=str(ROOT / "digests"),
               PYTHONPATH=str(ROOT))
    workdir = cluster.root  # a scratch directory that is removed with the cluster

    def start() -> tuple[subprocess.Popen, int]:
        port = free_loopback_port()
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir,
                                env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        return proc, port

    def leads(port: int):
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json().get("leader")
        except (httpx.HTTPError, ValueError):
            return None

    times: list[float] = []
    replicas = [start(), start()]
    try:
        for trial in range(args.trials):
            deadline = time.monotonic() + 30
            while True:
                states = [leads(port) for _, port in replicas]
                if None not in states and sorted(states) == [False, True]:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"no single leader after 30 s: {states}")
                time.sleep(0.05)
            i = states.index(True)
            time.sleep(1 + (trial * 0.7) % 5)  # a different phase of the follower's retry cycle
            proc = replicas[i][0]
            t0 = time.monotonic()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            other = replicas[1 - i][1]
            while not leads(other):
                time.sleep(0.01)
            times.append(time.monotonic() - t0)
            print(f"trial {trial + 1}: SIGKILL -> other replica leads in {times[-1]:.2f} s", flush=True)
            replicas[i] = start()
    finally:
        for proc, _ in replicas:
            proc.kill()
            proc.wait()
        slack.stop()
        cluster.stop()
    print(f"failover over {len(times)} trials: min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
