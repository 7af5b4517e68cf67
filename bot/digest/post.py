"""Posting a digest run to Slack exactly once, resuming where a crash or an outage stopped.

The run and its message plan are in the store before the first post (service.py). Then,
for each planned message in order:

1. skip it if its `ts` is recorded: it is in Slack;
2. if an earlier attempt started but recorded no `ts` (the process died, or Slack answered
   5xx / the connection broke after the request went out), look for it in Slack: every
   message carries `metadata` {event_type "aibrief_digest", run key, seq}, found with
   conversations.history (the channel message) or conversations.replies (thread replies);
3. otherwise mark it attempted, post it, and record its `ts` at once.

So a message is never posted twice and never skipped. Retries are ours, not slack_sdk's,
for everything but 429: slack_sdk's server-error and connection-error handlers would re-send
a message Slack may already have stored. A 429 is safe to re-send (Slack refused it), so
the rate-limit handler waits out Retry-After. `not_in_channel`, `channel_not_found` and
other errors that retrying cannot fix fail the run at once and are recorded on the
subscription for admins; transient trouble leaves the run pending for a later resume.

A person's digest (a run keyed by their user ID) goes to their DM channel: the first post
asks `conversations.open` for it (scope `im:write`) and the store caches the answer. Nothing
is posted before the channel is known, so a failed open leaves the run pending, retried like
any transient failure, and never posts twice; a person Slack refuses to DM (deactivated,
unknown, a bot) fails the run like a channel the bot is not in.

A lease on the run (store) keeps two processes — the bot's scheduler and an admin's
`aibrief digest --post` — from posting the same run at the same time. A lease whose owner
died on this host (`owner_is_gone`) is taken over at once instead of after it expires.
"""

from __future__ import annotations

import copy
import http.client
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.models import DigestRun
from bot.models import is_user_id as is_person
from bot.ops import metrics
from bot.ops.shutdown import stopping

log = logging.getLogger("aibrief.digest")

EVENT_TYPE = "aibrief_digest"
LEASE_SECONDS = 300
ATTEMPTS = 3  # per message, for 5xx / connection trouble (each attempt checks Slack first)
BACKOFF = (1.0, 3.0, 9.0)
BURST = 3  # messages posted back to back; then about one a second (Slack's per-channel pace)
PACE_SECONDS = 1.0

# Errors that mean "this channel cannot get the digest" — recorded on the subscription.
CHANNEL_ERRORS = {
    "not_in_channel": "the bot is not in this channel: invite it with /invite @aibrief",
    "channel_not_found": "the channel does not exist or the bot cannot see it (private? deleted?)",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
    "restricted_action": "posting in this channel is restricted for the bot",
    "restricted_action_read_only_channel": "the channel is read-only",
    "restricted_action_thread_only_channel": "the channel allows thread replies only",
    "ekm_access_denied": "Enterprise Key Management denies access to the channel",
    # a person's DM digest (conversations.open)
    "user_not_found": "no such Slack user (the DM digest's user ID is wrong)",
    "user_disabled": "the person's Slack account is deactivated",
    "user_not_visible": "the bot cannot see this person (another workspace?)",
    "cannot_dm_bot": "the user ID is a bot's: a DM digest is for people",
}
DM_SCOPE_ERROR = ("missing_scope: the bot cannot open DMs; add the im:write scope (slack-manifest.yml) "
                  "and reinstall the app")
# Errors after which Slack may or may not have stored the message.
MAYBE_POSTED = {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}


class PostError(Exception):
    def __init__(self, error: str, *, permanent: bool, channel_error: bool = False):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.channel_error = channel_error


@dataclass
class PostResult:
    """What posting one channel's digest did."""

    channel: str
    status: str  # posted | empty | failed | pending (retried later) | busy | skipped
    run_id: int | None = None
    ts: list = field(default_factory=list)  # Slack ts of each message, in order
    error: str | None = None
    articles: int = 0  # articles the digest covers (stories may bundle several)
    messages: int = 0
    found: int = 0  # messages found in Slack by their metadata instead of re-posted

    @property
    def ok(self) -> bool:
        return self.status in ("posted", "empty", "skipped")

    @property
    def items(self) -> int:
        return self.articles

    def summary(self) -> str:
        """One line for a person: what happened to this digest."""
        if self.status == "posted":
            return f"posted {len(self.ts)} message(s) covering {self.articles} article(s)"
        if self.status == "empty":
            return "nothing new since the last digest, so nothing was posted"
        if self.status == "skipped":
            return self.error or "nothing to do"
        if self.status == "busy":
            return "another process is posting this digest right now"
        if self.status == "pending":
            return f"not posted yet ({self.error}); it will be retried"
        return f"failed: {self.error}"


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_gone(owner: str) -> bool:
    """True when `owner` (from `default_owner`) names a process on this host that no longer
    runs: a bot killed mid-digest (SIGKILL, OOM, power cut) leaves its lease behind, and the
    restarted bot should not wait out LEASE_SECONDS to finish the digest. Anything unsure —
    another host, our own pid (another thread of this process), a live or unreadable pid —
    counts as alive, so the lease is then honoured until it expires."""
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid() or pid <= 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: a process of another user has that pid now
        return False
    try:  # a killed process its parent has not reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def posting_client(client):
    """The client with only the 429 retry handler: Slack refused those requests, so sending
    again cannot duplicate; every other retry is done here after checking Slack."""
    c = copy.copy(client)
    handlers = [h for h in getattr(client, "retry_handlers", []) if isinstance(h, RateLimitErrorRetryHandler)]
    c.retry_handlers = handlers or [RateLimitErrorRetryHandler(max_retry_count=3)]
    return c


