"""`aibrief run` in Socket Mode, end to end over a real WebSocket (tests/support/ws_standin.py).

The stand-in hands out its loopback URL from `apps.connections.open`, greets each connection
with `hello`, and delivers every kind of envelope the bot handles — a slash command, a block
action, a view submission, an `app_home_opened` event — checking each is acknowledged by its
envelope_id within 3 s. Mid-run it asks for a new connection (`disconnect`,
`refresh_requested`) and later cuts one without a close frame; the bot must answer all of it,
reconnect, and handle each envelope exactly once, also when Slack delivers an event again
(same event_id) and when a second replica receives the repeat.
"""

from __future__ import annotations

import threading
import time

import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.runner import run
from bot.slack import blocks
from bot.slack.socket_mode import CLOSE_TIMEOUT, PING_INTERVAL, PING_TIMEOUT
from bot.store import open_store
from tests.support.slack_harness import wait_for
from tests.support.net import free_loopback_port as free_port
from tests.support.ws_standin import APP_TOKEN, SocketModeStandIn

ADMIN = "U0SMADMIN1"
USER = "U0SMUSER01"
CHANNEL = "C0SOCKET01"


@pytest.fixture
def sock(slack_api):
    standin = SocketModeStandIn().start()
    slack_api.attach_socket(standin)
    yield standin
    slack_api.attach_socket(None)
    standin.stop()


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "socket.db")
    store = open_store(path)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")  # nothing to poll: no test reaches the internet
    store.close()
    return path


def start_bot(slack_api, database, **kw):
    slack_api.add_user(USER)
    settings = Settings(slack_bot_token="xoxb-standin", slack_app_token=APP_TOKEN, slack_api_url=slack_api.url,
                        database=database, admins=frozenset({ADMIN}), port=free_port(), **kw)
    stop = threading.Event()
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", run(settings, host="127.0.0.1", stop=stop)),
                              name="bot-under-test")
    thread.start()
    return stop, thread, result


def stop_bot(stop, thread, result) -> int:
    stop.set()
    thread.join(30)
    assert not thread.is_alive(), "the bot did not stop"
    return result["code"]


def publishes_for(slack_api, user: str) -> int:
    return sum(1 for c in slack_api.calls("views.publish") if c.body.get("user_id") == user)


def command(sock, slack_api, text: str, key: str, *, user: str = ADMIN, envelope_id: str | None = None) -> str:
    payload = sock.slash_command(text, user=user, channel=CHANNEL, response_url=slack_api.response_url(key))
    return sock.send_envelope("slash_commands", payload, envelope_id=envelope_id)


def test_every_envelope_kind_is_acked_and_handled_once_across_refresh_and_drop(slack_api, sock, database, capsys):
    bot = start_bot(slack_api, database)
    try:
        first = sock.wait_connections(1)

        # a slash command: acked, then answered through its response_url
        env = command(sock, slack_api, "help", "sm-help")
        sock.expect_ack(env, within=3.0)
        wait_for(lambda: slack_api.responses.get("sm-help"), 10, "the help reply")

        # a block action (App Home → "Add watchlist"): acked, the modal opened
        env = sock.send_envelope("interactive", sock.block_action(
            {"action_id": blocks.ACTION_HOME_ADD, "block_id": "home_admin", "value": "add"}, user=ADMIN,
            view={"id": "V0HOME0001", "type": "home"}))
        sock.expect_ack(env, within=3.0)
        opened = wait_for(lambda: slack_api.calls("views.open"), 10, "the add-watchlist modal")
        modal = opened[0].body["view"]

        # Slack asks for a new connection: the bot opens one before the old one goes
        sock.request_refresh(close_after=5.0)
        second = sock.wait_connections(2, timeout=10)
        assert second.opened_at < (sock.wait_closed(first, timeout=10) if first.open else first.closed_at)
        assert first.received_close_frame or first.close_code is not None

        # a view submission on the new connection: the watchlist is saved, the Home republished
        values = {blocks.BLOCK_NAME: {blocks.ACTION_NAME: {"type": "plain_text_input", "value": "sm-watch"}},
                  blocks.BLOCK_QUERY: {blocks.ACTION_WATCH_QUERY: {"type": "plain_text_input", "value": "china travel"}}}
        env = sock.send_envelope("interactive", sock.view_submission(modal, values, user=ADMIN))
        ack = sock.expect_ack(env, within=3.0)
        assert ack.link == second.n and not ack.payload  # no field errors: the modal closes
        check = open_store(database)
        try:
            assert check.get_watchlist("sm-watch") is not None
        finally:
            check.close()
        wait_for(lambda: publishes_for(slack_api, ADMIN) >= 1, 10, "the Home republished")

        # the connection is cut without a close frame: the bot reconnects on its own
        cut = sock.drop()
        third = sock.wait_connections(3, timeout=10)
        print(f"reconnect after a cut connection: {third.opened_at - cut.closed_at:.2f} s" if cut.closed_at else "")

        # app_home_opened, then Slack delivers the same event again (a retry): published once
        event = sock.event({"type": "app_home_opened", "user": USER, "channel": "D0SMUSER01", "tab": "home"},
                           event_id="Ev0SMHOME01")
        env = sock.send_envelope("events_api", event)
        sock.expect_ack(env, within=3.0)
        wait_for(lambda: publishes_for(slack_api, USER) >= 1, 10, "the Home tab")
        again = sock.send_envelope("events_api", event, retry_attempt=1, retry_reason="timeout")
        sock.expect_ack(again, within=3.0)

        # the same envelope delivered twice: answered once
        env = command(sock, slack_api, "help", "sm-twice")
        sock.expect_ack(env, within=3.0)
        command(sock, slack_api, "help", "sm-twice", envelope_id=env)
        assert len(sock.acks_for(env)) == 2 or sock.expect_ack(env) is not None
        wait_for(lambda: slack_api.responses.get("sm-twice"), 10, "the reply")
        time.sleep(1.0)  # time enough for a second, wrong, handling to show
        assert len(slack_api.responses["sm-twice"]) == 1
        assert publishes_for(slack_api, USER) == 1
        assert len(slack_api.responses["sm-help"]) == 1
        assert len(slack_api.calls("views.open")) == 1
    finally:
        code = stop_bot(*bot)
    assert code == 0
    assert len(sock.links) == 3 and all(not link.open for link in sock.links)
    assert sock.links[-1].received_close_frame  # a clean close at the end, not a dropped socket
    err = capsys.readouterr().err
    assert "connected to Slack in Socket Mode" in err and "Traceback" not in err


