"""`title:` and `NEAR`: parsed, compiled for FTS5 and tsquery, and the same hits on both backends."""

import pytest

from bot.query import (
    DEFAULT_NEAR,
    Near,
    Or,
    Phrase,
    QueryError,
    Term,
    parse,
    parse_watchlist,
    to_fts5,
    to_tsquery,
)
from bot.explain import highlight_spans, matched_terms
from tests.support.helpers import article

DOCS = {
    # id: (title, summary)
    "title_both": ("China travel rules tightened", "Officials spoke on Friday."),
    "title_one": ("China rules", "The new travel guidance was published on Friday."),
    "near5": ("Weekly notes", "China has told its researchers that travel abroad needs approval."),
    "far": ("Weekly notes", "China " + "and more words " * 6 + "travel was discussed."),
    "other_order": ("Weekly notes", "Travel restrictions: China told engineers to stay."),
    "split_fields": ("Notes on China", "Travel is discussed in the summary only."),
    "phrase_near": ("Agents", "A prompt injection hit the browser agent of a big vendor."),
    "prefix_near": ("Security", "Securing the agents that browse is hard."),
}


def _titles(store, query, *, watchlist=False):
    node = parse_watchlist(query) if watchlist else parse(query)
    return {h.url.rsplit("/", 1)[-1] for h in store.search(node, limit=50)}


@pytest.fixture
def loaded(store):
    feed = store.add_feed("https://example.com/feed")
    store.insert_articles(feed.id, [
        article(t, s, url=f"https://example.com/{key}") for key, (t, s) in DOCS.items()
    ])
    return store


# ---- parsing -----------------------------------------------------------------------------
def test_title_scope_is_pushed_onto_every_word():
    assert parse("title:china") == Term("china", False, ("title",))
    assert parse('title:"prompt injection"') == Phrase(("prompt", "injection"), False, ("title",))
    assert parse("title:(a OR bcd*)") == Or((Term("a", False, ("title",)), Term("bcd", True, ("title",))))
    assert parse("Title:china") == parse("title:china")
    # an unknown name before a colon is still just two words, as before
    assert parse("col:china") == Phrase(("col", "china"))


def test_near_takes_words_phrases_and_or_groups():
    assert parse("china NEAR travel") == Near((Term("china"), Term("travel")), DEFAULT_NEAR)
    assert parse("china NEAR/3 (travel OR visa)") == Near((Term("china"), Or((Term("travel"), Term("visa")))), 3)
    # NEAR binds tighter than OR, OR tighter than AND
    node = parse("a OR b NEAR c d")
    assert node.items[0] == Or((Term("a"), Near((Term("b"), Term("c")))))
    assert node.items[1] == Term("d")
    # a chain is pairwise
    chain = parse("a NEAR b NEAR/2 c")
    assert chain.items == (Near((Term("a"), Term("b")), 10), Near((Term("b"), Term("c")), 2))
    # lower-case near is a word
    assert parse("near miss") .items == (Term("near"), Term("miss"))


@pytest.mark.parametrize("text,message,column", [
    ("title: china", '"title:" must touch', 1),
    ("title:", '"title:" must touch', 1),
    ("NEAR china", "NEAR has nothing before it", 1),
    ("china NEAR", "NEAR has nothing after it", 7),
    ("china NEAR/x travel", "NEAR/N with N a number", 7),
    ("china NEAR/101 travel", "NEAR/N with N a number", 7),
    ("china NEAR -travel", "NEAR joins words, phrases or (a OR b) groups", 12),
    ("(a b) NEAR c", "NEAR joins words, phrases or (a OR b) groups", 1),
])
def test_malformed_scopes_and_nears_point_at_the_problem(text, message, column):
    with pytest.raises(QueryError) as err:
        parse(text)
    assert message in err.value.message
    assert err.value.position == column - 1
    assert "^" in err.value.pointer()


