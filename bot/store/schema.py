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


# The start of the tsv trigger's function (versions 10 and 11): an update that sets a stored
# article's language without changing what its tsv would hold (an English article without
# CJK text: the same configuration, no tag, no bigrams) keeps its tsv (and its title_tsv):
# the language backfill does not recompute a million tsvectors.
_TSV_UNCHANGED = (
    " IF TG_OP = 'UPDATE' AND NEW.title IS NOT DISTINCT FROM OLD.title"
    "  AND NEW.summary IS NOT DISTINCT FROM OLD.summary AND NEW.lead IS NOT DISTINCT FROM OLD.lead"
    "  AND aibrief_config(NEW.language) = aibrief_config(OLD.language)"
    "  AND aibrief_tag(NEW.language) = aibrief_tag(OLD.language)"
    "  AND (OLD.language IS NOT NULL OR (aibrief_cjk(coalesce(NEW.title, '')) = coalesce(NEW.title, '')"
    "   AND aibrief_cjk(coalesce(NEW.summary, '')) = coalesce(NEW.summary, '')"
    "   AND aibrief_cjk(coalesce(NEW.lead, '')) = coalesce(NEW.lead, ''))) THEN"
    "  RETURN NEW;"
    " END IF;"
)
RUM_INDEX = "articles_tsv_rum"  # PostgreSQL's optional ranked full-text index (bot/store/rum.py)
TITLE_RUM_INDEX = "articles_title_tsv_rum"  # the same over the titles alone (bot/store/titlefirst.py)