def _metadata(run: DigestRun, seq: int) -> dict:
    return {"event_type": EVENT_TYPE, "event_payload": {"run": run.key, "run_id": run.id, "seq": seq}}


def _is_ours(message: dict, run: DigestRun, seq: int) -> bool:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return meta.get("event_type") == EVENT_TYPE and payload.get("run") == run.key and payload.get("seq") == seq


def find_posted(client, run: DigestRun, seq: int, parent_ts: str | None, *, max_pages: int = 10) -> str | None:
    """The ts of this run's message `seq` if it is in Slack, else None. Raises PostError
    (transient) when Slack cannot be asked: then posting again could duplicate."""
    try:
        cursor = None
        for _ in range(max_pages):
            if parent_ts is None:
                oldest = int(run.created_at.timestamp()) - 60 if run.created_at else 0
                resp = client.conversations_history(
                    channel=run.channel, oldest=str(oldest), limit=200, include_all_metadata=True,
                    cursor=cursor,
                )
            else:
                resp = client.conversations_replies(
                    channel=run.channel, ts=parent_ts, limit=200, include_all_metadata=True, cursor=cursor,
                )
            for m in resp.get("messages") or []:
                if _is_ours(m, run, seq):
                    return m.get("ts")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else str(exc)
        if error in CHANNEL_ERRORS:
            raise PostError(error, permanent=True, channel_error=True) from None
        if error in ("missing_scope", "not_allowed_token_type"):
            # Without history access we cannot tell; say so rather than risk a duplicate.
            raise PostError(f"cannot check whether message {seq} was posted ({error}: "
                            "the bot needs channels:history / groups:history)", permanent=True) from None
        raise PostError(f"could not check Slack for message {seq}: {error}", permanent=False) from None
    except (URLError, OSError, http.client.HTTPException) as exc:
        raise PostError(f"could not check Slack for message {seq}: {exc}", permanent=False) from None


def _slack_error(exc: SlackApiError) -> tuple[int, str]:
    resp = exc.response
    status = getattr(resp, "status_code", 0) or 0
    error = ""
    try:
        error = resp.get("error") or ""
    except Exception:  # a non-JSON body
        error = ""
    return status, error or f"HTTP {status}"


def destination(store, client, channel: str) -> str:
    """Where a run keyed by `channel` is posted: the channel itself, or for a person (U…/W…)
    their DM channel from the store's cache or conversations.open. Raises PostError (transient
    or permanent, see CHANNEL_ERRORS) when Slack does not give one; nothing is posted then."""
    if not is_person(channel):
        return channel
    cached = store.dm_channel(channel)
    if cached:
        return cached
    try:
        resp = client.conversations_open(users=channel)
        dm = ((resp.get("channel") or {}).get("id") or "").strip()
    except SlackApiError as exc:
        status, error = _slack_error(exc)
        if error in CHANNEL_ERRORS:
            raise PostError(error, permanent=True, channel_error=True) from None
        if error in ("missing_scope", "not_allowed_token_type"):
            raise PostError(DM_SCOPE_ERROR, permanent=True) from None
        if status == 429 or status >= 500 or error in MAYBE_POSTED or error == "ratelimited":
            raise PostError(f"could not open the DM ({error}); will retry", permanent=False) from None
        raise PostError(f"conversations.open: {error}", permanent=True) from None
    except (URLError, OSError, http.client.HTTPException) as exc:
        raise PostError(f"could not open the DM ({type(exc).__name__}: {exc}); will retry", permanent=False) from None
    if not dm:
        raise PostError("conversations.open answered no channel; will retry", permanent=False)
    store.save_dm_channel(channel, dm)
    log.info("DM channel opened user=%s channel=%s", channel, dm)
    return dm


