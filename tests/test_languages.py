"""Every language a team reads: detection at ingest, stemming in each article's own language,
Chinese/Japanese/Korean words found inside longer runs, and `language:xx` — on both backends
from the one parametrized `store` fixture (tests/conftest.py)."""

from __future__ import annotations

import json

import pytest

from bot.explain import highlight_spans, holds, matched_terms
from bot.language import UNDETERMINED, detect
from bot.query import QueryError, parse, parse_search, parse_watchlist
from bot.search import search
from bot.store.schema import LATEST_VERSION
from tests.support.helpers import article
from tests.support.language_samples import LABELLED, TITLES, UNDECIDABLE

DOCS = {
    # key: (title, summary)
    "fr_reg": (
        "Le régulateur européen enquête sur un assistant d'IA",
        "La Commission a ouvert une enquête après la fuite de données de clients par un robot conversationnel.",
    ),
    "fr_pres": (
        "Le président de la CNIL s'inquiète des deepfakes électoraux",
        "Les vidéos truquées générées par intelligence artificielle se multiplient avant le scrutin.",
    ),
    "en_reg": (
        "Regulators weigh new rules for AI chatbots",
        "Lawmakers want companies to report leaks of customer data by their assistants.",
    ),
    "zh": (
        "中国发布人工智能安全治理框架",
        "文件要求企业评估大模型被滥用的风险，并建立安全事件报告制度。",
    ),
    "ja": (
        "生成AIを悪用した詐欺が急増、警察庁が注意喚起",
        "警察庁によると、ディープフェイク音声で家族になりすます手口が目立つ。",
    ),
    "ko": (
        "서울에서 인공지능 보안 회의 개최",
        "정부는 딥페이크 범죄에 대응하기 위한 새로운 대책을 발표했다.",
    ),
}


def _keys(store, query: str, *, limit: int = 50) -> set[str]:
    return {h.url.rsplit("/", 1)[-1] for h in search(store, query, limit=limit).hits}


@pytest.fixture
def loaded(store):
    feed = store.add_feed("https://example.com/feed")
    store.insert_articles(feed.id, [article(t, s, url=f"https://example.com/{k}") for k, (t, s) in DOCS.items()])
    return store


# ---- detection ----------------------------------------------------------------------------
def test_detection_on_labelled_headlines_and_leads():
    right = sum(detect(text) == lang for lang, text in LABELLED)
    assert right / len(LABELLED) >= 0.95, [(lang, detect(t), t[:30]) for lang, t in LABELLED if detect(t) != lang]
    titles = sum(detect(text) == lang for lang, text in TITLES)
    assert titles / len(TITLES) >= 0.9


@pytest.mark.parametrize("text", UNDECIDABLE)
def test_too_little_text_is_undetermined(text):
    assert detect(text) == UNDETERMINED


def test_each_article_stores_its_language(loaded):
    hits = {h.url.rsplit("/", 1)[-1]: h.language for h in search(loaded, "ai OR 中国 OR 警察 OR 서울 OR enquête", limit=50).hits}
    assert hits["fr_reg"] == "fr" and hits["zh"] == "zh" and hits["ja"] == "ja" and hits["ko"] == "ko"
    assert hits["en_reg"] == "en"
    assert set(loaded.archive_languages()) >= {"en", "fr", "zh", "ja", "ko"}


# ---- stemming per language ------------------------------------------------------------------
def test_french_is_not_stemmed_as_english(loaded):
    # English Porter stems "président" and "presidency" alike (presid); French does not, so an
    # English word must not find the French article through an English stem of a French word.
    assert "fr_pres" not in _keys(loaded, "presidency")
    # ... while the French word itself, and its other forms, do
    assert "fr_pres" in _keys(loaded, "président")
    assert "fr_pres" in _keys(loaded, "presidente")