def test_a_repeated_event_is_handled_once_across_two_replicas(slack_api, sock, database):
    one = start_bot(slack_api, database)
    two = None
    try:
        a = sock.wait_connections(1)
        two = start_bot(slack_api, database)
        b = sock.wait_connections(2)
        event = sock.event({"type": "app_home_opened", "user": USER, "channel": "D0SMUSER01", "tab": "home"},
                           event_id="Ev0REPLICA1")
        sock.expect_ack(sock.send_envelope("events_api", event, link=a), within=3.0)
        sock.expect_ack(sock.send_envelope("events_api", event, link=b, retry_attempt=1,
                                           retry_reason="timeout"), within=3.0)
        wait_for(lambda: publishes_for(slack_api, USER) >= 1, 10, "the Home tab")
        time.sleep(1.0)
        assert publishes_for(slack_api, USER) == 1
    finally:
        codes = [stop_bot(*one)] + ([stop_bot(*two)] if two else [])
    assert codes == [0, 0]


def test_a_silent_drop_is_noticed_by_the_keepalive_without_spinning(slack_api, sock, database):
    """The connection stops answering (no FIN, no close frame): only pings can tell. The bot
    must reconnect within its keepalive bound (well inside 10 s) and sleep meanwhile."""
    bot = start_bot(slack_api, database)
    try:
        sock.wait_connections(1)
        cpu0, wall0 = time.process_time(), time.monotonic()
        sock.drop(silent=True)
        new = sock.wait_connections(2, timeout=15)
        waited = new.opened_at - wall0
        cpu = time.process_time() - cpu0
        print(f"reconnect after a silent drop: {waited:.2f} s, CPU {cpu:.3f} s")
        bound = PING_INTERVAL + PING_TIMEOUT + CLOSE_TIMEOUT + 2.0  # a ping period, its timeout, a close, a handshake
        assert waited <= bound <= 10.0
        # A busy loop would burn about one CPU-second per second waited; the whole test process
        # (the bot and the stand-in) stays far below that.
        assert cpu / waited < 0.25
        env = command(sock, slack_api, "help", "sm-after-silence")
        sock.expect_ack(env, within=3.0)
        wait_for(lambda: slack_api.responses.get("sm-after-silence"), 10, "the reply after reconnecting")
    finally:
        assert stop_bot(*bot) == 0


def test_a_cut_connection_is_replaced_at_once(slack_api, sock, database):
    bot = start_bot(slack_api, database)
    try:
        sock.wait_connections(1)
        cpu0 = time.process_time()
        cut = sock.drop()
        sock.wait_closed(cut)
        new = sock.wait_connections(2, timeout=10)
        waited = new.opened_at - cut.closed_at
        print(f"reconnect after a cut connection: {waited:.2f} s, CPU {time.process_time() - cpu0:.3f} s")
        # the reader sees the cut at once, so this is one apps.connections.open and one handshake,
        # not a keepalive period
        assert waited < PING_INTERVAL
    finally:
        assert stop_bot(*bot) == 0


def test_slack_refusing_the_websocket_is_retried_with_backoff(slack_api, sock, database):
    bot = start_bot(slack_api, database)
    try:
        sock.wait_connections(1)
        sock.refuse_connections = True
        sock.drop()
        wait_for(lambda: len(sock.issued) >= 3, 15, "reconnect attempts")
        sock.refuse_connections = False
        sock.wait_connections(2, timeout=20)
        times = [t for t, _ in sock.issued]
        gaps = [b - a for a, b in zip(times[1:], times[2:])]
        assert gaps and all(g >= 0.5 for g in gaps)  # backed off, not hammering Slack
    finally:
        assert stop_bot(*bot) == 0
