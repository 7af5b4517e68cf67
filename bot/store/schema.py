"""Schema migrations, one list per backend, numbered alike.

The database records the version it is at (SQLite: `PRAGMA user_version`; PostgreSQL: a
`schema_version` table) and `migrate()` applies what is missing in one transaction per step,
so an old database is brought forward at start and a crash mid-migration leaves the last
complete version. Add a migration at the end; never edit one that has shipped.
"""

from __future__ import annotations

from typing import Callable

from bot.lead import lead_of

# Each migration is a list of steps: SQL statements, or a function given the raw connection
# for what SQL cannot do (computing each stored article's lead in Python). Version N is
# SQLITE_MIGRATIONS[N-1].
Step = str | Callable

_LEAD_BATCH = 2000


def _sqlite_backfill_leads(conn) -> None:
    conn.create_function("aibrief_lead", 1, lead_of, deterministic=True)
    conn.execute("UPDATE articles SET lead = aibrief_lead(summary)")


RUM_INDEX = "articles_tsv_rum"  # PostgreSQL's optional ranked full-text index (bot/store/rum.py)


def _postgres_rum_index(conn) -> None:
    """Migration 6: the RUM index, when this server can give this role the extension.

    CREATE EXTENSION needs the package on the server and a role allowed to create it (or an
    admin who ran it before); when either is missing the savepoint is rolled back and the
    database keeps GIN only: nothing else depends on RUM.
    """
    import psycopg

    try:
        with conn.transaction():  # a savepoint: a refusal must not abort the migration
            conn.execute("CREATE EXTENSION IF NOT EXISTS rum")
    except psycopg.Error:
        return
    conn.execute(f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON articles USING rum (tsv rum_tsvector_ops)")


def _postgres_backfill_leads(conn) -> None:
    last = 0
    while True:
        rows = conn.execute(
            "SELECT id, summary FROM articles WHERE id > %s ORDER BY id LIMIT %s", (last, _LEAD_BATCH)
        ).fetchall()
        if not rows:
            return
        with conn.cursor() as cur:
            cur.executemany("UPDATE articles SET lead = %s WHERE id = %s", [(lead_of(t), i) for i, t in rows])
        last = rows[-1][0]


_FTS_TRIGGERS = [
    """CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, summary, lead) VALUES (new.id, new.title, new.summary, new.lead);
    END""",
    """CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, lead)
        VALUES ('delete', old.id, old.title, old.summary, old.lead);
    END""",
    """CREATE TRIGGER articles_au AFTER UPDATE OF title, summary, lead ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, lead)
        VALUES ('delete', old.id, old.title, old.summary, old.lead);
        INSERT INTO articles_fts(rowid, title, summary, lead) VALUES (new.id, new.title, new.summary, new.lead);
    END""",
]

# Tables of this round's briefing-quality work, the same on both backends.
_BRIEFING_TABLES = [
    # "Not relevant" votes: one per user and digest item (article, watchlist, channel).
    """CREATE TABLE feedback_votes (
        user_id TEXT NOT NULL,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        watchlist TEXT NOT NULL,
        channel TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, article_id, watchlist, channel)
    )""",
    "CREATE INDEX feedback_votes_watchlist ON feedback_votes(watchlist, created_at)",
    # An admin's "not this one" for a watchlist, by the article's (canonical) URL, so that a
    # copy stored again later stays out too.
    """CREATE TABLE watchlist_exclusions (
        watchlist_id BIGINT NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (watchlist_id, url)
    )""",
    # Sources a channel no longer gets (by the article's source name or its site's host).
    """CREATE TABLE channel_mutes (
        channel TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (channel, source)
    )""",
]

SQLITE_MIGRATIONS: list[list[Step]] = [
    # 1: feeds, articles with their full-text index, watchlists and matches.
    [
        """CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            etag TEXT,
            last_modified TEXT,
            last_success INTEGER,
            last_error TEXT,
            last_error_at INTEGER,
            error_count INTEGER NOT NULL DEFAULT 0,
            next_poll INTEGER,
            enabled INTEGER NOT NULL DEFAULT 1,
            added_at INTEGER NOT NULL
        )""",
        """CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            guid TEXT,
            url TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            source TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            published INTEGER NOT NULL,
            fetched INTEGER NOT NULL
        )""",
        "CREATE INDEX articles_published ON articles(published)",
        "CREATE INDEX articles_url ON articles(url)",
        """CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, summary, content='articles', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        )""",
        """CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
        END""",
        """CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
        END""",
        """CREATE TRIGGER articles_au AFTER UPDATE OF title, summary ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
            INSERT INTO articles_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
        END""",
        """CREATE TABLE watchlists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )""",
        """CREATE TABLE matches (
            watchlist_id INTEGER NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            score REAL NOT NULL,
            matched_at INTEGER NOT NULL,
            PRIMARY KEY (watchlist_id, article_id)
        )""",
        "CREATE INDEX matches_article ON matches(article_id)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    # 2: digest subscriptions, exactly-once digest runs, and the admin audit log.
    [
        # Digest subscriptions (bot/store/digests.py). watchlists: JSON list of names, NULL = all.
        """CREATE TABLE subscriptions (
            channel TEXT PRIMARY KEY,
            at_time TEXT NOT NULL DEFAULT '09:00',
            tz TEXT NOT NULL DEFAULT 'UTC',
            watchlists TEXT,
            template TEXT NOT NULL DEFAULT 'daily',
            max_items INTEGER NOT NULL DEFAULT 10,
            post_empty INTEGER NOT NULL DEFAULT 0,
            enabled INTEGER NOT NULL DEFAULT 1,
            last_window_end INTEGER,
            last_scheduled_date TEXT,
            last_error TEXT,
            last_error_at INTEGER,
            error_count INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            updated_at INTEGER NOT NULL,
            updated_by TEXT NOT NULL DEFAULT ''
        )""",
        # One row per digest, written with its whole message plan before the first post;
        # UNIQUE (channel, window_end) and the lease keep two processes from posting it twice.
        """CREATE TABLE digest_runs (
            id INTEGER PRIMARY KEY,
            run_key TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            window_start INTEGER NOT NULL,
            window_end INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            template TEXT NOT NULL DEFAULT '',
            plan TEXT NOT NULL,
            item_count INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            finished_at INTEGER,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_until INTEGER,
            UNIQUE (channel, window_end)
        )""",
        "CREATE INDEX digest_runs_status ON digest_runs(status, channel)",
        # Each planned message: attempted_at is set before the API call, ts after it.
        """CREATE TABLE digest_messages (
            run_id INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            thread INTEGER NOT NULL DEFAULT 0,
            attempted_at INTEGER,
            ts TEXT,
            posted_at INTEGER,
            PRIMARY KEY (run_id, seq)
        )""",
        # The articles a channel has been sent (reserved when its run is created).
        """CREATE TABLE digest_items (
            channel TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
            PRIMARY KEY (channel, article_id)
        )""",
        "CREATE INDEX digest_items_run ON digest_items(run_id)",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before TEXT,
            after TEXT
        )""",
        "CREATE INDEX audit_log_at ON audit_log(at)",
    ],
    # 3: each article's lead indexed as a field of its own (watchlists read title + lead),
    # readers' "not relevant" votes, watchlist exclusions and per-channel muted sources.
    [
        "ALTER TABLE articles ADD COLUMN lead TEXT NOT NULL DEFAULT ''",
        _sqlite_backfill_leads,
        "DROP TRIGGER articles_ai",
        "DROP TRIGGER articles_ad",
        "DROP TRIGGER articles_au",
        "DROP TABLE articles_fts",
        """CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, summary, lead, content='articles', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        )""",
        *_FTS_TRIGGERS,
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
        *_BRIEFING_TABLES,
    ],
    # 4 (replay protection): Slack requests already accepted in HTTP mode — each
    # signature, and each event_id, until it expires — shared by every replica.
    [
        """CREATE TABLE slack_seen (
            key TEXT PRIMARY KEY,
            expires_at INTEGER NOT NULL
        )""",
        "CREATE INDEX slack_seen_expires ON slack_seen(expires_at)",
    ],
    # 5: feed health and full text. Tables of their own, nothing else altered:
    # the last poll's outcome per feed (so `feeds list` can tell "unchanged (304)" from "ok"),
    # which feeds fetch each new article's page, and per article the page's state and the
    # feed's own teaser (shown in digests while `articles.summary` carries the extracted text
    # for the full-text index).
    [
        """CREATE TABLE feed_polls (
            feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
            polled_at INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            status INTEGER,
            items INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE feed_fulltext (
            feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
            enabled INTEGER NOT NULL DEFAULT 1,
            pages_ok INTEGER NOT NULL DEFAULT 0,
            pages_failed INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_error_at INTEGER
        )""",
        """CREATE TABLE article_fulltext (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            teaser TEXT,
            error TEXT,
            queued_at INTEGER NOT NULL,
            done_at INTEGER
        )""",
        "CREATE INDEX article_fulltext_state ON article_fulltext(state, feed_id)",
    ],
    # 6 (top-k search): nothing on SQLite (FTS5 has no ranked index); PostgreSQL's RUM index.
    [],
]

# ---------------------------------------------------------------------------------------
# PostgreSQL: the same versions and tables. Times are BIGINT unix seconds, ids identity
# columns (BY DEFAULT, so `aibrief db copy` can keep a SQLite database's ids), and the
# full-text index is a generated tsvector with a GIN index instead of an FTS5 table.
#
# Text search configuration `aibrief_english`: PostgreSQL's English (Snowball) stemmer with
# diacritics removed, but *without* its stop-word list and fed text whose ASCII punctuation
# is turned into spaces (`aibrief_words`). Why not plain 'english': it silently drops stop
# words, so `IT security` would search for `security` alone and `IT` or `who` would match
# nothing, and its parser keeps `example.com`, `v1.2` or `gpt-4o` as single lexemes that a
# query word never equals. With these two changes a document splits into words exactly
# where the query language (and SQLite's unicode61 tokenizer) splits them.
# ---------------------------------------------------------------------------------------
TS_CONFIG = "aibrief_english"

# Split points the default parser would otherwise treat as part of a word (hosts, versions,
# hyphenated words, apostrophes), and typographic punctuation, which a database created
# with the C locale would take for letters.
_PUNCTUATION = (
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "\u00a0\u00ab\u00b7\u00bb\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019\u201a\u201b"
    "\u201c\u201d\u201e\u201f\u2022\u2026\u2032\u2033\u2039\u203a\u3000"
)
# A regex bracket expression of exactly those characters (no locale-dependent classes).
_PUNCTUATION_CLASS = "[" + "".join("\\" + c if c in "[]\\^-" else c for c in _PUNCTUATION) + "]+"
# tsvector has a 1 MB limit; a summary this long (feeds cap it at 2,000) cannot reach it.
_SUMMARY_INDEX_CHARS = 100_000
# A lexeme no query can produce (queries hold letters and digits only), one position after
# the title: phrases (`<->`) never match across the end of the title into the summary,
# as they cannot across FTS5 columns.
_GAP = "$$' ':1$$::tsvector"

ARTICLE_TSV = (
    f"setweight(to_tsvector('{TS_CONFIG}', aibrief_words(title)) || {_GAP}, 'A') || "
    f"setweight(to_tsvector('{TS_CONFIG}', aibrief_words(left(summary, {_SUMMARY_INDEX_CHARS}))), 'B')"
)

# Version 3 adds the lead as weight C after the summary (and a gap, so that no phrase runs
# from the summary's end into the lead): a scope names it, and search counts a lead word
# once more than a body word, on both backends alike.
ARTICLE_TSV_3 = (
    f"setweight(to_tsvector('{TS_CONFIG}', aibrief_words(title)) || {_GAP}, 'A') || "
    f"setweight(to_tsvector('{TS_CONFIG}', aibrief_words(left(summary, {_SUMMARY_INDEX_CHARS}))) || {_GAP}, 'B') || "
    f"setweight(to_tsvector('{TS_CONFIG}', aibrief_words(lead)), 'C')"
)

POSTGRES_MIGRATIONS: list[list[Step]] = [
    # 1: feeds, articles with their full-text index, watchlists and matches.
    [
        # A trusted extension since PostgreSQL 13: the database owner may create it.
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        # Snowball's English stemmer without a StopWords list: every word counts.
        "CREATE TEXT SEARCH DICTIONARY aibrief_english_stem (TEMPLATE = snowball, Language = english)",
        f"CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = english)",
        f"""ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG}
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
            WITH unaccent, aibrief_english_stem""",
        f"""ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG}
            ALTER MAPPING FOR numword, numhword, hword_numpart WITH unaccent, simple""",
        # regexp_replace, not translate(): translate is ~40x slower on multibyte lists, and
        # this runs on every article stored.
        "CREATE FUNCTION aibrief_words(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $fn$ SELECT regexp_replace(t, $p${_PUNCTUATION_CLASS}$p$, ' ', 'g') $fn$",
        """CREATE TABLE feeds (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            etag TEXT,
            last_modified TEXT,
            last_success BIGINT,
            last_error TEXT,
            last_error_at BIGINT,
            error_count INTEGER NOT NULL DEFAULT 0,
            next_poll BIGINT,
            enabled INTEGER NOT NULL DEFAULT 1,
            added_at BIGINT NOT NULL
        )""",
        f"""CREATE TABLE articles (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            feed_id BIGINT REFERENCES feeds(id) ON DELETE SET NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            guid TEXT,
            url TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            source TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            published BIGINT NOT NULL,
            fetched BIGINT NOT NULL,
            tsv tsvector GENERATED ALWAYS AS ({ARTICLE_TSV}) STORED
        ) WITH (toast_tuple_target = 8160)""",
        # Keep the tsvector in the row, not in the TOAST table: ranking reads it several
        # times per matching article (ts_rank per query word, the title filter), and each
        # read of a TOASTed value fetches and reassembles it again (measured: ~4x slower
        # searches on 100,000 articles). A row here stays well under a page.
        "ALTER TABLE articles ALTER COLUMN tsv SET STORAGE MAIN",
        "CREATE INDEX articles_published ON articles(published)",
        "CREATE INDEX articles_url ON articles(url)",
        "CREATE INDEX articles_feed ON articles(feed_id)",
        "CREATE INDEX articles_tsv ON articles USING gin (tsv)",
        """CREATE TABLE watchlists (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )""",
        """CREATE TABLE matches (
            watchlist_id BIGINT NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
            article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            score DOUBLE PRECISION NOT NULL,
            matched_at BIGINT NOT NULL,
            PRIMARY KEY (watchlist_id, article_id)
        )""",
        "CREATE INDEX matches_article ON matches(article_id)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    # 2: digest subscriptions, exactly-once digest runs, and the admin audit log.
    [
        """CREATE TABLE subscriptions (
            channel TEXT PRIMARY KEY,
            at_time TEXT NOT NULL DEFAULT '09:00',
            tz TEXT NOT NULL DEFAULT 'UTC',
            watchlists TEXT,
            template TEXT NOT NULL DEFAULT 'daily',
            max_items INTEGER NOT NULL DEFAULT 10,
            post_empty INTEGER NOT NULL DEFAULT 0,
            enabled INTEGER NOT NULL DEFAULT 1,
            last_window_end BIGINT,
            last_scheduled_date TEXT,
            last_error TEXT,
            last_error_at BIGINT,
            error_count INTEGER NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            updated_at BIGINT NOT NULL,
            updated_by TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE digest_runs (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            run_key TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            window_start BIGINT NOT NULL,
            window_end BIGINT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            template TEXT NOT NULL DEFAULT '',
            plan TEXT NOT NULL,
            item_count INTEGER NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            finished_at BIGINT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_until BIGINT,
            UNIQUE (channel, window_end)
        )""",
        "CREATE INDEX digest_runs_status ON digest_runs(status, channel)",
        """CREATE TABLE digest_messages (
            run_id BIGINT NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            thread INTEGER NOT NULL DEFAULT 0,
            attempted_at BIGINT,
            ts TEXT,
            posted_at BIGINT,
            PRIMARY KEY (run_id, seq)
        )""",
        """CREATE TABLE digest_items (
            channel TEXT NOT NULL,
            article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            run_id BIGINT NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
            PRIMARY KEY (channel, article_id)
        )""",
        "CREATE INDEX digest_items_run ON digest_items(run_id)",
        """CREATE TABLE audit_log (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before TEXT,
            after TEXT
        )""",
        "CREATE INDEX audit_log_at ON audit_log(at)",
    ],
    # 3: see SQLite's version 3.
    [
        "ALTER TABLE articles ADD COLUMN lead TEXT NOT NULL DEFAULT ''",
        _postgres_backfill_leads,
        "ALTER TABLE articles DROP COLUMN tsv",
        f"ALTER TABLE articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({ARTICLE_TSV_3}) STORED",
        "ALTER TABLE articles ALTER COLUMN tsv SET STORAGE MAIN",
        "CREATE INDEX articles_tsv ON articles USING gin (tsv)",
        *_BRIEFING_TABLES,
    ],
    # 4 (replay protection): Slack requests already accepted in HTTP mode — each
    # signature, and each event_id, until it expires — shared by every replica.
    [
        """CREATE TABLE slack_seen (
            key TEXT PRIMARY KEY,
            expires_at BIGINT NOT NULL
        )""",
        "CREATE INDEX slack_seen_expires ON slack_seen(expires_at)",
    ],
    # 5: feed health and full text. Tables of their own, nothing else altered:
    # the last poll's outcome per feed (so `feeds list` can tell "unchanged (304)" from "ok"),
    # which feeds fetch each new article's page, and per article the page's state and the
    # feed's own teaser (shown in digests while `articles.summary` carries the extracted text
    # for the full-text index).
    [
        """CREATE TABLE feed_polls (
            feed_id BIGINT PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
            polled_at BIGINT NOT NULL,
            outcome TEXT NOT NULL,
            status INTEGER,
            items INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE feed_fulltext (
            feed_id BIGINT PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
            enabled INTEGER NOT NULL DEFAULT 1,
            pages_ok INTEGER NOT NULL DEFAULT 0,
            pages_failed INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_error_at BIGINT
        )""",
        """CREATE TABLE article_fulltext (
            article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            feed_id BIGINT REFERENCES feeds(id) ON DELETE SET NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            teaser TEXT,
            error TEXT,
            queued_at BIGINT NOT NULL,
            done_at BIGINT
        )""",
        "CREATE INDEX article_fulltext_state ON article_fulltext(state, feed_id)",
    ],
    # 6 (top-k search): a RUM index on the tsvector where the server has the extension
    # (bot/store/rum.py); the GIN index stays, as the fallback and for watchlist matching.
    [_postgres_rum_index],
]

LATEST_VERSION = len(SQLITE_MIGRATIONS)