def test_french_inflection_found_by_its_french_stem(loaded):
    # régulateur and régulation share the French stem "regul"; Porter keeps them apart
    # (regulateur vs regul): only French stemming finds one by the other.
    assert "fr_reg" in _keys(loaded, "régulation")
    assert "fr_reg" in _keys(loaded, "regulation")  # accents are optional in queries
    # English stays as it was: regulation finds regulators by their Porter stem
    assert "en_reg" in _keys(loaded, "regulation")


def test_english_stemming_and_prefixes_unchanged(loaded):
    assert "en_reg" in _keys(loaded, "regulator")
    assert {"en_reg", "fr_reg"} <= _keys(loaded, "regul*")
    assert "en_reg" in _keys(loaded, "leak")


# ---- Chinese, Japanese, Korean ---------------------------------------------------------------
@pytest.mark.parametrize("query,key", [
    ("中国", "zh"),  # the first word of a run that goes on (中国发布…)
    ("安全", "zh"),  # a word in the middle of a run
    ("治理框架", "zh"),
    ("中国发布", "zh"),
    ("警察庁", "ja"),  # Japanese: kanji inside a kanji + kana run
    ("詐欺", "ja"),
    ("서울", "ko"),  # Korean: the noun inside 서울에서 ("in Seoul")
    ("딥페이크", "ko"),
    ("title:보안", "ko"),
])
def test_cjk_word_inside_a_run_is_found(loaded, query, key):
    assert key in _keys(loaded, query)


def test_cjk_does_not_match_across_punctuation_or_non_words(loaded):
    # 风险，并建立: 险 and 并 are separated by a comma, so the "word" 险并 is not in the text
    assert _keys(loaded, "险并") == set()
    assert _keys(loaded, "国中") == set()
    assert "zh" in _keys(loaded, "风险")


def test_one_character_cjk_query(loaded):
    assert "zh" in _keys(loaded, "险")  # the last character of a run
    assert "zh" in _keys(loaded, "框")


def test_cjk_matched_terms_and_highlights_agree_with_the_index(loaded):
    hit = next(h for h in search(loaded, "中国 治理").hits if h.url.endswith("/zh"))
    assert [m.as_json() for m in hit.matched] == [{"term": "中国", "field": "title"}, {"term": "治理", "field": "title"}]
    title = DOCS["zh"][0]
    assert [title[a:b] for a, b in highlight_spans(parse("治理"), title, "zh")] == ["治理"]


def test_explain_is_language_aware():
    title, summary = DOCS["fr_reg"]
    node = parse("régulation")
    assert holds(node, title=title, summary=summary, lead="", language="fr")
    assert not holds(node, title=title, summary=summary, lead="", language="en")
    assert matched_terms(node, title=title, summary=summary, language="fr")[0].field == "title"
    assert [title[a:b] for a, b in highlight_spans(node, title, "fr")] == ["régulateur"]


# ---- watchlists see the same index ----------------------------------------------------------
def test_watchlists_match_in_every_language(store):
    store.add_watchlist("regs", "régulation OR 治理")
    feed = store.add_feed("https://example.com/feed")
    store.insert_articles(feed.id, [article(*DOCS[k], url=f"https://example.com/{k}") for k in ("fr_reg", "zh", "fr_pres")])
    caught = {h.url.rsplit("/", 1)[-1] for h in store.watchlist_matches(store.get_watchlist("regs").id, parse_watchlist("régulation OR 治理"))}
    assert caught == {"fr_reg", "zh"}