def _postgres_rum_index(conn) -> None:
    """Migration 11: the RUM index, when this server can give this role the extension.

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
    conn.execute(f"CREATE INDEX IF NOT EXISTS {TITLE_RUM_INDEX} ON articles USING rum (title_tsv rum_tsvector_ops)")


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

# Readers' "Save for later" lists (bot/store/saved.py): one row per reader and article;
# retention keeps an article while anyone has it saved. Same SQL on both backends.
_SAVED_TABLES = [
    """CREATE TABLE saved_items (
        user_id TEXT NOT NULL,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        saved_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, article_id)
    )""",
    "CREATE INDEX saved_items_article ON saved_items(article_id)",
]

# The optional model features (bot/llm/), the same on both backends. Being in the database,
# answers and the day's call count are shared by every replica.
_LLM_TABLES = [
    # One answer per (kind, subject, model, prompt version): "why" × article id, "relevance"
    # × article and question, "ask" × question and hits. state 'claimed' (a replica is
    # asking; claimed_at says since when) or 'done' (answer set; '' = nothing usable).
    """CREATE TABLE llm_answers (
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version INTEGER NOT NULL,
        article_id BIGINT REFERENCES articles(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        answer TEXT,
        claimed_at BIGINT NOT NULL,
        answered_at BIGINT,
        PRIMARY KEY (kind, subject, model, prompt_version)
    )""",
    "CREATE INDEX llm_answers_article ON llm_answers(article_id)",
    # Calls made per UTC day (YYYY-MM-DD), against AIBRIEF_LLM_DAILY_CALLS.
    """CREATE TABLE llm_usage (
        day TEXT PRIMARY KEY,
        calls BIGINT NOT NULL DEFAULT 0
    )""",
    # A watchlist's opt-in relevance check: the yes/no question its keyword matches are asked.
    """CREATE TABLE watchlist_checks (
        watchlist_id BIGINT PRIMARY KEY REFERENCES watchlists(id) ON DELETE CASCADE,
        question TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )""",
    # The check's verdict per match: 'yes' keeps it, 'no' drops it (reason: the model's why).
    # A match with no row here is unchecked and counts until a later pass decides it.
    """CREATE TABLE watchlist_check_results (
        watchlist_id BIGINT NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        verdict TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        checked_at BIGINT NOT NULL,
        PRIMARY KEY (watchlist_id, article_id)
    )""",
]


def _postgres_vocab_trigrams(conn) -> None:
    """A trigram index over the vocabulary when pg_trgm is there (Debian's postgresql
    package ships it); without it suggestions fall back to prefix probes."""
    import psycopg

    try:
        with conn.transaction():  # a savepoint: a refusal leaves the migration intact
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.execute("CREATE INDEX search_vocab_trgm ON search_vocab USING gin (term gin_trgm_ops)")
    except psycopg.Error:
        pass


# ---- version 10: languages -----------------------------------------------------------------
_LANGUAGE_TABLES = [
    # The languages the archive holds (bot/store/languages.py): what a query is compiled for.
    "CREATE TABLE article_languages (language TEXT PRIMARY KEY)",
]

_LANGUAGE_FTS_TRIGGERS = [
    """CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, summary, lead) VALUES (new.id,
            aibrief_index(new.title, new.language), aibrief_index(new.summary, new.language),
            aibrief_index(new.lead, new.language));
    END""",
    """CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, lead) VALUES ('delete', old.id,
            aibrief_index(old.title, old.language), aibrief_index(old.summary, old.language),
            aibrief_index(old.lead, old.language));
    END""",
    """CREATE TRIGGER articles_au AFTER UPDATE OF title, summary, lead ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, lead) VALUES ('delete', old.id,
            aibrief_index(old.title, old.language), aibrief_index(old.summary, old.language),
            aibrief_index(old.lead, old.language));
        INSERT INTO articles_fts(rowid, title, summary, lead) VALUES (new.id,
            aibrief_index(new.title, new.language), aibrief_index(new.summary, new.language),
            aibrief_index(new.lead, new.language));
    END""",
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
    # 6 (personal digests) and schedules people use: a subscription's days (`mon-fri`,
    # weekly), the DM channel conversations.open gave each person (cached), and each person's
    # own saved searches ("Notify me") with what they matched at ingest, apart from the team's
    # watchlists (bot/store/personal.py).
    [
        "ALTER TABLE subscriptions ADD COLUMN days TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE subscriptions ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE dm_channels (
            user_id TEXT PRIMARY KEY,
            channel_id TEXT NOT NULL,
            opened_at INTEGER NOT NULL
        )""",
        """CREATE TABLE personal_watches (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            query TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (user_id, query)
        )""",
        """CREATE TABLE personal_matches (
            watchlist_id INTEGER NOT NULL REFERENCES personal_watches(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            score REAL NOT NULL,
            matched_at INTEGER NOT NULL,
            PRIMARY KEY (watchlist_id, article_id)
        )""",
        "CREATE INDEX personal_matches_article ON personal_matches(article_id)",
    ],
    # 7 (saved items): readers' Save for later lists.
    [*_SAVED_TABLES],
    # 8 (model features): the optional model features' answers cache, daily call count and watchlist checks.
    list(_LLM_TABLES),
    # 9 (search vocabulary) "did you mean" reads SQLite's vocabulary straight from the
    # full-text index (an fts5vocab table in the temp schema, bot/store/searchextras.py):
    # nothing to store, so this version only keeps the numbering in step with PostgreSQL's.
    [],
    # 10 (languages): each article's detected language (bot/language.py), the archive's set of
    # languages, and an index that stems each article in its own language and splits Chinese,
    # Japanese and Korean runs into bigrams (bot/langindex.py): the index triggers now hand FTS5
    # `aibrief_index(text, language)` (a Python function every connection registers,
    # bot/store/sqlite.py) instead of the raw text. The table's tokenizer is unchanged.
    # Nothing is read or rewritten here, so the migration takes milliseconds on any archive:
    # the articles already stored get `language` NULL ("not yet detected"), which
    # `aibrief_index` indexes exactly as before (raw text), and the language backfill
    # (bot/ops/languages.py: a scheduler job on the leader, or `aibrief db languages`) detects
    # them a batch at a time, re-indexing only the rows whose index text changes. The partial
    # index finds the rows still to do without a scan and empties as the backfill goes.
    [
        "ALTER TABLE articles ADD COLUMN language TEXT",
        *_LANGUAGE_TABLES,
        "CREATE INDEX articles_language_pending ON articles(id) WHERE language IS NULL",
        "DROP TRIGGER articles_ai",
        "DROP TRIGGER articles_ad",
        "DROP TRIGGER articles_au",
        *_LANGUAGE_FTS_TRIGGERS,
    ],
    # 11 (search at scale): the articles of each language found by index, for the title-first
    # ranking's pool of articles in the archive's rarer languages (bot/store/titlefirst.py);
    # PostgreSQL's version adds a RUM index. About 2 s on 1,000,000 articles.
    [
        "CREATE INDEX articles_language ON articles(language)",
    ],
    # 12: nothing here; PostgreSQL's version indexes article length for its title-first pools.
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

