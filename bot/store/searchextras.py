"""SQL for search's filters and forgiveness: a date window, newest-first order, the listing of
a query of only filters, and the index vocabulary that "did you mean" looks words up in.

Mixins of SQLiteStore and PostgresStore (one class per backend, as the full-text SQL
differs); the ranking itself stays in sqlite.py / postgres.py. Why the vocabulary lives
here: a suggestion must be a word the index holds, so it is read from the index's own
terms (SQLite: an fts5vocab table over articles_fts; PostgreSQL: `search_vocab`, kept by a
trigger on articles, see schema.py), never from a word list of our own.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Sequence

from bot.query import to_fts5_candidates, to_tsquery, word_spans
from bot.store.base import TITLE_WEIGHT
from bot.store.schema import TS_CONFIG
from bot.store.topk import count_limit

# The parsed query as PostgreSQL's tsquery in every configuration the archive uses (as
# postgres.py builds it: TSQUERY_IN there); parameters: the query text, the configurations.
TSQUERY = "aibrief_tsquery(?, ?::text[], true)"
# ts_rank's weights for {D, C, B, A}: the title (A) at 1, the summary (B) at 1 / TITLE_WEIGHT, the
# lead and the language tag not at all (the ranking in postgres.py and the pools in titlefirst.py)
WEIGHTS = f"'{{0.0, 0.0, {1.0 / TITLE_WEIGHT}, 1.0}}'"

# Vocabulary lookups are bounded: at most this many index terms per probe.
VOCAB_PROBE_LIMIT = 2000


def window_sql(window: tuple, languages: Sequence[str] = ()) -> tuple[str, list]:
    """` AND a.published …` for a date window (inclusive Unix seconds, None: open), and
    ` AND a.language IN (…)` for a `language:` filter, and their parameters; portable SQL
    with `?`."""
    since, until = window
    sql, params = "", []
    if since is not None:
        sql, params = sql + " AND a.published >= ?", params + [since]
    if until is not None:
        sql, params = sql + " AND a.published <= ?", params + [until]
    if languages:
        sql += f" AND a.language IN ({','.join('?' * len(languages))})"
        params += list(languages)
    return sql, params


def is_marked(term: str) -> bool:
    """Whether an index term is a stem of a language indexed apart from English (SQLite's
    private-use marker, bot/langindex.py; PostgreSQL's tag lexeme, which holds "_"). "Did you
    mean" compares typed words with English-indexed terms only: a marked stem is never shown."""
    return bool(term) and ("\ue000" <= term[-1] <= "\uf8ff" or "_" in term)


def surface_word(stem: str, texts: Sequence[str], stem_of) -> str | None:
    """The most common word of `texts` whose stem is `stem`: what a suggestion shows (the
    index holds `travel` for travels and travelling; a reader should see a real word)."""
    seen: Counter = Counter()
    for text in texts:
        for _, _, token in word_spans(text):
            if stem_of(token) == stem:
                seen[token] += 1
    return seen.most_common(1)[0][0] if seen else None


class SQLiteSearchExtras:
    """Date windows, newest first and the vocabulary, on FTS5. Uses SQLiteStore's
    `_bm25_sql` and `_query_token` (given to it there, so this module imports neither)."""

    def _vocab(self) -> sqlite3.Connection:
        conn = self._conn()
        if getattr(self._local, "vocab_conn", None) is not conn:
            conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_fts_vocab "
                         "USING fts5vocab(main, articles_fts, row)")
            self._local.vocab_conn = conn
        return conn

    def _newest_rows(self, node, limit: int, offset: int, since, until, languages: Sequence[str] = ()) -> list[tuple]:
        dated, dates = window_sql((since, until), languages)
        if node is None:
            return self._all(
                "SELECT a.id, a.title, a.url, a.source, a.published, a.summary, 0.0 FROM articles a"
                f" WHERE 1 = 1{dated} ORDER BY a.published DESC, a.id DESC LIMIT ? OFFSET ?",
                (*dates, limit, offset),
            )
        expr, exact = to_fts5_candidates(node, self.marked_languages())
        sql = (
            f"SELECT a.id, a.title, a.url, a.source, a.published, a.summary, -{self._bm25_sql()}"
            " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            f" WHERE articles_fts MATCH ?{dated} ORDER BY a.published DESC, a.id DESC"
        )
        if exact:
            return self._all(sql + " LIMIT ? OFFSET ?", (expr, *dates, limit, offset))
        with self.transaction(write=False) as tx:
            rows = tx.all(sql, (expr, *dates))
            keep = self._verified(tx, node, [r[0] for r in rows])
        return [r for r in rows if r[0] in keep][offset: offset + limit]

    def _count_window(self, node, since, until, languages: Sequence[str] = (), cap: int | None = None) -> int:
        """As _count_rows, within a date window and `languages` (capped: bot/store/topk.py)."""
        dated, dates = window_sql((since, until), languages)
        limit = count_limit(cap) or -1  # LIMIT -1: no limit
        if node is None:
            return self._all(f"SELECT COUNT(*) FROM (SELECT 1 FROM articles a WHERE 1 = 1{dated} LIMIT ?)",
                             (*dates, limit))[0][0]
        expr, exact = to_fts5_candidates(node, self.marked_languages())
        sql = ("SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
               f" WHERE articles_fts MATCH ?{dated}")
        if exact:
            return self._all(f"SELECT COUNT(*) FROM ({sql} LIMIT ?)", (expr, *dates, limit))[0][0]
        with self.transaction(write=False) as tx:
            ids = [r[0] for r in tx.all(sql, (expr, *dates))]
            return self._count_verified(tx, node, ids, cap)

    # ---- the vocabulary ("did you mean") -------------------------------------------------
    def index_token(self, word: str) -> str | None:
        """`word` as the index holds it (stemmed), or None."""
        return self._query_token(word)

    def vocab_has(self, token: str) -> bool:
        return bool(self._vocab().execute(
            "SELECT 1 FROM temp.articles_fts_vocab WHERE term = ?", (token,)).fetchone())

    def knows_word(self, word: str) -> bool:
        """Whether the index holds `word` in any language of the archive: its English-indexed
        token, or its stem in a language indexed apart (bot/langindex.py), so that a French
        word the search found is not "corrected" into an English one."""
        from bot.langindex import query_tokens

        token = self._query_token(word)
        if token is not None and self.vocab_has(token):
            return True
        return any(self.vocab_has(query_tokens((word,), False, code)[0][0]) for code in self.marked_languages())

    def vocab_candidates(self, token: str, probes: Sequence[str], max_edits: int) -> list[tuple[str, int]]:
        """(term, articles holding it) for index terms starting with one of `probes` whose
        length is within `max_edits` of the token's: a range scan of the vocabulary per
        probe, each bounded (VOCAB_PROBE_LIMIT)."""
        conn = self._vocab()
        out: dict[str, int] = {}
        low, high = len(token) - max_edits, len(token) + max_edits
        for probe in probes:
            for term, docs in conn.execute(
                "SELECT term, doc FROM temp.articles_fts_vocab WHERE term >= ? AND term < ?"
                " AND length(term) BETWEEN ? AND ? LIMIT ?",
                (probe, probe + "\U0010ffff", low, high, VOCAB_PROBE_LIMIT),
            ):
                if not is_marked(term):
                    out[term] = docs
        return list(out.items())

    def surface_of(self, token: str) -> str | None:
        """A real word the index turned into `token`, read from a few articles holding it."""
        from bot.explain import _stem

        rows = self._all(
            "SELECT a.title, a.summary FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            " WHERE articles_fts MATCH ? LIMIT 5",
            ('"' + token.replace('"', '""') + '"',),
        )
        return surface_word(token, [t for r in rows for t in r], _stem)