def test_a_near_between_two_large_groups_is_relaxed_for_fts5_and_kept_whole_for_postgresql():
    from bot.query import NATIVE_NEAR_PAIRS, to_fts5_candidates

    left = " OR ".join(f"a{i}" for i in range(80))
    right = " OR ".join(f"b{i}" for i in range(80))
    node = parse_watchlist(f"({left}) NEAR ({right})")
    expr, exact = to_fts5_candidates(node)
    assert 80 * 80 > NATIVE_NEAR_PAIRS and not exact and "NEAR" not in expr
    assert "<11>" in to_tsquery(node) and to_tsquery(node).count("a79") == 2 * 11 * 2  # 2 fields × 11 distances × 2 orders


def test_compiled_forms():
    assert to_fts5(parse("title:china travel")) == '(title : "china") AND "travel"'
    assert to_fts5(parse("china NEAR/5 (travel OR visa)")) == (
        '(NEAR("china" "travel", 5) OR NEAR("china" "visa", 5))'
    )
    assert to_fts5(parse_watchlist("china")) == '{title lead} : "china"'
    ts = to_tsquery(parse("title:china NEAR/1 travel"))
    # both sides carry the title's weight; distances 1..2 either way round
    assert ts == "('china':A <1> 'travel':A | 'travel':A <1> 'china':A | 'china':A <2> 'travel':A | 'travel':A <2> 'china':A)"
    assert to_tsquery(parse_watchlist('"ai agent"')) == "'ai':AC <-> 'agent':AC"


# ---- behaviour, the same on both backends -------------------------------------------------------
def test_title_scope_finds_words_in_the_title_only(loaded):
    assert _titles(loaded, "title:china title:travel") == {"title_both"}
    assert _titles(loaded, "title:china travel") == {"title_both", "title_one", "split_fields"}
    assert _titles(loaded, 'title:"travel rules"') == {"title_both"}
    assert _titles(loaded, "title:(rules OR agents)") == {"title_both", "title_one", "phrase_near"}
    assert _titles(loaded, "china -title:china") == {"near5", "far", "other_order"}


def test_near_counts_the_words_between_in_one_field(loaded):
    # "China has told its researchers that travel": 5 words between
    assert "near5" in _titles(loaded, "china NEAR/5 travel")
    assert "near5" not in _titles(loaded, "china NEAR/4 travel")
    assert "far" not in _titles(loaded, "china NEAR travel")  # 18 words apart
    assert "far" in _titles(loaded, "china travel")
    assert "other_order" in _titles(loaded, "china NEAR/3 travel")  # either order
    # the title's last word and the summary's first are not near: NEAR stays in one field
    assert "split_fields" not in _titles(loaded, "china NEAR/3 travel")
    assert _titles(loaded, '"prompt injection" NEAR/4 agent*') == {"phrase_near"}
    assert _titles(loaded, "secur* NEAR/2 (agents OR browsers)") == {"prefix_near"}


def test_both_backends_give_the_same_hits(store, loaded):
    queries = [
        "title:china", "title:china travel", "china NEAR travel", "china NEAR/4 travel",
        "china NEAR/5 travel", '"prompt injection" NEAR agent', "title:(china OR agents) -travel",
        "(china OR secur*) NEAR/3 (travel OR agents)", "title:(china NEAR/1 travel)",
    ]
    # The expected sets are the SQLite answers written down once; PostgreSQL must agree.
    expected = {
        "title:china": {"title_both", "title_one", "split_fields"},
        "title:china travel": {"title_both", "title_one", "split_fields"},
        "china NEAR travel": {"title_both", "near5", "other_order"},
        "china NEAR/4 travel": {"title_both", "other_order"},
        "china NEAR/5 travel": {"title_both", "near5", "other_order"},
        '"prompt injection" NEAR agent': {"phrase_near"},
        "title:(china OR agents) -travel": {"phrase_near"},
        "(china OR secur*) NEAR/3 (travel OR agents)": {"title_both", "other_order", "prefix_near"},
        "title:(china NEAR/1 travel)": {"title_both"},
    }
    for q in queries:
        assert _titles(loaded, q) == expected[q], (store.backend, q)