def _pg_language_configs() -> list[str]:
    """A dictionary and configuration per Snowball language (as aibrief_english: unaccent,
    then the stemmer, no stop words), and aibrief_simple (unaccent, no stemming)."""
    from bot.language import LANGUAGES

    out = [
        "CREATE TEXT SEARCH CONFIGURATION aibrief_simple (COPY = aibrief_english)",
        """ALTER TEXT SEARCH CONFIGURATION aibrief_simple
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple""",
    ]
    for stemmer in sorted({lang.stemmer for lang in LANGUAGES.values() if lang.stemmer and not lang.english_like}):
        out += [
            f"CREATE TEXT SEARCH DICTIONARY aibrief_{stemmer}_stem (TEMPLATE = snowball, Language = {stemmer})",
            f"CREATE TEXT SEARCH CONFIGURATION aibrief_{stemmer} (COPY = aibrief_english)",
            f"""ALTER TEXT SEARCH CONFIGURATION aibrief_{stemmer}
                ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
                WITH unaccent, aibrief_{stemmer}_stem""",
        ]
    return out


def _pg_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


def _cjk_classes() -> tuple[str, str]:
    """Regex bracket contents: the CJK word characters (bot/langindex.py CJK_RANGES) and the
    punctuation of the CJK blocks (、。「」・ …), which PostgreSQL's parser in the C locale would
    take for letters while the query language splits words there."""
    from bot.langindex import CJK_RANGES
    from bot.words import _is_word_char

    blocks = [(0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), *CJK_RANGES]
    punct: list[tuple[int, int]] = []
    for lo, hi in sorted(blocks):
        for cp in range(lo, hi + 1):
            if 0xD800 <= cp <= 0xDFFF or _is_word_char(chr(cp)):
                continue
            if punct and punct[-1][1] == cp - 1:
                punct[-1] = (punct[-1][0], cp)
            elif not punct or punct[-1][1] < cp:
                punct.append((cp, cp))
    letters = [(lo, hi) for lo, hi in CJK_RANGES]
    return _pg_class(letters), _pg_class(punct)


def _pg_language_functions() -> list[str]:
    from bot.language import LANGUAGES

    cjk, punct = _cjk_classes()
    own = [lang for lang in LANGUAGES.values() if lang.pg_config != TS_CONFIG]
    cases = " ".join(f"WHEN '{lang.code}' THEN '{lang.pg_config}'" for lang in own)
    tagged = ", ".join(f"'{lang.code}'" for lang in own)
    return [
        # The configuration an article is indexed with, by its language code.
        "CREATE FUNCTION aibrief_config(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $fn$ SELECT (CASE lang {cases} ELSE '{TS_CONFIG}' END)::regconfig $fn$",
        # CJK runs as overlapping bigrams and their last character: 中国发布 → 中国 国发 发布 布
        # (bot/langindex.py); CJK punctuation as spaces. Text without either is returned as is.
        "CREATE FUNCTION aibrief_cjk(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ "
        f"SELECT CASE WHEN t !~ $r$[{cjk}{punct}]$r$ THEN t ELSE ("
        "  SELECT string_agg(CASE"
        f"    WHEN m[1] !~ $r$^[{cjk}]$r$ THEN m[1]"
        "    WHEN length(m[1]) = 1 THEN m[1]"
        "    ELSE (SELECT string_agg(substr(m[1], i, 2), ' ' ORDER BY i) FROM generate_series(1, length(m[1]) - 1) AS i)"
        "         || ' ' || right(m[1], 1)"
        "  END, ' ' ORDER BY n)"
        f"  FROM regexp_matches(regexp_replace(t, $r$[{punct}]+$r$, ' ', 'g'), $r$[{cjk}]+|[^{cjk}]+$r$, 'g')"
        "    WITH ORDINALITY AS x(m, n)"
        ") END $fn$",
        # The tag lexeme of an article not indexed as English: its configuration's name (a
        # lexeme no text or query word can produce: "_" splits words), so that a query compiled
        # with that configuration applies to those articles only. English rows carry none,
        # which leaves their tsvector (and ranking) exactly as before.
        "CREATE FUNCTION aibrief_tag(lang text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $fn$ SELECT (CASE lang {cases} ELSE '' END || CASE WHEN lang IN ({tagged}) THEN ':1A' ELSE '' END)::tsvector $fn$",
        # A query over an archive of several languages: the OR of it compiled with each
        # configuration in `configs` (English's first). `tagged` (to decide what matches):
        # each compiled query only for its own articles (by the tag above; English ones by
        # having none), so a French stem never matches an English row, nor does an exclusion
        # compiled in French let an English row through. Untagged (the per-word queries that
        # rank): the distinct compiled forms, ORed. With one configuration it is to_tsquery.
        # Immutable, so with constant arguments the planner folds it as it does to_tsquery.
        "CREATE FUNCTION aibrief_tsquery(q text, configs text[], tagged boolean) RETURNS tsquery "
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ "
        "DECLARE r tsquery; t tsquery; c text; o text; seen tsquery[] := '{}'; "
        "BEGIN "
        "  IF coalesce(array_length(configs, 1), 0) <= 1 THEN "
        f"    RETURN to_tsquery(coalesce(configs[1], '{TS_CONFIG}')::regconfig, q); "
        "  END IF; "
        "  FOREACH c IN ARRAY configs LOOP "
        "    t := to_tsquery(c::regconfig, q); "
        "    IF tagged AND c = configs[1] THEN "
        "      FOREACH o IN ARRAY configs[2:] LOOP t := t && !! quote_literal(o)::tsquery; END LOOP; "
        "    ELSIF tagged THEN "
        "      t := t && quote_literal(c)::tsquery; "
        "    ELSIF t = ANY(seen) THEN "
        "      CONTINUE; "
        "    END IF; "
        "    seen := seen || t; "
        "    r := CASE WHEN r IS NULL THEN t ELSE r || t END; "
        "  END LOOP; "
        "  RETURN r; "
        "END $fn$",
    ]


