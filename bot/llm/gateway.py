"""Every model call goes through here: cache first, one asker across replicas, the daily cap,
bounded concurrency and a time budget per batch, metrics, and one log line per outage.

Why a batch: a digest needs up to a dozen sentences and must go out on time, so its calls
run together (at most CONCURRENCY at once) and whatever has not answered when the batch's
budget runs out is left out — the digest is posted without those lines. The store is used
only from the calling thread, before and after the calls; the calls themselves run on an
event loop of their own.

The cache (bot/store/llm.py) holds one answer per (kind, subject, model, prompt version).
Before asking, a replica *claims* the row; another replica that finds a live claim does not
ask too (its digest goes without that line this time, the next one has it). A failed call
gives its claim back, so the question is asked again later — never in a tight loop: each
digest, poll or `ask` asks at most once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from bot.config import Settings
from bot.llm.client import Endpoint, LLMError, complete, endpoint_policy, make_client
from bot.ops import metrics
from bot.store import now_ts
from bot.store import BUSY, DONE, AnswerKey

log = logging.getLogger("aibrief.llm")

CONCURRENCY = 4  # calls in flight at once, per batch


@dataclass(frozen=True)
class Job:
    """One question: its cache key, the messages, and how a raw answer becomes what is kept
    (`finish` may raise LLMError("bad_answer") for an answer that must be asked again)."""

    key: AnswerKey
    messages: list[dict]
    max_tokens: int
    finish: Callable[[str], str]


@dataclass
class Outcome:
    answers: dict[AnswerKey, str] = field(default_factory=dict)
    errors: dict[AnswerKey, LLMError] = field(default_factory=dict)
    asked: int = 0  # calls sent (the rest came from the cache or were not asked)


class OutageLog:
    """Logs the first failure of an outage and the recovery, not every failed call, so a
    model that is down for a day writes two lines, not thousands; the cap once per day."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failing = 0
        self.capped_day: str | None = None

    def failed(self, error: LLMError) -> None:
        with self._lock:
            self.failing += 1
            first = self.failing == 1
        if first:
            log.warning("model endpoint unavailable (%s: %s); the model's lines are left out until it answers",
                        error.kind, error)

    def answered(self) -> None:
        with self._lock:
            failed, self.failing = self.failing, 0
        if failed:
            log.warning("model endpoint answers again, after %d failed call(s)", failed)

    def capped(self, day: str, cap: int) -> None:
        with self._lock:
            first = self.capped_day != day
            self.capped_day = day
        if first:
            log.warning("model call cap reached for %s (AIBRIEF_LLM_DAILY_CALLS=%d); no more calls today", day, cap)


OUTAGE = OutageLog()


def _today() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def run_coroutine(coro):
    """Run `coro` to the end from synchronous code, also when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Gateway:
    def __init__(self, store, settings: Settings, *, concurrency: int = CONCURRENCY) -> None:
        assert settings.llm_enabled
        self.store = store
        self.settings = settings
        self.endpoint = Endpoint(settings.llm_url, settings.llm_model, settings.llm_api_key,
                                 float(settings.llm_timeout_s))
        self.policy = endpoint_policy(settings.llm_url, settings.allow_private_networks)
        self.concurrency = concurrency

    @classmethod
    def for_settings(cls, store, settings: Settings) -> "Gateway | None":
        """The gateway, or None when the model features are off (nothing is ever sent)."""
        return cls(store, settings) if settings.llm_enabled else None

    @property
    def model(self) -> str:
        return self.endpoint.model

    def key(self, kind: str, subject: str, version: int, article_id: int | None = None) -> AnswerKey:
        return AnswerKey(kind, subject, self.model, version, article_id)

    def answers(self, jobs: list[Job], *, budget_s: float) -> Outcome:
        """Cached answers and fresh ones, within `budget_s` seconds of calls in all."""
        out = Outcome()
        if not jobs:
            return out
        cached = self.store.llm_answers([j.key for j in jobs])
        for key, answer in cached.items():
            out.answers[key] = answer
            metrics.llm_cached_answers(key.kind)
        now, day, cap = now_ts(), _today(), self.settings.llm_daily_calls
        lease = 2 * self.settings.llm_timeout_s + 10
        todo: list[Job] = []
        for job in jobs:
            if job.key in cached:
                continue
            state, answer = self.store.llm_claim(job.key, now=now, lease_seconds=lease)
            if state == DONE:
                out.answers[job.key] = answer or ""
                metrics.llm_cached_answers(job.key.kind)
            elif state == BUSY:
                self._failed(out, job.key, LLMError("busy", "another replica is asking this right now"), log_it=False)
            elif not self.store.llm_take_call(day, cap):
                self.store.llm_release(job.key)
                self._failed(out, job.key, LLMError("over_cap", f"the daily cap of {cap} calls is reached"),
                             log_it=False)
                OUTAGE.capped(day, cap)
            else:
                todo.append(job)
        if not todo:
            return out
        results = run_coroutine(self._call_all(todo, budget_s))
        out.asked = len(todo)
        first_error: LLMError | None = None
        answered = 0
        for job, result in zip(todo, results):
            if isinstance(result, str):
                try:
                    value = job.finish(result)
                except LLMError as exc:
                    result = exc
                else:
                    self.store.llm_store_answer(job.key, value, now=now_ts())
                    out.answers[job.key] = value
                    answered += 1
                    continue
            self.store.llm_release(job.key)
            self._failed(out, job.key, result, log_it=False)
            first_error = first_error or result
        # One line per outage: a batch with any answer means the endpoint works (a call or
        # two cut off by the budget is not an outage); one with none is a failure.
        if answered:
            OUTAGE.answered()
        elif first_error is not None:
            OUTAGE.failed(first_error)
        return out

    def _failed(self, out: Outcome, key: AnswerKey, error: LLMError, *, log_it: bool = False) -> None:
        out.errors[key] = error
        metrics.llm_failure(error.kind)
        if log_it:
            OUTAGE.failed(error)

    async def _call_all(self, jobs: list[Job], budget_s: float) -> list:
        gate = asyncio.Semaphore(self.concurrency)
        async with make_client(self.policy, concurrency=self.concurrency, timeout_s=self.endpoint.timeout_s) as client:
            async def one(job: Job) -> str:
                async with gate:
                    metrics.llm_call(job.key.kind)
                    return await complete(client, self.endpoint, job.messages, max_tokens=job.max_tokens)

            tasks = [asyncio.ensure_future(one(j)) for j in jobs]
            _done, pending = await asyncio.wait(tasks, timeout=budget_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        results: list = []
        for task in tasks:
            if task in pending:
                results.append(LLMError("budget", f"not answered within the {budget_s:g} s budget"))
            elif isinstance(task.exception(), LLMError):
                results.append(task.exception())
            elif task.exception() is not None:
                exc = task.exception()
                results.append(LLMError("connect", f"{type(exc).__name__}: {exc}"))
            else:
                results.append(task.result())
        return results
