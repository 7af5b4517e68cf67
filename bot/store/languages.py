"""SQL for the languages articles are written in (migration 10): each article's detected
language (`articles.language`, ISO 639-1 or "und") and the set of languages the archive
holds (`article_languages`, one row per language ever stored).

Why keep that set: a query word is looked up in each language of the archive (its French
stem, its German stem, …: bot/langindex.py), so a search must know which ones to compile
for; reading them from the articles would scan the table, this is a handful of rows. A
language is added when its first article is stored and never removed (a pruned-away
language costs one unneeded alternative per word, nothing wrong).

A mixin of `Store` (see base.py), like feedstate.py.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from bot.language import language_of
from bot.store.where import id_chunks


class LanguageQueries:
    """Mixed into Store: uses its `transaction()` and `_all()`."""

    def _note_languages(self, tx, codes: Iterable[str]) -> None:
        """Record the languages of articles just stored (inside their transaction)."""
        for code in sorted(set(codes)):
            tx.run("INSERT INTO article_languages(language) VALUES (?) ON CONFLICT (language) DO NOTHING", (code,))

    def archive_languages(self, tx=None) -> list[str]:
        """Every language the stored articles have been detected in, "und" included."""
        sql = "SELECT language FROM article_languages ORDER BY language"
        rows = tx.all(sql) if tx is not None else self._all(sql)
        return [r[0] for r in rows]

    def marked_languages(self, tx=None) -> tuple[str, ...]:
        """The archive's languages whose words the index stores in their own form (not as
        English words): those a query must also be compiled for."""
        return tuple(c for c in self.archive_languages(tx) if not language_of(c).english_like)

    def languages_of(self, ids: Sequence[int]) -> dict[int, str]:
        """Each article's language, by id."""
        out: dict[int, str] = {}
        for chunk, marks in id_chunks(ids):
            out.update(dict(self._all(f"SELECT id, language FROM articles WHERE id IN ({marks})", chunk)))
        return out

    def language_counts(self) -> dict[str, int]:
        """How many stored articles are in each language (for `doctor` and the README's figures)."""
        return dict(self._all("SELECT language, COUNT(*) FROM articles GROUP BY language ORDER BY 2 DESC"))

    # ---- the backfill of articles stored before languages were detected (migration 10) -----
    def articles_without_language(self, limit: int) -> list[tuple[int, str, str, str]]:
        """(id, title, summary, lead) of up to `limit` articles whose language is not yet
        detected, oldest id first (a partial index finds them without a scan)."""
        return self._all(
            "SELECT id, title, summary, lead FROM articles WHERE language IS NULL ORDER BY id LIMIT ?", (limit,)
        )

    def count_without_language(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM articles WHERE language IS NULL")[0][0])

    def set_languages(self, detected: Sequence[tuple[int, str, str, str, str]]) -> int:
        """Store the detected language of each (id, language, title, summary, lead) in one
        transaction, with whatever the backend's index needs redone; returns how many were
        set. A row whose language was set meanwhile (another replica's backfill) is left."""
        if not detected:
            return 0
        with self.transaction() as tx:
            pending = {
                r[0]
                for r in tx.all(
                    f"SELECT id FROM articles WHERE language IS NULL AND id IN ({','.join('?' * len(detected))})",
                    [d[0] for d in detected],
                )
            }
            rows = [d for d in detected if d[0] in pending]
            self._reindex_languages(tx, rows)
            self._update_languages(tx, [(aid, code) for aid, code, *_ in rows])
            self._note_languages(tx, [code for _, code, *_ in rows])
        return len(rows)

    def _update_languages(self, tx, pairs: Sequence[tuple[int, str]]) -> None:
        """Backend hook: set each (id, language); PostgreSQL does it in one statement."""
        tx.many("UPDATE articles SET language = ? WHERE id = ?", [(code, aid) for aid, code in pairs])

    def _reindex_languages(self, tx, rows: Sequence[tuple[int, str, str, str, str]]) -> None:
        """Backend hook: redo the index entries of rows about to get their language (inside
        `set_languages`' transaction, before the update). PostgreSQL's tsv trigger does it
        on the update itself: nothing to do here."""
