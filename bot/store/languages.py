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
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(dict(self._all(f"SELECT id, language FROM articles WHERE id IN ({marks})", chunk)))
        return out

    def language_counts(self) -> dict[str, int]:
        """How many stored articles are in each language (for `doctor` and the README's figures)."""
        return dict(self._all("SELECT language, COUNT(*) FROM articles GROUP BY language ORDER BY 2 DESC"))
