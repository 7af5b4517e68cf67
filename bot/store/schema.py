"""Schema migrations, one list per backend, numbered alike.

The database records the version it is at (SQLite: `PRAGMA user_version`; PostgreSQL: a
`schema_version` table) and `migrate()` applies what is missing in one transaction per step,
so an old database is brought forward at start and a crash mid-migration leaves the last
complete version. Add a migration at the end; never edit one that has shipped.
"""

from __future__ import annotations

# Each migration is a list of statements. Version N is SQLITE_MIGRATIONS[N-1].
SQLITE_MIGRATIONS: list[list[str]] = [
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
        """CREATE TABLE subscriptions (
            channel TEXT PRIMARY KEY,
            at_time TEXT NOT NULL DEFAULT '09:00',
            tz TEXT NOT NULL DEFAULT 'UTC',
            watchlists TEXT NOT NULL DEFAULT '[]',
            template TEXT NOT NULL DEFAULT 'daily',
            max_items INTEGER NOT NULL DEFAULT 10,
            post_empty INTEGER NOT NULL DEFAULT 0,
            last_window_end INTEGER,
            last_error TEXT,
            last_error_at INTEGER,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE digest_runs (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            window_start INTEGER NOT NULL,
            window_end INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            plan TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            finished_at INTEGER,
            error TEXT,
            UNIQUE (channel, window_end)
        )""",
        """CREATE TABLE digest_messages (
            run_id INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            ts TEXT,
            posted_at INTEGER,
            PRIMARY KEY (run_id, seq)
        )""",
        """CREATE TABLE digest_items (
            channel TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
            PRIMARY KEY (channel, article_id)
        )""",
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
]

LATEST_VERSION = len(SQLITE_MIGRATIONS)
