"""Search that forgives and shows (issue 16, items 1–4): filters and order, highlights over
the best passage, one hit per story, and "did you mean" — each on both backends from the
shared `store` fixture, on the bundled sample feeds where real text matters."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.query import QueryError, parse, parse_search, search_words, without_filters
from bot.queryfilters import window
from bot.search import search
from bot.suggest import distance
from tests.support.helpers import article
from tests.support.samples import load_samples

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


@pytest.fixture
def samples(store):
    load_samples(store)
    return store


@pytest.fixture
def dated(store):
    """Five articles about china travel, one a month from January to May 2025."""
    feed = store.add_feed("https://example.com/feed")
    store.insert_articles(feed.id, [
        article(f"China travel notes {m}", f"Month {m}: China travel rules, part {m}.",
                url=f"https://example.com/m{m}", published=datetime(2025, m, 15, 12, tzinfo=timezone.utc),
                source=f"Outlet {m}")
        for m in range(1, 6)
    ])
    return store


def months(result) -> list[int]:
    return [int(h.url.rsplit("m", 1)[-1]) for h in result.hits]


# ---- the query language: filters ------------------------------------------------------------
def test_filters_are_parsed_apart_from_the_words():
    q = parse_search("china since:2025-03-01 until:2025-03-31 sort:new travel")
    assert q.node == parse("china travel")
    assert q.filters == {"since": datetime(2025, 3, 1).date(), "until": datetime(2025, 3, 31).date(), "sort": "new"}
    assert parse_search("newer:7d").node is None  # only filters: a listing
    assert parse_search("newer:12h x").filters["newer"] == timedelta(hours=12)
    assert parse_search("newer:2w x").filters["newer"] == timedelta(weeks=2)
    # a word with a colon that is not a filter is still words
    assert parse_search("col:china").node == parse("col:china")


@pytest.mark.parametrize("query, position, words", [
    ("china since:2025-3-1", 6, "YYYY-MM-DD"),
    ("china since:2025-02-30", 6, "not a calendar date"),
    ("until: china", 0, "YYYY-MM-DD"),
    ("china newer:7y", 6, "h, d or w"),
    ("china sort:oldest", 6, "sort:new"),
    ("china -since:2025-01-01", 6, "cannot be excluded"),
    ("china NOT since:2025-01-01", 10, "cannot be excluded"),
    ("china OR since:2025-01-01", 9, "without AND, OR or NEAR"),
    ("(china since:2025-01-01)", 7, "outside the parentheses"),
    ("china sort:new sort:new", 15, "given twice"),
    ("china since:2025-03-02 until:2025-03-01", 23, "swap the dates"),
])
def test_a_bad_filter_gets_a_message_pointing_at_it(query, position, words):
    with pytest.raises(QueryError) as err:
        parse_search(query)
    assert err.value.position == position and words in str(err.value)


def test_watchlists_refuse_filters_and_watch_this_drops_them():
    with pytest.raises(QueryError, match="cannot be part of a watchlist"):
        parse("china since:2025-01-01")
    assert without_filters("china  since:2025-01-01 travel sort:new") == "china travel"
    from bot.query import filters_as_typed

    assert filters_as_typed("china  since:2025-01-01 travel sort:new language:fr") == [
        "since:2025-01-01", "sort:new", "language:fr"]
    assert filters_as_typed("china travel") == []


def test_window_is_inclusive_whole_days_in_utc():
    q = parse_search("x since:2025-03-01 until:2025-03-31")
    low, high = window(q.filters, NOW)
    assert datetime.fromtimestamp(low, timezone.utc) == datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert datetime.fromtimestamp(high + 1, timezone.utc) == datetime(2025, 4, 1, tzinfo=timezone.utc)
    # newer: and since: together: the later bound wins
    low, _ = window(parse_search("x since:2025-01-01 newer:7d").filters, NOW)
    assert low == int((NOW - timedelta(days=7)).timestamp())


# ---- dates and order on both backends --------------------------------------------------------
def test_date_filters_narrow_in_the_database(dated):
    assert sorted(months(search(dated, "china travel since:2025-03-01"))) == [3, 4, 5]
    assert sorted(months(search(dated, "china travel until:2025-02-15"))) == [1, 2]  # the whole day
    r = search(dated, "china since:2025-02-01 until:2025-03-31")
    assert sorted(months(r)) == [2, 3] and r.total == 2
    assert sorted(months(search(dated, "china newer:40d", now=NOW))) == [5]
    assert months(search(dated, "china newer:40d", now=NOW + timedelta(days=365))) == []


def test_sort_new_orders_by_date_and_filters_alone_list_the_newest(dated):
    assert months(search(dated, "china travel sort:new")) == [5, 4, 3, 2, 1]
    assert months(search(dated, "china sort:new until:2025-03-31", limit=2)) == [3, 2]
    listing = search(dated, "since:2025-02-01 until:2025-04-30")
    assert months(listing) == [4, 3, 2] and listing.total == 3
    assert months(search(dated, "sort:new", limit=3)) == [5, 4, 3]
    # paging through a newest-first listing
    assert months(search(dated, "sort:new", limit=2, offset=2)) == [3, 2]


# ---- highlights over the best passage ------------------------------------------------------
def test_snippet_centres_on_the_passage_with_most_distinct_words_and_marks_them(store):
    filler = "Officials met on Tuesday to discuss several unrelated matters of budget and staffing. " * 6
    summary = ("China said little at first. " + filler
               + "Later the ministry said China will ease travel rules for researchers. " + filler)
    store.insert_articles(None, [article("Weekly notes", summary, url="https://example.com/w")])
    hit = search(store, "china travel").hits[0]
    assert "China will ease travel rules" in hit.snippet and hit.snippet.startswith("…")
    marked = [hit.snippet[a:b] for a, b in hit.highlights]
    assert marked.count("travel") == 1 and "China" in marked
    shape = hit.as_json()
    assert shape["highlights"] == [list(s) for s in hit.highlights] and shape["snippet"] == hit.snippet


def test_highlights_cover_stems_and_prefixes(store):
    store.insert_articles(None, [article("Travelling securely", "Travellers and security teams agree.",
                                         url="https://example.com/s")])
    hit = search(store, "travel secur*").hits[0]
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["Travellers", "security"]
    assert [hit.title[a:b] for a, b in hit.title_highlights] == ["Travelling", "securely"]


# ---- one hit per story ------------------------------------------------------------------------
def test_copies_of_one_story_are_one_hit_with_the_others_under_also(samples):
    r = search(samples, "china travel", now=NOW)
    leads = [h for h in r.hits if "avoid US travel" in h.title]
    assert len(leads) == 1  # Reuters' and Dawn's copies merged
    lead = leads[0]
    assert lead is r.hits[0] and len(lead.also) == 1
    other = lead.also[0]
    assert {lead.source, other["source"]} == {"Reuters Technology", "Dawn - World"}
    assert set(other) == {"title", "url", "source"} and other["url"] != lead.url
    assert json.loads(json.dumps(lead.as_json()))["also"] == [other]


def test_merging_keeps_a_page_full_and_the_best_ranked_copy_first(store):
    story = "Accelerator boards recalled after overheating"
    copies = [article(story, f"Copy {n}. The chipmaker recalled accelerator boards after overheating reports.",
                      url=f"https://example.com/copy{n}", source=f"Outlet {n}", days_ago=n) for n in range(4)]
    others = [article(f"Review {n} of hardware for data centres, from racks to cooling and power",
                      f"A long look at many parts, among them accelerator boards, number {n}.",
                      url=f"https://example.com/other{n}", source="Reviews", days_ago=10 + n) for n in range(6)]
    store.insert_articles(None, copies + others)
    r = search(store, "accelerator boards", limit=5)
    assert len(r.hits) == 5  # the page is full although four hits became one
    merged = [h for h in r.hits if h.title == story]
    assert len(merged) == 1 and len(merged[0].also) == 3
    ranked = store.search(parse("accelerator boards"), limit=10)
    assert ranked[0].title == story  # the copies rank first …
    assert r.hits[0].article_id == ranked[0].article_id  # … and the best-ranked one leads


# ---- did you mean ----------------------------------------------------------------------------
@pytest.mark.parametrize("typed, meant", [
    ("chna travle", "china travel"),
    ("ransomwre", "ransomware"),
    ("securty", "security"),
    ('"prmpt injection" -crypto since:2024-01-01', '"prompt injection" -crypto since:2024-01-01'),
    ("Chna travel OR visa", "China travel OR visa"),
])
def test_did_you_mean_corrects_only_the_misspelt_words(samples, typed, meant):
    r = search(samples, typed, now=NOW)
    assert r.suggestion == meant
    assert search(samples, meant, now=NOW).total > r.total


def test_no_suggestion_for_a_query_that_finds_enough_or_has_no_close_word(samples):
    assert search(samples, "china", now=NOW).suggestion is None
    assert search(samples, "zzzqqxv", now=NOW).suggestion is None
    # a correction that would find nothing more (outside the date window) is not offered
    assert search(samples, "chna until:2000-01-01", now=NOW).suggestion is None


def test_search_words_leave_exclusions_prefixes_and_filters_alone():
    text = 'chna -crypto NOT foo secur* since:2025-01-01 title:visa "prmpt injection"'
    assert [w for _, _, w in search_words(text)] == ["chna", "visa", "prmpt", "injection"]
    for start, end, word in search_words(text):
        assert text[start:end].lower() == word


def test_edit_distance_counts_a_swap_as_one():
    assert distance("travle", "travel", 2) == 1
    assert distance("chna", "china", 1) == 1
    assert distance("abc", "xyz", 1) == 2  # stopped early: more than the limit


# ---- the CLI -----------------------------------------------------------------------------------
def test_cli_prints_the_suggestion_on_stderr_and_keeps_the_json_array(samples, capsys):
    from bot.cli.output import print_hits

    result = search(samples, "chna travle", now=NOW)
    print_hits(result, True)
    out, err = capsys.readouterr()
    assert json.loads(out) == [] and err.strip() == "Did you mean: china travel"
    print_hits(result, False)
    out, err = capsys.readouterr()
    assert "No articles match 'chna travle'" in out and "Try fewer" in out and "china travel" in err
    print_hits(search(samples, "china travel", now=NOW), False)
    out, _ = capsys.readouterr()
    assert "also in " in out and "2025-03-01" in out


# ---- the vocabulary --------------------------------------------------------------------------
def test_the_vocabulary_follows_what_is_stored(store):
    token = store.index_token("quokkas")
    assert token and not store.vocab_has(token)
    store.insert_articles(None, [article("Quokkas spotted", "Two quokkas were seen.", url="https://example.com/q")])
    assert store.vocab_has(token)
    assert store.surface_of(token) == "quokkas"


def test_postgres_suggests_with_and_without_the_trigram_index(samples):
    if samples.backend != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    assert samples._has_trigrams()  # Debian's postgresql ships pg_trgm; the owner may install it
    assert search(samples, "chna travle", now=NOW).suggestion == "china travel"
    samples._trigrams = False  # as on a server without pg_trgm: the prefix probes
    assert search(samples, "chna travle", now=NOW).suggestion == "china travel"


@pytest.mark.parametrize("query", ["china travel", "secur*", '"prompt injection"', "AI OR model*", "ransomware attack"])
def test_highlight_spans_are_the_query_words_in_the_snippet(samples, query):
    from bot.explain import highlight_spans

    node = parse_search(query).node
    for hit in search(samples, query, limit=20, now=NOW).hits:
        assert list(hit.highlights) == highlight_spans(node, hit.snippet), (query, hit.title)
        assert list(hit.title_highlights) == highlight_spans(node, hit.title)


def test_the_fast_word_split_gives_exactly_the_index_split():
    import random

    from bot.words import _unicode_spans, word_spans  # the fast split, and the character-by-character one

    rnd = random.Random(16)
    alphabet = "aZ9 -_'’é\u0301\u200b中文—«»İı\u00a0\ue000\U0001f600\u0378.,;:!?\t\n"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        assert word_spans(text) == _unicode_spans(text), repr(text)