def test_default_watchlists_match_in_an_archive_of_many_languages(store):
    """The default watchlists are long (hundreds of words, NEARs): compiled once per language
    and ORed into one tsquery, they passed PostgreSQL's tsquery size limit in an archive of
    many languages ("tsquery is too large", and no match at all); matched one
    language at a time, they do not."""
    from bot.watchlists import DEFAULT_WATCHLISTS
    from dataclasses import replace

    from bot.language import LANGUAGES

    feed = store.add_feed("https://example.com/feed")
    others = [code for code, lang in LANGUAGES.items() if not lang.english_like]  # as a feed parser would tag them
    store.insert_articles(feed.id, [replace(article(f"Nouvelles {code}", "texte", url=f"https://example.com/{code}"),
                                            language=code) for code in others])
    assert len(store.marked_languages()) == len(others) >= 8
    hit = ("Prompt injection lets attackers hijack email assistants",
           "A single crafted message made the AI assistant forward the whole inbox to the attacker.")
    store.insert_articles(feed.id, [article(*hit, url="https://example.com/hit"),
                                    article("Local bakery wins a prize", "The bread was good.", url="https://example.com/miss")])
    for name in ("ai-security", "prompt-injection"):
        store.add_watchlist(name, DEFAULT_WATCHLISTS[name])  # matches the archive (raised before)
        got = {h.url for h in store.watchlist_matches(store.get_watchlist(name).id, parse_watchlist(DEFAULT_WATCHLISTS[name]))}
        assert "https://example.com/hit" in got and "https://example.com/miss" not in got
    store.insert_articles(feed.id, [article(hit[0] + " again", hit[1], url="https://example.com/late")])  # matched as stored
    wid = store.get_watchlist("ai-security").id
    assert "https://example.com/late" in {h.url for h in store.watchlist_matches(wid, parse_watchlist(DEFAULT_WATCHLISTS["ai-security"]))}


# ---- language: filter -----------------------------------------------------------------------
def test_language_filter(loaded):
    assert _keys(loaded, "ai OR intelligence OR 人工智能") >= {"fr_pres", "en_reg", "zh"}
    assert _keys(loaded, "ai OR intelligence OR 人工智能 language:fr") == {"fr_pres", "fr_reg"} & _keys(loaded, "ai OR intelligence OR 人工智能")
    assert _keys(loaded, "language:zh 人工智能") == {"zh"}
    result = search(loaded, "intelligence language:fr")
    assert result.total == 1 and all(h.language == "fr" for h in result.hits)
    assert search(loaded, "intelligence language:de").total == 0


def test_language_filter_is_validated():
    with pytest.raises(QueryError) as exc:
        parse_search("china language:xx")
    assert "language:xx" in str(exc.value) and "fr" in str(exc.value)
    assert exc.value.position == 6
    query = parse_search("china Language:FR travel language:de language:fr")
    assert query.filters["language"] == ("fr", "de") and query.node == parse("china travel")
    with pytest.raises(QueryError):
        parse_search("language:")
    with pytest.raises(QueryError):  # a filter, not a word: not excluded, not inside a group
        parse_search("china -language:fr")
    with pytest.raises(QueryError):
        parse("china language:fr")


