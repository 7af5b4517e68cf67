"""Prometheus metrics of one `aibrief run` process, served as `GET /metrics`.

HTTP mode serves them on PORT beside /slack/events and /healthz; Socket Mode, which has no
HTTP server of its own, on AIBRIEF_METRICS_PORT when that is set. One registry of our own
(not prometheus_client's global one): tests and several bots in one interpreter never share
counts by accident, and nothing but these metrics is exported.

The counters are fed from a few places, each with one call: the scheduler's poll and digest
jobs (`observe_poll`, `observe_digest`), the Slack Web API client (`SlackCallCounter`, a
retry handler that sees every answer and never retries), search (`timed_search`), retention
(`pruned`), the Socket Mode client (`socket_event`) and the model gateway (`llm_*`,
bot/llm/gateway.py). Label values are bounded: feed error
*kinds* (the member-facing summary, never the raw text), Slack method names, watchlist names.
"""

from __future__ import annotations

import functools
import time
from typing import Callable, Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

REGISTRY = CollectorRegistry(auto_describe=True)
METRICS_PATH = "/metrics"

polls = Counter("aibrief_polls", "Feed polls run (one poll covers every feed that was due).", registry=REGISTRY)
feeds_polled = Counter("aibrief_feeds_polled", "Feeds fetched by polls.", registry=REGISTRY)
feed_errors = Counter("aibrief_feed_errors", "Feed fetches that failed, by kind of failure.", ["reason"],
                      registry=REGISTRY)
articles_stored = Counter("aibrief_articles_stored", "New articles stored by polls.", registry=REGISTRY)
watchlist_matches = Counter("aibrief_watchlist_matches", "New articles a watchlist matched.", ["watchlist"],
                            registry=REGISTRY)
digests_posted = Counter("aibrief_digests_posted", "Digests posted to Slack (scheduled, caught up or resumed).",
                         registry=REGISTRY)
digests_failed = Counter("aibrief_digests_failed", "Digests that failed for good (e.g. the bot is not in the channel).",
                         registry=REGISTRY)
digests_postponed = Counter("aibrief_digests_postponed", "Digests left pending for a retry (Slack trouble, a stop).",
                            registry=REGISTRY)
slack_calls = Counter("aibrief_slack_api_calls", "Slack Web API requests sent (each retry counts), by method.",
                      ["method"], registry=REGISTRY)
slack_ratelimited = Counter("aibrief_slack_api_ratelimited", "Slack Web API answers 429 (rate limited), by method.",
                            ["method"], registry=REGISTRY)
search_seconds = Histogram("aibrief_search_seconds", "Time to answer one search (slash command, CLI, App Home).",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0), registry=REGISTRY)
retention_pruned = Counter("aibrief_retention_pruned_articles", "Articles deleted by retention.", registry=REGISTRY)
socket_mode_events = Counter("aibrief_socket_mode_events",
                             "Socket Mode: envelopes handled by type, duplicates, reconnects and refreshes.",
                             ["kind"], registry=REGISTRY)
llm_calls = Counter("aibrief_llm_calls", "Calls sent to the model endpoint, by feature (why, relevance, ask).",
                    ["feature"], registry=REGISTRY)
llm_failures = Counter("aibrief_llm_failures",
                       "Model answers not had, by reason (timeout, connect, http, too_large, bad_answer, over_cap, "
                       "budget, busy).", ["reason"], registry=REGISTRY)
llm_cached = Counter("aibrief_llm_cached", "Model answers taken from the cache instead of asked, by feature.",
                     ["feature"], registry=REGISTRY)
leader = Gauge("aibrief_leader", "1 while this replica runs the scheduled work (the leader), else 0.",
               registry=REGISTRY)
leader.set(0)


def render() -> bytes:
    """The Prometheus text exposition of every metric above."""
    return generate_latest(REGISTRY)


def watch_leader(is_leader: Callable[[], bool]) -> None:
    """`aibrief_leader` reads this replica's leadership at each scrape."""
    leader.set_function(lambda: 1.0 if is_leader() else 0.0)


# ---- feeding the counters ------------------------------------------------------------------
def observe_poll(report) -> None:
    """One finished poll (bot.poll.poller.PollReport)."""
    from bot.slack.blocks import public_feed_error

    polls.inc()
    feeds_polled.inc(len(report.outcomes))
    articles_stored.inc(len(report.new_article_ids))
    for error in report.errors.values():
        feed_errors.labels(public_feed_error(error or "")).inc()
    for name, n in report.matches.items():
        watchlist_matches.labels(name).inc(n)


def observe_digest(status: str | None) -> None:
    """A digest job's outcome (bot.digest.post.PostResult.status)."""
    if status == "posted":
        digests_posted.inc()
    elif status == "failed":
        digests_failed.inc()
    elif status == "pending":
        digests_postponed.inc()


def observe_digests(results: Iterable) -> None:
    for r in results:
        observe_digest(getattr(r, "status", None))


def pruned(n: int) -> None:
    retention_pruned.inc(n)


def socket_event(kind: str) -> None:
    socket_mode_events.labels(kind).inc()


def llm_call(feature: str) -> None:
    llm_calls.labels(feature).inc()


def llm_failure(reason: str) -> None:
    llm_failures.labels(reason).inc()


def llm_cached_answers(feature: str, n: int = 1) -> None:
    llm_cached.labels(feature).inc(n)


def timed_search(fn: Callable) -> Callable:
    """Decorator: the search's wall time into `aibrief_search_seconds` (refusals included)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            search_seconds.observe(time.perf_counter() - started)

    return wrapper


class SlackCallCounter(RateLimitErrorRetryHandler):
    """Counts every Slack Web API answer by method, and the 429s; never retries itself.

    slack_sdk shows each HTTP answer (200s included) to the client's retry handlers in
    order, until one takes it; put first, this one sees them all. It is a
    RateLimitErrorRetryHandler so that clients which keep only rate-limit handlers (digest
    posting, bot/digest/post.py `posting_client`) keep counting too; Bolt copies the handler
    list into every per-request client, so listener calls count as well."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(self, *, state, request, response=None, error=None) -> bool:
        method = _method(getattr(request, "url", "") or "")
        slack_calls.labels(method).inc()
        if response is not None and getattr(response, "status_code", 0) == 429:
            slack_ratelimited.labels(method).inc()
        return False


def _method(url: str) -> str:
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    # Method names look like chat.postMessage; anything else (a response_url) is one label.
    return tail if tail and "." in tail and len(tail) <= 64 else "other"


# ---- serving -------------------------------------------------------------------------------
class MetricsWsgi:
    """WSGI middleware: `GET /metrics` here, everything else to the wrapped application."""

    def __init__(self, app=None):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == METRICS_PATH:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
                return [b""]
            body = render()
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))),
                                      ("Cache-Control", "no-store")])
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
        if self.app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10")])
            return [b"not found\n"]
        return self.app(environ, start_response)
