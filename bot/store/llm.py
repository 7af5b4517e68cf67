"""SQL of the optional model features (bot/llm/): the answers cache with its claims, the
day's call count, and the watchlists' relevance checks with their verdicts.

A mixin of `Store` (see base.py), in its own file because it is its own subject. Portable
SQL with `?` placeholders. Everything lives in the database so that replicas share it: an
article is asked about once whichever replica renders the digest, and the daily cap counts
the calls of all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from bot.store.clock import from_ts
from bot.store.watchlists import newest_first
from bot.store.where import id_chunks

# What `llm_claim` found: an answer to use, the claim taken (ask now), or another replica's
# live claim (do not ask; the digest goes without this line).
DONE, CLAIMED, BUSY = "done", "claimed", "busy"


@dataclass(frozen=True)
class AnswerKey:
    """One cached question: what kind, about what (an article id, or a question's hash),
    asked of which model with which version of our prompt."""

    kind: str
    subject: str
    model: str
    prompt_version: int
    article_id: int | None = None

    def params(self) -> tuple:
        return (self.kind, self.subject, self.model, self.prompt_version)


_KEY = "kind = ? AND subject = ? AND model = ? AND prompt_version = ?"


@dataclass(frozen=True)
class CheckItem:
    """A keyword match of a checked watchlist that has no standing 'yes': to ask about (no
    verdict yet) or to drop again (a 'no' that a re-match brought back)."""

    watchlist_id: int
    watchlist: str
    question: str
    article_id: int
    title: str
    summary: str
    verdict: str | None
    reason: str | None


@dataclass(frozen=True)
class DroppedMatch:
    article_id: int
    title: str
    url: str
    source: str
    published: datetime
    reason: str
    checked_at: datetime


class LLMQueries:
    # ---- the answers cache -----------------------------------------------------------------
    def llm_answers(self, keys: Sequence[AnswerKey]) -> dict[AnswerKey, str]:
        """The finished answers among `keys` ('' for one the sanitiser dropped)."""
        out: dict[AnswerKey, str] = {}
        for key in keys:
            row = self._one(f"SELECT answer FROM llm_answers WHERE {_KEY} AND state = 'done'", key.params())
            if row is not None:
                out[key] = row[0] or ""
        return out

    def llm_claim(self, key: AnswerKey, *, now: int, lease_seconds: int) -> tuple[str, str | None]:
        """(DONE, answer), (CLAIMED, None) — this caller now asks — or (BUSY, None) while
        another replica's claim is younger than `lease_seconds` (an older one is taken over:
        its replica died or gave up mid-call)."""
        with self.transaction() as tx:
            rows = tx.all(
                "INSERT INTO llm_answers(kind, subject, model, prompt_version, article_id, state, claimed_at) "
                "VALUES (?, ?, ?, ?, ?, 'claimed', ?) "
                "ON CONFLICT (kind, subject, model, prompt_version) DO NOTHING RETURNING state",
                (*key.params(), key.article_id, now),
            )
            if rows:
                return CLAIMED, None
            rows = tx.all(f"SELECT state, answer, claimed_at FROM llm_answers WHERE {_KEY}", key.params())
            if not rows:  # released between the two statements
                return BUSY, None
            state, answer, claimed_at = rows[0]
            if state == "done":
                return DONE, answer or ""
            if claimed_at > now - lease_seconds:
                return BUSY, None
            taken = tx.run(
                f"UPDATE llm_answers SET claimed_at = ? WHERE {_KEY} AND state = 'claimed' AND claimed_at = ?",
                (now, *key.params(), claimed_at),
            )
            return (CLAIMED, None) if taken else (BUSY, None)

    def llm_store_answer(self, key: AnswerKey, answer: str, *, now: int) -> None:
        with self.transaction() as tx:
            tx.run(
                f"UPDATE llm_answers SET state = 'done', answer = ?, answered_at = ? WHERE {_KEY}",
                (answer, now, *key.params()),
            )

    def llm_release(self, key: AnswerKey) -> None:
        """Give a claim back (the call failed): a later digest or pass asks again."""
        with self.transaction() as tx:
            tx.run(f"DELETE FROM llm_answers WHERE {_KEY} AND state = 'claimed'", key.params())

    # ---- the daily cap ---------------------------------------------------------------------
    def llm_take_call(self, day: str, cap: int) -> bool:
        """Count one call against `day`'s cap, atomically across replicas; False when the
        cap is reached (nothing counted)."""
        if cap <= 0:
            return False
        with self.transaction() as tx:
            rows = tx.all(
                "INSERT INTO llm_usage(day, calls) VALUES (?, 1) "
                "ON CONFLICT (day) DO UPDATE SET calls = llm_usage.calls + 1 WHERE llm_usage.calls < ? "
                "RETURNING calls",
                (day, cap),
            )
        return bool(rows)

    def llm_calls(self, day: str) -> int:
        row = self._one("SELECT calls FROM llm_usage WHERE day = ?", (day,))
        return int(row[0]) if row else 0

    # ---- watchlist relevance checks ----------------------------------------------------------
    def set_watchlist_check(self, watchlist_id: int, question: str, *, now: int) -> None:
        with self.transaction() as tx:
            tx.run(
                "INSERT INTO watchlist_checks(watchlist_id, question, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (watchlist_id) DO UPDATE SET question = excluded.question",
                (watchlist_id, question, now),
            )
            tx.run("DELETE FROM watchlist_check_results WHERE watchlist_id = ?", (watchlist_id,))

    def watchlist_checks(self) -> dict[str, str]:
        """Watchlist name → its check question, for the watchlists that have one."""
        rows = self._all(
            "SELECT w.name, c.question FROM watchlist_checks c JOIN watchlists w ON w.id = c.watchlist_id"
        )
        return {r[0]: r[1] for r in rows}

    def matches_to_check(self, limit: int) -> list[CheckItem]:
        """Matches of checked watchlists without a 'yes', newest articles first."""
        rows = self._all(
            "SELECT m.watchlist_id, w.name, c.question, a.id, a.title, a.summary, r.verdict, r.reason "
            "FROM matches m JOIN watchlist_checks c ON c.watchlist_id = m.watchlist_id "
            "JOIN watchlists w ON w.id = m.watchlist_id JOIN articles a ON a.id = m.article_id "
            "LEFT JOIN watchlist_check_results r ON r.watchlist_id = m.watchlist_id AND r.article_id = m.article_id "
            "WHERE r.verdict IS NULL OR r.verdict <> 'yes' "
            "ORDER BY a.published DESC, a.id DESC LIMIT ?",
            (limit,),
        )
        return [CheckItem(*r) for r in rows]

    def record_check(self, watchlist_id: int, article_id: int, verdict: str, reason: str, model: str,
                     *, now: int) -> bool:
        """Keep ('yes') or drop ('no') one match; returns whether a match was removed."""
        with self.transaction() as tx:
            tx.run(
                "INSERT INTO watchlist_check_results(watchlist_id, article_id, verdict, reason, model, checked_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (watchlist_id, article_id) DO UPDATE SET "
                "verdict = excluded.verdict, reason = excluded.reason, model = excluded.model, "
                "checked_at = excluded.checked_at",
                (watchlist_id, article_id, verdict, reason[:500], model, now),
            )
            if verdict != "no":
                return False
            return bool(tx.run("DELETE FROM matches WHERE watchlist_id = ? AND article_id = ?",
                               (watchlist_id, article_id)))

    def dropped_by_check(self, watchlist_id: int, *, limit: int = 20, since: datetime | None = None) -> list[DroppedMatch]:
        rows = self._all(*newest_first(
            "SELECT a.id, a.title, a.url, a.source, a.published, r.reason, r.checked_at "
            "FROM watchlist_check_results r JOIN articles a ON a.id = r.article_id "
            "WHERE r.verdict = 'no' AND r.watchlist_id = ?",
            watchlist_id, since, limit,
        ))
        return [DroppedMatch(r[0], r[1], r[2], r[3], from_ts(r[4]), r[5], from_ts(r[6])) for r in rows]

    def checked_article_ids(self, watchlist_id: int, article_ids: Sequence[int]) -> set[int]:
        """Those of `article_ids` the watchlist's check has said 'yes' to."""
        out: set[int] = set()
        for chunk, marks in id_chunks(article_ids):
            out.update(r[0] for r in self._all(
                "SELECT article_id FROM watchlist_check_results WHERE watchlist_id = ? AND verdict = 'yes' "
                f"AND article_id IN ({marks})",
                (watchlist_id, *chunk),
            ))
        return out