def test_search_json_gives_language(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.store import open_store

    db = tmp_path / "db.sqlite"
    store = open_store(str(db))
    feed = store.add_feed("https://example.com/feed")
    store.insert_articles(feed.id, [article(t, s, url=f"https://example.com/{k}") for k, (t, s) in DOCS.items()])
    store.close()
    monkeypatch.setenv("AIBRIEF_DATABASE", str(db))
    assert main(["search", "intelligence OR 人工智能", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert {h["url"].rsplit("/", 1)[-1]: h["language"] for h in hits} == {"fr_pres": "fr", "zh": "zh"}
    assert main(["search", "intelligence language:fr", "--json"]) == 0
    assert [h["language"] for h in json.loads(capsys.readouterr().out)] == ["fr"]
    assert main(["search", "intelligence language:zz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "language:zz" in err and "Traceback" not in err


def test_language_filter_with_date_window_and_newest_first(store):
    """language: (h16b) and the date filters / sort:new (h16a) narrow one search together,
    in the ranked path, the newest-first path, a query of only filters and the count."""
    from datetime import datetime, timezone

    feed = store.add_feed("https://example.com/feed")
    day = {"fr_reg": 1, "fr_pres": 10, "en_reg": 10, "zh": 10}
    store.insert_articles(feed.id, [
        article(*DOCS[k], url=f"https://example.com/{k}", published=datetime(2025, 3, d, 12, tzinfo=timezone.utc))
        for k, d in day.items()
    ])
    now = datetime(2025, 3, 20, tzinfo=timezone.utc)
    words = "intelligence OR régulation OR regulators OR 人工智能"
    assert _keys(store, words) == {"fr_reg", "fr_pres", "en_reg", "zh"}
    for extra in ("", " sort:new"):
        result = search(store, f"{words} language:fr since:2025-03-05{extra}", now=now)
        assert [h.url.rsplit("/", 1)[-1] for h in result.hits] == ["fr_pres"] and result.total == 1
        result = search(store, f"{words} language:fr language:zh newer:14d{extra}", now=now)
        assert {h.url.rsplit("/", 1)[-1] for h in result.hits} == {"fr_pres", "zh"} and result.total == 2
    listing = search(store, "language:fr sort:new", now=now)
    assert [h.url.rsplit("/", 1)[-1] for h in listing.hits] == ["fr_pres", "fr_reg"] and listing.total == 2
    assert search(store, "language:fr until:2025-03-05", now=now).total == 1
    assert search(store, "regulators language:fr", now=now).total == 0
    hits, total = store.bounded_search(parse(words), limit=10, budget_s=5, since=None, until=None, languages=("zh",))
    assert [h.language for h in hits] == ["zh"] and total == 1


def test_did_you_mean_never_offers_another_language_stem(loaded):
    """SQLite's vocabulary holds French stems with their language's private-use marker and
    PostgreSQL's the tag lexemes (`aibrief_french`): neither is a word to offer. A typo near a
    French stem gets no suggestion made of a marked stem (on PostgreSQL, whose French stems are
    unmarked, the French word as printed)."""
    for typo in ("enqute", "presidnt"):
        suggestion = search(loaded, typo).suggestion
        assert suggestion is None or suggestion in {"enquête", "président"}, (typo, suggestion)
    for term, _ in loaded.vocab_candidates("aibrief_frenc", ["ai"], 2):
        assert "_" not in term and not ("\ue000" <= term[-1] <= "\uf8ff")


def test_a_word_held_in_another_language_is_not_corrected(loaded):
    assert loaded.knows_word("enquête") and loaded.knows_word("présidents") and loaded.knows_word("regulators")
    assert not loaded.knows_word("quokka")
    assert search(loaded, "enquête").suggestion is None


# ---- migrating a populated database -----------------------------------------------------------
def _store_as_version_9(s) -> None:
    """Bring `s` to the schema version before languages and store DOCS as that version did."""
    s.migrate(target=9)
    feed = s.add_feed("https://example.com/feed")
    with s.transaction() as tx:
        for key, (title, summary) in DOCS.items():
            tx.run(
                "INSERT INTO articles(feed_id, dedupe_key, url, title, summary, lead, source, published, fetched) "
                "VALUES (?, ?, ?, ?, ?, ?, 'Example', 1700000000, 1700000000)",
                (feed.id, key, f"https://example.com/{key}", title, summary, summary),
            )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store(request, tmp_path):
    """A store at the schema version before languages (9), with articles stored by that version."""
    from bot.store import PostgresStore, SQLiteStore

    if request.param == "sqlite":
        s = SQLiteStore(str(tmp_path / "old.db"), migrate=False)
        url = None
    else:
        url = request.getfixturevalue("pg_url")
        s = PostgresStore(url, migrate=False)
    _store_as_version_9(s)
    yield s
    s.close()


def test_migration_leaves_stored_articles_searchable_and_the_backfill_detects_them(old_store):
    from bot.ops.languages import backfill

    assert old_store.migrate() == LATEST_VERSION  # 10 (languages) and every later one
    # the migration reads no article: they wait for the backfill, searched as before meanwhile
    assert old_store.count_without_language() == len(DOCS)
    assert "en_reg" in _keys(old_store, "regulation")
    assert "fr_reg" in _keys(old_store, "régulateur")  # the word as written (indexed as English, as before)
    # a new article is detected at once and does not wait
    old_store.insert_articles(None, [article("Le régulateur enquête", "Une enquête est ouverte.", url="https://example.com/new")])
    assert old_store.count_without_language() == len(DOCS)
    # the backfill, in batches smaller than the rows to do
    assert backfill(old_store, batch=4) == len(DOCS)
    assert old_store.count_without_language() == 0
    assert backfill(old_store) == 0
    langs = dict(old_store._all("SELECT dedupe_key, language FROM articles WHERE dedupe_key IN ('fr_reg', 'fr_pres', 'en_reg', 'zh', 'ja', 'ko')"))
    assert langs == {"fr_reg": "fr", "fr_pres": "fr", "en_reg": "en", "zh": "zh", "ja": "ja", "ko": "ko"}
    assert set(old_store.archive_languages()) == {"en", "fr", "zh", "ja", "ko"}
    assert "zh" in _keys(old_store, "中国")
    assert "ko" in _keys(old_store, "서울")
    assert "fr_reg" in _keys(old_store, "régulation")
    assert "fr_pres" not in _keys(old_store, "presidency")
    assert "en_reg" in _keys(old_store, "regulation")
    # the vocabulary "did you mean" reads (version 9) knows the stems of every language, and
    # its PostgreSQL triggers see the backfill's updates and new articles
    assert old_store.knows_word("régulateur") and not old_store.knows_word("quokkas")
    old_store.insert_articles(None, [article("Quokkas spotted", "Two quokkas were seen.", url="https://example.com/q")])
    assert old_store.knows_word("quokkas")
    # the index stays consistent with its rows: updating and deleting re-indexes exactly
    with old_store.transaction() as tx:
        tx.run("UPDATE articles SET title = ? WHERE dedupe_key = 'zh'", ("深度伪造诈骗案告破",))
    assert "zh" in _keys(old_store, "诈骗") and _keys(old_store, "中国") == set()
    with old_store.transaction() as tx:
        tx.run("DELETE FROM articles")
    assert _keys(old_store, "诈骗 OR regulation OR régulation") == set()
    if old_store.backend == "sqlite":
        old_store._all("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, articles_fts, instance)")
        assert old_store._all("SELECT COUNT(*) FROM temp.v") == [(0,)]



def _old_sqlite(path) -> None:
    """A SQLite file at version 9 with DOCS stored by that version."""
    from bot.store import SQLiteStore

    s = SQLiteStore(str(path), migrate=False)
    _store_as_version_9(s)
    s.close()


def test_doctor_tells_and_db_languages_does_the_backfill(tmp_path, monkeypatch, capsys):
    from bot.config import load_settings
    from bot.ops.doctor import check_database
    from bot.store import open_store
    from tests.support.cli import run

    path = tmp_path / "db.sqlite"
    _old_sqlite(path)
    monkeypatch.setenv("AIBRIEF_DATABASE", str(path))
    code, out, err = run(capsys, "db", "migrate")
    assert code == 0 and f"to {LATEST_VERSION}" in out
    findings, store = check_database(load_settings(env_file=None), open_store)
    store.close()
    assert any(f"{len(DOCS):,} article(s) stored before languages" in f.text for f in findings)
    code, out, err = run(capsys, "db", "languages")
    assert code == 0, err
    assert f"Detected the language of {len(DOCS)} articles" in out and "fr 2" in out
    findings, store = check_database(load_settings(env_file=None), open_store)
    assert not any("before languages" in f.text for f in findings)
    assert "zh" in _keys(store, "中国")
    store.close()
    code, out, err = run(capsys, "db", "languages")
    assert code == 0 and "nothing to do" in out


def test_the_scheduler_backfills_on_the_leader_only(tmp_path):
    from bot.ops.jobs import languages_job
    from bot.store import SQLiteStore

    path = tmp_path / "db.sqlite"
    _old_sqlite(path)
    store = SQLiteStore(str(path))

    class Sched:
        def __init__(self, leads):
            self.store, self._leads = store, leads

        def leads(self):
            return self._leads

    assert languages_job(Sched(False)) == 0 and store.count_without_language() == len(DOCS)
    assert languages_job(Sched(True)) == len(DOCS) and store.count_without_language() == 0
    assert "ko" in _keys(store, "서울")
    store.close()
