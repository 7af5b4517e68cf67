"""How long a Socket Mode client takes to reconnect after its connection is lost without a
close frame, and how much CPU it burns meanwhile: slack_sdk's built-in client (what Bolt's
SocketModeHandler uses) against ours (bot/slack/socket_mode.py), in the same run.

    .venv/bin/python bench/socket_reconnect.py [--trials 3] [--give-up 90]

Both connect to the loopback Socket Mode stand-in (tests/support/ws_standin.py) through the loopback
Web API stand-in's apps.connections.open. Two ways to lose a connection: `cut` (the TCP
connection is closed, no close frame: what a restarting load balancer does) and `silent`
(nothing arrives any more and nothing is refused: a dead network path). Reported per client
and kind: seconds from the loss to the next connection, and CPU seconds this process used
meanwhile, per second, over the first 10 s after the loss or until the reconnect if later
(one busy core ≈ 1.0).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from bot.slack.socket_mode import SocketModeClient  # noqa: E402
from tests.support.slack_standin import SlackStandIn  # noqa: E402
from tests.support.ws_standin import SocketModeStandIn  # noqa: E402

APP_TOKEN = "xapp-1-A0BENCH-1-standin"
WINDOW = 10.0  # seconds after the loss over which CPU is measured (longer if reconnecting takes longer)


def builtin_client(web: WebClient):
    from slack_sdk.socket_mode.builtin import SocketModeClient as Builtin

    client = Builtin(app_token=APP_TOKEN, web_client=web)
    client.connect()
    return client


def our_client(web: WebClient):
    app = App(client=web, token_verification_enabled=False, request_verification_enabled=False)
    client = SocketModeClient(app, APP_TOKEN, web_client=web)
    client.connect()
    return client


def trial(make, kind: str, give_up: float) -> tuple[float | None, float]:
    with SlackStandIn() as slack, SocketModeStandIn() as sock:
        slack.attach_socket(sock)
        web = WebClient(token="xoxb-bench", base_url=slack.url)
        client = make(web)
        try:
            sock.wait_connections(1)
            time.sleep(0.5)
            cpu0, lost = time.process_time(), time.monotonic()
            sock.drop(silent=(kind == "silent"))
            try:
                new = sock.wait_connections(2, timeout=give_up)
                waited: float | None = new.opened_at - lost
            except AssertionError:
                waited = None
            # CPU over at least WINDOW seconds: a reconnect in 10 ms says nothing about spinning
            window = max(WINDOW, waited if waited is not None else give_up)
            time.sleep(max(0.0, lost + window - time.monotonic()))
            return waited, (time.process_time() - cpu0) / window
        finally:
            client.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--give-up", type=float, default=90.0, help="seconds to wait for a reconnect")
    args = p.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    print(f"{'client':<10} {'loss':<7} {'reconnect s (each trial)':<34} {'CPU s per s':>16}")
    for name, make in (("slack_sdk", builtin_client), ("aibrief", our_client)):
        for kind in ("cut", "silent"):
            results = [trial(make, kind, args.give_up) for _ in range(args.trials)]
            waits = [w for w, _ in results]
            shown = ", ".join("never" if w is None else f"{w:.2f}" for w in waits)
            ratios = [cpu for _, cpu in results]
            print(f"{name:<10} {kind:<7} {shown:<34} {statistics.median(ratios):>16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
