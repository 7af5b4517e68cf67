"""The opt-in relevance check of a watchlist (`watch add NAME QUERY --check "…"`).

Keyword matching stays what it is (bot/store: fast, in the poll's transaction). Right
after, this pass asks the model a yes/no question about each new keyword match of a
checked watchlist — never inside a database transaction — and drops the 'no's from the
watchlist, keeping the model's reason for `watch matches`. The answers are cached per
(article, question, model), so a match is asked about once, also across replicas.

When the model is off, failing or over its cap, a match counts as matched, shown by
`watch matches` as unchecked, and the next pass (every poll) asks again: an outage never
loses a story, it only lets unchecked ones through for a while.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from bot.config import Settings
from bot.llm.client import LLMError
from bot.llm.gateway import Gateway, Job
from bot.llm.prompts import VERSIONS, parse_verdict, relevance_messages
from bot.llm.sanitize import reason_line
from bot.store import now_ts

log = logging.getLogger("aibrief.llm")

PASS_LIMIT = 200  # matches looked at per pass, newest first
MAX_TOKENS = 40


@dataclass
class CheckReport:
    dropped: dict[str, int] = field(default_factory=dict)  # watchlist → matches dropped by this pass
    kept: int = 0
    unchecked: int = 0  # left counting (model off, failing, over its cap, or out of time)


def _finish(raw: str) -> str:
    verdict = parse_verdict(raw)
    if verdict is None:
        raise LLMError("bad_answer", "the answer is neither yes nor no")
    return f"{verdict[0]}:{reason_line(verdict[1])}"


def question_key(question: str) -> str:
    return hashlib.sha256(" ".join(question.split()).lower().encode()).hexdigest()[:16]


def check_matches(store, settings: Settings, *, limit: int = PASS_LIMIT) -> CheckReport:
    """One pass over the checked watchlists' undecided matches. Never raises."""
    report = CheckReport()
    try:
        items = store.matches_to_check(limit)
        if not items:
            return report
        now = now_ts()
        for item in items:  # a 'no' that a re-match brought back: dropped again, no call
            if item.verdict == "no":
                if store.record_check(item.watchlist_id, item.article_id, "no", item.reason or "", "", now=now):
                    report.dropped[item.watchlist] = report.dropped.get(item.watchlist, 0) + 1
        todo = [i for i in items if i.verdict is None]
        gateway = Gateway.for_settings(store, settings)
        if gateway is None:
            report.unchecked = len(todo)
            return report
        jobs: dict = {}
        keys = []
        for item in todo:
            key = gateway.key("relevance", f"{item.article_id}:{question_key(item.question)}", VERSIONS["relevance"],
                              article_id=item.article_id)
            keys.append(key)
            jobs.setdefault(key, Job(key, relevance_messages(item.question, item.title, item.summary), MAX_TOKENS,
                                     _finish))
        outcome = gateway.answers(list(jobs.values()), budget_s=settings.llm_digest_seconds)
        for item, key in zip(todo, keys):
            answer = outcome.answers.get(key)
            if not answer:
                report.unchecked += 1
                continue
            verdict, _, reason = answer.partition(":")
            if store.record_check(item.watchlist_id, item.article_id, verdict, reason, gateway.model, now=now_ts()):
                report.dropped[item.watchlist] = report.dropped.get(item.watchlist, 0) + 1
            else:
                report.kept += 1
    except Exception:
        log.exception("relevance check pass failed; its matches count unchecked until the next pass")
    return report


@dataclass(frozen=True)
class Review:
    """What `watch matches` adds for a checked watchlist: its question, which of the shown
    matches the model has not confirmed yet, and the matches it dropped, with why."""

    question: str
    unchecked: frozenset
    dropped: list


def review(store, name: str, hits, *, limit: int = 20, since=None) -> Review | None:
    """None for a watchlist without a check."""
    question = store.watchlist_checks().get(name)
    wl = store.get_watchlist(name)
    if question is None or wl is None:
        return None
    ids = [h.article_id for h in hits]
    confirmed = store.checked_article_ids(wl.id, ids)
    return Review(question, frozenset(i for i in ids if i not in confirmed),
                  store.dropped_by_check(wl.id, limit=limit, since=since))