class PostgresSearchExtras:
    """Date windows, newest first and the vocabulary, on tsvector."""

    def _newest_rows(self, node, limit: int, offset: int, since, until, languages: Sequence[str] = ()) -> list[tuple]:
        dated, dates = window_sql((since, until), languages)
        if node is None:
            return self._all(
                "SELECT a.id, a.title, a.url, a.source, a.published, a.summary, 0.0::float8 FROM articles a"
                f" WHERE true{dated} ORDER BY a.published DESC, a.id DESC LIMIT ? OFFSET ?",
                (*dates, limit, offset),
            )
        return self._all(
            "SELECT a.id, a.title, a.url, a.source, a.published, a.summary,"
            " ts_rank('{0.0, 0.0, 0.5, 1.0}', a.tsv, q, 1)::float8"
            f" FROM articles a, {TSQUERY} AS q WHERE a.tsv @@ q{dated}"
            " ORDER BY a.published DESC, a.id DESC LIMIT ? OFFSET ?",
            (to_tsquery(node), self._configs(), *dates, limit, offset),
        )

    def _count_window(self, node, since, until, languages: Sequence[str] = (), cap: int | None = None) -> int:
        """As _count_rows, within a date window and `languages` (capped: bot/store/topk.py)."""
        dated, dates = window_sql((since, until), languages)
        limit = count_limit(cap)  # LIMIT NULL: no limit
        if node is None:
            return int(self._all(f"SELECT COUNT(*) FROM (SELECT 1 FROM articles a WHERE true{dated} LIMIT ?) x",
                                 (*dates, limit))[0][0])
        return int(self._all(f"SELECT COUNT(*) FROM (SELECT 1 FROM articles a, {TSQUERY} AS q"
                             f" WHERE a.tsv @@ q{dated} LIMIT ?) x",
                             (to_tsquery(node), self._configs(), *dates, limit))[0][0])

    # ---- the vocabulary ("did you mean") -------------------------------------------------
    def index_token(self, word: str) -> str | None:
        row = self._all(f"SELECT (tsvector_to_array(to_tsvector('{TS_CONFIG}', ?)))[1]", (word,))
        return row[0][0] if row and row[0][0] else None

    def vocab_has(self, token: str) -> bool:
        return bool(self._all("SELECT 1 FROM search_vocab WHERE term = ?", (token,)))

    def knows_word(self, word: str) -> bool:
        """Whether the index holds `word` as stemmed by any configuration the archive uses
        (English's, and each other language's: see SQLiteSearchExtras.knows_word)."""
        return bool(self._all(
            "SELECT 1 FROM search_vocab WHERE term IN ("
            " SELECT (tsvector_to_array(to_tsvector(c::regconfig, ?)))[1] FROM unnest(?::text[]) AS c)",
            (word, self._configs()),
        ))

    def _has_trigrams(self) -> bool:
        cached = getattr(self, "_trigrams", None)
        if cached is None:
            cached = self._trigrams = bool(self._all("SELECT to_regclass('search_vocab_trgm') IS NOT NULL")[0][0])
        return cached

    def vocab_candidates(self, token: str, probes: Sequence[str], max_edits: int) -> list[tuple[str, int]]:
        """Index terms like `token`: by trigram similarity when pg_trgm is installed (its GIN
        index answers without reading the whole vocabulary), else by the same bounded prefix
        probes as SQLite (a btree range each). The article counts are not kept: 1 each."""
        low, high = len(token) - max_edits, len(token) + max_edits
        if self._has_trigrams():
            rows = self._all(
                "SELECT term FROM search_vocab WHERE term % ? AND length(term) BETWEEN ? AND ?"
                " ORDER BY similarity(term, ?) DESC, term LIMIT 50",
                (token, low, high, token),
            )
            if rows:
                return [(r[0], 1) for r in rows if not is_marked(r[0])]
        out: dict[str, int] = {}
        for probe in probes:
            for (term,) in self._all(
                "SELECT term FROM search_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?"
                " ORDER BY term LIMIT ?",
                (probe, probe + "\uffff", low, high, VOCAB_PROBE_LIMIT),
            ):
                if not is_marked(term):
                    out[term] = 1
        return list(out.items())

    def surface_of(self, token: str) -> str | None:
        rows = self._all(
            "SELECT a.title, a.summary FROM articles a WHERE a.tsv @@ to_tsquery('simple', ?) LIMIT 5",
            ("'" + token.replace("'", "''").replace("\\", "\\\\") + "'",),
        )
        texts = [t for r in rows for t in r]
        words = sorted({t for text in texts for _, _, t in word_spans(text)})
        if not words:
            return None
        # stemmed by the server, as the index was: in each configuration the archive uses, so
        # that a French stem (PostgreSQL's are not marked) maps back to the French word
        matching = {w for (w,) in self._all(
            "SELECT DISTINCT w FROM unnest(?::text[]) AS w, unnest(?::text[]) AS c"
            " WHERE (tsvector_to_array(to_tsvector(c::regconfig, w)))[1] = ?",
            (words, self._configs(), token),
        )}
        return surface_word(token, texts, lambda w: token if w in matching else None)