def test_a_watchlist_reads_the_title_and_the_lead_not_the_whole_body(store):
    feed = store.add_feed("https://example.com/feed")
    filler = " ".join(["The council met on Tuesday to discuss the parking budget."] * 8)
    store.insert_articles(feed.id, [
        article("Parking budget approved", filler + " Some residents say the AI law is confusing.",
                url="https://example.com/passing"),
        article("Parking budget approved", "A new AI law was passed on Tuesday. " + filler,
                url="https://example.com/lead"),
    ])
    wl = store.add_watchlist("law-of-ai", "AI NEAR/3 law")
    got = {h.url for h in store.watchlist_matches(wl.id, parse_watchlist(wl.query))}
    assert got == {"https://example.com/lead"}
    # plain search still finds both: the scope is the watchlist's, not the query language's
    assert len(store.search(parse("AI NEAR/3 law"))) == 2


# ---- why it matched --------------------------------------------------------------------------
def test_matched_terms_name_the_field():
    node = parse('china (travel OR visa) "prompt injection" secur* -tourism')
    got = matched_terms(node, title="China tells AI leaders to avoid US travel",
                        summary="Security concerns were raised. Later: prompt injections.",
                        lead="Security concerns were raised.")
    assert [m.as_json() for m in got] == [
        {"term": "china", "field": "title"},
        {"term": "travel", "field": "title"},
        {"term": "prompt injection", "field": "summary"},
        {"term": "secur*", "field": "lead"},
    ]
    # a scoped term is only looked for where the scope allows
    assert matched_terms(parse("title:travel"), title="x", summary="travel", lead="travel") == []


def test_highlight_spans_cover_stems_and_prefixes():
    node = parse('travel secur* "prompt injection"')
    text = "Travellers, security and prompt-injection; travels"
    spans = highlight_spans(node, text)
    assert [text[a:b] for a, b in spans] == ["Travellers", "security", "prompt-injection", "travels"]


# ---- large NEARs: relaxed in FTS5, checked on the text -------------------------------------------
def test_a_relaxed_near_checked_on_the_text_gives_what_fts5s_own_near_gives(store, loaded, monkeypatch):
    """With every NEAR relaxed (the path watchlists with big groups take), the hits are the
    ones FTS5's own NEAR finds: the check in bot/explain.py measures distance as FTS5 does."""
    import bot.query

    queries = ["china NEAR/5 travel", "china NEAR/4 travel", "china NEAR/3 travel", "title:(china NEAR/1 travel)",
               '"prompt injection" NEAR/4 agent*', "(china OR secur*) NEAR/3 (travel OR agents)",
               "china NEAR travel -title:rules"]
    native = {q: _titles(loaded, q) for q in queries}
    monkeypatch.setattr(bot.query, "NATIVE_NEAR_PAIRS", 0)
    assert not bot.query.to_fts5_candidates(parse("china NEAR travel"))[1]
    for q in queries:
        assert _titles(loaded, q) == native[q], q
        assert loaded.count_matching(parse(q)) == len(native[q]), q


def test_explaining_matches_on_many_threads_at_once_gives_each_the_same_answer():
    """Slack answers searches on several threads: the stemmer behind the explanation must not
    be shared between them (a shared Snowball stemmer raised IndexError under a flood)."""
    from concurrent.futures import ThreadPoolExecutor

    import bot.explain as explain

    words = [f"{stem}{suffix}" for stem in ("regulat", "secur", "attack", "govern", "travel", "injec")
             for suffix in ("ion", "ions", "ing", "ed", "er", "ers", "ity", "ally", "ment", "ments")]
    text = " ".join(words)
    node = parse(" OR ".join(f"{w[:4]}*" for w in words[::7]))
    expected = [m.as_json() for m in matched_terms(node, title=text, summary=text, lead=text)]

    def run(_):
        explain._stem.cache_clear()  # every call goes to a stemmer
        return [[m.as_json() for m in matched_terms(node, title=text, summary=text, lead=text)] for _ in range(30)]

    with ThreadPoolExecutor(8) as pool:
        for results in pool.map(run, range(16)):
            assert all(r == expected for r in results)