def _post_one(store, client, poster, run: DigestRun, seq: int, message: dict, parent_ts: str | None,
              sleep: Callable[[float], None]) -> tuple[str, bool]:
    """Post (or find) message `seq`; returns (ts, found_instead_of_posted)."""
    last = ""
    for attempt in range(ATTEMPTS):
        if attempt or seq in run.attempted:
            ts = find_posted(client, run, seq, parent_ts)
            if ts:
                return ts, True
        store.mark_digest_message_attempt(run.id, seq)
        try:
            resp = poster.chat_postMessage(
                channel=run.channel,
                text=message.get("text") or " ",
                blocks=message.get("blocks") or None,
                thread_ts=parent_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=_metadata(run, seq),
            )
            return resp["ts"], False
        except SlackApiError as exc:
            status, error = _slack_error(exc)
            if status == 429:
                raise PostError("rate limited by Slack (retries exhausted)", permanent=False) from None
            if error in CHANNEL_ERRORS:
                raise PostError(error, permanent=True, channel_error=True) from None
            if status >= 500 or error in MAYBE_POSTED:
                last = error
            else:
                raise PostError(error, permanent=True) from None
        except (URLError, OSError, http.client.HTTPException) as exc:  # refused, reset, timeouts
            last = f"{type(exc).__name__}: {exc}"
        log.warning("digest post failed run=%s seq=%s attempt=%s error=%s", run.id, seq, attempt + 1, last)
        sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
    ts = find_posted(client, run, seq, parent_ts)
    if ts:
        return ts, True
    raise PostError(f"Slack kept failing ({last}); will retry", permanent=False)


def post_run(store, client, run_id: int, *, owner: str | None = None, sleep: Callable[[float], None] = time.sleep,
             pace: float = PACE_SECONDS) -> PostResult:
    """Post the run's messages not yet in Slack; see the module docstring."""
    owner = owner or default_owner()
    run = store.get_digest_run(run_id)
    if run is None:
        return PostResult("?", "failed", run_id, error="no such digest run")
    if run.status != "pending":
        return PostResult(run.channel, "posted" if run.status == "done" else "failed", run.id,
                          ts=[run.posted[k] for k in sorted(run.posted)], error=run.error,
                          articles=run.item_count, messages=len(run.plan))
    if not store.claim_digest_run(run.id, owner, lease_seconds=LEASE_SECONDS):
        holder = store.digest_run_lease_owner(run.id)
        if not (holder and owner_is_gone(holder)
                and store.take_over_digest_run(run.id, holder, owner, lease_seconds=LEASE_SECONDS)):
            return PostResult(run.channel, "busy", run.id, error="another process is posting this digest")
        log.warning("digest lease taken over channel=%s run=%s from=%s (that process is gone)",
                    run.channel, run.id, holder)
    # Read the run again now that it is ours: the copy above may predate another process's
    # turn (it posted some messages, then released the run), and posting from that stale
    # copy would repeat them.
    run = store.get_digest_run(run_id) or run
    result = PostResult(run.channel, "pending", run.id, articles=run.item_count, messages=len(run.plan))
    poster = posting_client(client)
    posted_now = 0
    try:
        # a person's digest: posted (and looked up after a failure) in their DM channel
        target = replace(run, channel=destination(store, client, run.channel)) if is_person(run.channel) else run
        for seq, message in enumerate(run.plan):
            if seq in run.posted:
                continue
            parent_ts = run.posted.get(0) if message.get("thread") else None
            if message.get("thread") and parent_ts is None:
                raise PostError("thread reply without its channel message", permanent=True)
            if stopping():  # `aibrief run` is stopping: the rest is resumed at the next start
                raise PostError("the bot stopped before posting the rest; resumed at its next start", permanent=False)
            if posted_now >= BURST and pace > 0:
                sleep(pace)
            ts, found = _post_one(store, client, poster, target, seq, message, parent_ts, sleep)
            store.record_digest_message(run.id, seq, ts)
            run.posted[seq] = ts
            posted_now += 1
            result.found += int(found)
            store.claim_digest_run(run.id, owner, lease_seconds=LEASE_SECONDS)  # renew
        store.finish_digest_run(run.id)
        result.status = "posted"
    except PostError as exc:
        result.error = exc.error
        if is_person(run.channel) and exc.error == "channel_not_found":
            store.forget_dm_channel(run.channel)  # a stale cached DM channel: opened again next time
        if exc.permanent:
            reason = CHANNEL_ERRORS.get(exc.error)
            text = f"{exc.error}: {reason}" if reason else exc.error
            store.fail_digest_run(run.id, text)
            store.record_subscription_error(run.channel, text)
            result.status, result.error = "failed", text
            log.error("digest failed channel=%s run=%s error=%s", run.channel, run.id, text)
        else:
            store.note_digest_run_error(run.id, exc.error)
            result.status = "pending"
            log.warning("digest postponed channel=%s run=%s error=%s", run.channel, run.id, exc.error)
    finally:
        store.release_digest_run(run.id, owner)
    result.ts = [run.posted[k] for k in sorted(run.posted)]
    metrics.observe_digest(result.status)  # aibrief_digests_posted / _failed / _postponed
    return result