def _fields_tsv(config: str, words: str) -> str:
    return (
        f"setweight(to_tsvector({config}, {words.format('title')}) || {_GAP}, 'A') || "
        f"setweight(to_tsvector({config}, {words.format(f'left(summary, {_SUMMARY_INDEX_CHARS})')}) || {_GAP}, 'B') || "
        f"setweight(to_tsvector({config}, {words.format('lead')}), 'C')"
    )


# Version 10: version 3's layout, each article in its language's configuration, CJK as bigrams.
ARTICLE_TSV_10 = _fields_tsv("aibrief_config(language)", "aibrief_cjk(aibrief_words({}))") + " || aibrief_tag(language)"
_PG_LANGUAGE_FUNCTIONS = _pg_language_functions()


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
    # 6 (personal digests): see SQLite's migration of the same purpose.
    [
        "ALTER TABLE subscriptions ADD COLUMN days TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE subscriptions ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE dm_channels (
            user_id TEXT PRIMARY KEY,
            channel_id TEXT NOT NULL,
            opened_at BIGINT NOT NULL
        )""",
        """CREATE TABLE personal_watches (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            user_id TEXT NOT NULL,
            query TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (user_id, query)
        )""",
        """CREATE TABLE personal_matches (
            watchlist_id BIGINT NOT NULL REFERENCES personal_watches(id) ON DELETE CASCADE,
            article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            score DOUBLE PRECISION NOT NULL,
            matched_at BIGINT NOT NULL,
            PRIMARY KEY (watchlist_id, article_id)
        )""",
        "CREATE INDEX personal_matches_article ON personal_matches(article_id)",
    ],
    # 7 (saved items): readers' Save for later lists.
    [*_SAVED_TABLES],
    # 8 (model features): the optional model features' answers cache, daily call count and watchlist checks.
    list(_LLM_TABLES),
    # 9 (search vocabulary) every lexeme of the articles' tsvectors, for "did you
    # mean" (bot/store/searchextras.py): kept by a statement-level trigger as articles are
    # stored, filled once from what is stored, with a trigram index when pg_trgm can be
    # installed (a trusted extension: the database owner may). Terms of pruned articles
    # stay; a suggestion is only offered after it is checked to find something.
    [
        "CREATE TABLE search_vocab (term TEXT COLLATE \"C\" PRIMARY KEY)",
        """CREATE FUNCTION search_vocab_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO search_vocab(term)
            SELECT DISTINCT t FROM new_articles, unnest(tsvector_to_array(new_articles.tsv)) AS t
            ORDER BY t ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$""",
        "CREATE TRIGGER search_vocab_insert AFTER INSERT ON articles REFERENCING NEW TABLE AS new_articles"
        " FOR EACH STATEMENT EXECUTE FUNCTION search_vocab_add()",
        "CREATE TRIGGER search_vocab_update AFTER UPDATE ON articles REFERENCING NEW TABLE AS new_articles"
        " FOR EACH STATEMENT EXECUTE FUNCTION search_vocab_add()",
        "INSERT INTO search_vocab(term) SELECT word FROM ts_stat('SELECT tsv FROM articles') ORDER BY 1"
        " ON CONFLICT DO NOTHING",
        _postgres_vocab_trigrams,
    ],
    # 10 (languages): see SQLite's version 10. A text search configuration per language
    # (Snowball stems without stop words, like aibrief_english; `aibrief_simple` for languages
    # without a stemmer), each row's tsvector built with its language's configuration and CJK
    # runs split into bigrams by `aibrief_cjk` (the SQL twin of bot/langindex.py), and
    # `aibrief_tsquery` ORing a query compiled with each configuration the archive uses.
    # A generated column's expression cannot change without rewriting every row (PostgreSQL
    # 17's SET EXPRESSION aside), so tsv becomes a plain column that a BEFORE trigger computes
    # (DROP EXPRESSION keeps every stored value: no rewrite). A stored article's tsv is left
    # as it was (right for English, which the archive mostly is) until the language backfill
    # sets its language and the trigger computes it again.
    [
        "ALTER TABLE articles ADD COLUMN language TEXT",
        *_LANGUAGE_TABLES,
        "CREATE INDEX articles_language_pending ON articles(id) WHERE language IS NULL",
        *_pg_language_configs(),
        *_PG_LANGUAGE_FUNCTIONS,
        "ALTER TABLE articles ALTER COLUMN tsv DROP EXPRESSION",
        "CREATE FUNCTION aibrief_articles_tsv() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
        + _TSV_UNCHANGED
        + f" NEW.tsv := (SELECT {ARTICLE_TSV_10} FROM (SELECT NEW.title AS title, NEW.summary AS summary,"
        " NEW.lead AS lead, NEW.language AS language) AS s);"
        " RETURN NEW; END $fn$",
        "CREATE TRIGGER articles_tsv BEFORE INSERT OR UPDATE OF title, summary, lead, language ON articles"
        " FOR EACH ROW EXECUTE FUNCTION aibrief_articles_tsv()",
    ],
    # 11 (search at scale): the title-first ranking's title matches (bot/store/titlefirst.py):
    # `title_tsv`, the title lexemes of tsv (`ts_filter(tsv, '{a}')`, which is what
    # `in_title` tests), computed by the same BEFORE trigger as tsv, with a GIN index; filled
    # once here with the vocabulary trigger off (no new lexeme: they are all in tsv already).
    # A RUM index on tsv and on title_tsv where the server has the extension (bot/store/rum.py);
    # the GIN indexes stay, as the fallback and for watchlist matching. And `language`
    # indexed, as on SQLite.
    [
        "ALTER TABLE articles ADD COLUMN title_tsv tsvector",
        "CREATE OR REPLACE FUNCTION aibrief_articles_tsv() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
        + _TSV_UNCHANGED
        + f" NEW.tsv := (SELECT {ARTICLE_TSV_10} FROM (SELECT NEW.title AS title, NEW.summary AS summary,"
        " NEW.lead AS lead, NEW.language AS language) AS s);"
        " NEW.title_tsv := ts_filter(NEW.tsv, '{a}');"
        " RETURN NEW; END $fn$",
        "ALTER TABLE articles DISABLE TRIGGER search_vocab_update",
        "UPDATE articles SET title_tsv = ts_filter(tsv, '{a}')",
        "ALTER TABLE articles ENABLE TRIGGER search_vocab_update",
        "CREATE INDEX articles_title_tsv ON articles USING gin (title_tsv)",
        "CREATE INDEX articles_language ON articles(language)",
        _postgres_rum_index,
    ],
    # 12 (search at scale): article length (lexemes) indexed, so the title-first pools read
    # the shortest title matches by an index intersection (bot/store/titlefirst.py). About
    # 20 s on 1,000,000 articles. Version 11's RUM index on title_tsv goes: its order proved
    # slower than these tiers (README, "Search at scale") and every insert paid for it.
    [
        "CREATE INDEX IF NOT EXISTS articles_tsv_length ON articles (length(tsv))",
        f"DROP INDEX IF EXISTS {TITLE_RUM_INDEX}",
    ],
]

LATEST_VERSION = len(SQLITE_MIGRATIONS)
