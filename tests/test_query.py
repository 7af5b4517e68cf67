"""The query language: trees, compiled FTS5/tsquery text, every error, and — the part that
matters — what the compiled queries actually find in a real FTS5 table configured like
the store's ('porter unicode61 remove_diacritics 2')."""

from __future__ import annotations

import pickle
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.query import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_TERMS,
    MIN_PREFIX,
    And,
    Not,
    Or,
    Phrase,
    QueryError,
    Term,
    Near,
    compile_query,
    parse,
    positive_words,
    to_fts5,
    to_tsquery,
    word_tokens,
)
from tests.support.query_oracle import ORACLE_DOCS, any_query, evaluate, g_and

T = Term
TOKENIZE = "porter unicode61 remove_diacritics 2"


def P(*words: str, prefix: bool = False) -> Phrase:
    return Phrase(tuple(words), prefix)


def A(*items) -> And:
    return And(tuple(items))


def O(*items) -> Or:
    return Or(tuple(items))


# ---------------------------------------------------------------------------------------
# Trees and compiled FTS5 text, one case per operator and precedence rule
# ---------------------------------------------------------------------------------------
CASES = [
    # words, implicit and explicit AND
    ("security", T("security"), '"security"'),
    ("AI agents", A(T("ai"), T("agents")), '"ai" AND "agents"'),
    ("AI AND agents", A(T("ai"), T("agents")), '"ai" AND "agents"'),
    ("  AI\tagents\n", A(T("ai"), T("agents")), '"ai" AND "agents"'),
    # lower-case operators are plain words
    ("war and peace", A(T("war"), T("and"), T("peace")), '"war" AND "and" AND "peace"'),
    ("cats or dogs", A(T("cats"), T("or"), T("dogs")), '"cats" AND "or" AND "dogs"'),
    ("not me", A(T("not"), T("me")), '"not" AND "me"'),
    ("And Or", A(T("and"), T("or")), '"and" AND "or"'),
    ('"AND"', T("and"), '"and"'),
    # phrases
    ('"prompt injection"', P("prompt", "injection"), '"prompt injection"'),
    ('"Prompt   Injection!"', P("prompt", "injection"), '"prompt injection"'),
    ('"security"', T("security"), '"security"'),
    ('"a OR b"', P("a", "or", "b"), '"a or b"'),
    ('x"y z"', A(T("x"), P("y", "z")), '"x" AND "y z"'),
    # OR, and its precedence over AND
    ("visa OR travel", O(T("visa"), T("travel")), '"visa" OR "travel"'),
    ("a OR b OR c", O(T("a"), T("b"), T("c")), '"a" OR "b" OR "c"'),
    ("china travel OR visa", A(T("china"), O(T("travel"), T("visa"))), '"china" AND ("travel" OR "visa")'),
    ("travel OR visa china", A(O(T("travel"), T("visa")), T("china")), '("travel" OR "visa") AND "china"'),
    ("a OR b c OR d", A(O(T("a"), T("b")), O(T("c"), T("d"))), '("a" OR "b") AND ("c" OR "d")'),
    ("a b OR c AND d", A(T("a"), O(T("b"), T("c")), T("d")), '"a" AND ("b" OR "c") AND "d"'),
    # parentheses override
    ("(china travel) OR visa", O(A(T("china"), T("travel")), T("visa")), '("china" AND "travel") OR "visa"'),
    ("(a)", T("a"), '"a"'),
    ("((a b))", A(T("a"), T("b")), '"a" AND "b"'),
    ("a (b c) d", A(T("a"), T("b"), T("c"), T("d")), '"a" AND "b" AND "c" AND "d"'),
    ("a OR (b OR c)", O(T("a"), T("b"), T("c")), '"a" OR "b" OR "c"'),
    ("(a OR b)AND(c)", A(O(T("a"), T("b")), T("c")), '("a" OR "b") AND "c"'),
    # negation: -word, NOT word, before phrases and groups
    ("ai -crypto", A(T("ai"), Not(T("crypto"))), '"ai" NOT "crypto"'),
    ("ai NOT crypto", A(T("ai"), Not(T("crypto"))), '"ai" NOT "crypto"'),
    ("-crypto ai", A(Not(T("crypto")), T("ai")), '"ai" NOT "crypto"'),
    ("a b -c -d", A(T("a"), T("b"), Not(T("c")), Not(T("d"))), '("a" AND "b") NOT "c" NOT "d"'),
    ("a -c b", A(T("a"), Not(T("c")), T("b")), '("a" AND "b") NOT "c"'),
    ('injection -"prompt injection"', A(T("injection"), Not(P("prompt", "injection"))), '"injection" NOT "prompt injection"'),
    ("ai -(crypto OR nft)", A(T("ai"), Not(O(T("crypto"), T("nft")))), '"ai" NOT ("crypto" OR "nft")'),
    ("ai NOT (crypto nft)", A(T("ai"), Not(A(T("crypto"), T("nft")))), '"ai" NOT ("crypto" AND "nft")'),
    # unary binds tightest: -b OR c is not allowed, but -(b OR c) is; NOT applies to one operand
    ("a NOT b c", A(T("a"), Not(T("b")), T("c")), '("a" AND "c") NOT "b"'),
    # negatives inside an OR alternative that has a positive
    ("x OR (a -b)", O(T("x"), A(T("a"), Not(T("b")))), '"x" OR ("a" NOT "b")'),
    ("k (x OR (a b -c))", A(T("k"), O(T("x"), A(T("a"), T("b"), Not(T("c"))))),
     '"k" AND ("x" OR (("a" AND "b") NOT "c"))'),
    # a group of only negatives merges into the And around it
    ("a (-b -c)", A(T("a"), Not(T("b")), Not(T("c"))), '"a" NOT "b" NOT "c"'),
    # double negation, De Morgan for a negated all-negative group
    ("NOT NOT a", T("a"), '"a"'),
    ("--a", T("a"), '"a"'),
    ("NOT -a", T("a"), '"a"'),
    ("a -(-b)", A(T("a"), T("b")), '"a" AND "b"'),
    ("c -(-a -b)", A(T("c"), O(T("a"), T("b"))), '"c" AND ("a" OR "b")'),
    ("-(-a -b)", O(T("a"), T("b")), '"a" OR "b"'),
    # "-" not at the start of a word is not negation; "-" right after a paren is
    ("gpt-4o", P("gpt", "4o"), '"gpt 4o"'),
    ("x)-y", None, None),  # unmatched paren, covered among the errors
    ("(a)-b", A(T("a"), Not(T("b"))), '"a" NOT "b"'),
    # after "-", an operator name is just a word
    ("a -OR", A(T("a"), Not(T("or"))), '"a" NOT "or"'),
    # prefixes
    ("secur*", T("secur", True), '"secur" *'),
    ("Secur* policy", A(T("secur", True), T("policy")), '"secur" * AND "policy"'),
    ("-secur* ai", A(Not(T("secur", True)), T("ai")), '"ai" NOT "secur" *'),
    ("gpt-4tu*", P("gpt", "4tu", prefix=True), '"gpt 4tu" *'),
    ('"machine learn*"', P("machine", "learn", prefix=True), '"machine learn" *'),
    ('"machine learn"*', P("machine", "learn", prefix=True), '"machine learn" *'),
    ('"learn*"', T("learn", True), '"learn" *'),
    ("AND*", T("and", True), '"and" *'),
    ("abc*", T("abc", True), '"abc" *'),  # MIN_PREFIX letters: enough
    # punctuation inside words: split like unicode61 does
    ("U.S.", P("u", "s"), '"u s"'),
    ("c++", T("c"), '"c"'),
    ("don't", P("don", "t"), '"don t"'),
    ("title:china", Term("china", False, ("title",)), 'title : "china"'),
    ("col:china", P("col", "china"), '"col china"'),
    ("near(a b)", A(T("near"), T("a"), T("b")), '"near" AND "a" AND "b"'),
    ("^start", T("start"), '"start"'),
    ("e-mail OR email", O(P("e", "mail"), T("email")), '"e mail" OR "email"'),
    # case and unicode
    ("CHINA", T("china"), '"china"'),
    ("Café", T("café"), '"café"'),
    ("İstanbul", T("istanbul"), '"istanbul"'),
    ("nai\u0308ve", T("nai\u0308ve"), '"nai\u0308ve"'),  # a combining mark stays inside the word
    ("日本語", T("日本語"), '"日本 本語"'),  # a CJK run: the phrase of its bigrams (bot/langindex.py)
    # duplicates collapse
    ("a a", T("a"), '"a"'),
    ("a OR a b", A(T("a"), T("b")), '"a" AND "b"'),
]


@pytest.mark.parametrize("text,tree,fts", [c for c in CASES if c[1] is not None], ids=[c[0] for c in CASES if c[1] is not None])
def test_parse_and_compile(text, tree, fts):
    node = parse(text)
    assert node == tree
    assert to_fts5(node) == fts
    assert compile_query(text) == fts


TSQUERY_CASES = [
    ("security", "'security'"),
    ("china travel OR visa", "'china' & ('travel' | 'visa')"),
    ("(china travel) OR visa", "('china' & 'travel') | 'visa'"),
    ("ai -crypto NOT nft", "'ai' & !'crypto' & !'nft'"),
    ('"prompt injection" -"prompt injection attack"',
     "('prompt' <-> 'injection') & !('prompt' <-> 'injection' <-> 'attack')"),
    ("gpt-4o", "'gpt' <-> '4o'"),
    ("secur*", "'secur':*"),
    ("gpt-4tu*", "'gpt' <-> '4tu':*"),
    ("ai -(crypto OR nft)", "'ai' & !('crypto' | 'nft')"),
    ("x OR (a -b)", "'x' | ('a' & !'b')"),
]


@pytest.mark.parametrize("text,expected", TSQUERY_CASES)
def test_to_tsquery(text, expected):
    assert to_tsquery(parse(text)) == expected


def test_compilers_quote_hand_built_tokens():
    """parse() only yields letter/digit tokens, but the compilers must still be safe on
    hand-built nodes (quotes doubled, backslashes escaped for tsquery)."""
    node = A(T('a"b'), Not(P("it's", "x\\y")))
    assert to_fts5(node) == '"a""b" NOT "it\'s x\\y"'
    assert to_tsquery(node) == "'a\"b' & !('it''s' <-> 'x\\\\y')"


@pytest.mark.parametrize(
    "node",
    [Not(T("a")), A(Not(T("a")), Not(T("b"))), O(T("a"), Not(T("b"))), And(()), Or(())],
    ids=["not", "and-of-nots", "or-with-not", "empty-and", "empty-or"],
)
def test_to_fts5_refuses_inexpressible_hand_built_trees(node):
    with pytest.raises(QueryError):
        to_fts5(node)


def test_positive_words():
    assert positive_words(parse('China "visa rules" OR travel* -crypto NOT (nft scam)')) == [
        "china", "visa", "rules", "travel",
    ]
    assert positive_words(parse("a b a")) == ["a", "b"]
    assert positive_words(parse("c -(-a -b)")) == ["c", "a", "b"]  # De Morgan made them positive


def test_word_tokens():
    assert word_tokens("GPT-4o, U.S. & c++!") == ["gpt", "4o", "u", "s", "c"]
    assert word_tokens("naïve nai\u0308ve \u0301 x²") == ["naïve", "nai\u0308ve", "x²"]
    assert word_tokens("---") == []


# ---------------------------------------------------------------------------------------
# Errors: each names the problem and points at it
# ---------------------------------------------------------------------------------------
ERRORS = [
    # (query, words the message must contain, 0-based position or None)
    ("", ["empty", "type", "e.g."], None),
    ("   \t\n", ["empty", "type", "e.g."], None),
    ('say "hello', ['"', "never closed"], 4),
    ('a ""', ["empty", '""'], 2),
    ('a "  "', ["empty"], 2),
    ('"?!"', ['"?!"', "no letters or digits"], 0),
    ("(a OR", ["OR", "nothing after"], 3),
    ("(a b", ['"("', "never closed"], 0),
    ("a (b (c)", ['"("', "never closed"], 2),
    ("a b)", ['")"', "no matching"], 3),
    (")a", ['")"', "no matching"], 0),
    ("x)-y", ['")"', "no matching"], 1),
    ("a ()", ["empty parentheses"], 2),
    ("a ( )", ["empty parentheses"], 2),
    ("NOT", ["NOT", "nothing after"], 0),
    ("a NOT", ["NOT", "nothing after"], 2),
    ("a NOT)", ["NOT", "nothing after"], 2),
    ("a NOT OR b", ["NOT", "nothing after"], 2),
    ("a -", ['"-"', "nothing after"], 2),
    ("(a -)", ['"-"', "nothing after"], 3),
    ("a - b", ['"-"', "touch"], 2),
    ("OR a", ["OR", "nothing before"], 0),
    ("a OR", ["OR", "nothing after"], 2),
    ("a (OR b)", ["OR", "nothing before"], 3),
    ("AND a", ["AND", "nothing before"], 0),
    ("a AND", ["AND", "nothing after"], 2),
    ("a AND AND b", ["AND", "nothing after"], 2),
    ("a OR AND b", ["OR", "nothing after"], 2),
    ("-crypto", ["at least one word"], 0),
    ("NOT crypto -nft", ["at least one word"], 0),
    ("  (-a) -b", ["at least one word"], 2),
    ("-(a -b)", ["at least one word"], 0),
    ("a OR -b", ['"-b"', "OR alternative"], 5),
    ("-a OR b", ['"-a"', "OR alternative"], 0),
    ("x a OR NOT b", ['"NOT b"', "OR alternative"], 7),
    ("a OR (-b -c)", ['"(-b -c)"', "OR alternative"], 5),
    ("*", ['"*"', "end of a word"], 0),
    ("a * b", ['"*"', "end of a word"], 2),
    ("fo*o", ['"fo*o"', "only end a word"], 2),
    ("*foo", ['"*foo"', "only end a word"], 0),
    ("foo**", ['"foo**"', "only end a word"], 3),
    ("**", ['"**"', "not a word"], 0),
    ("c++*", ['"c++*"', "letter or digit"], 3),
    ('"a* b"', ["inside quotes", "last word"], 2),
    ('"a b*"*', ['two "*"'], 6),
    ('"a b"**', ['"*"', "only end"], 5),
    ('"a b"*c', ['"*"', "only end"], 5),
    # prefixes need MIN_PREFIX letters: `a*` makes the index merge thousands of word lists
    ("a*", ['"a*" is too short', f"at least {MIN_PREFIX} letters"], 0),
    ("china ai*", ['"ai*" is too short', f"at least {MIN_PREFIX} letters"], 6),
    ("x (y OR 日本*)", ['"日本*" is too short'], 8),
    ("gpt-4*", ['the prefix "4*" in gpt-4* is too short'], 0),
    ('"machine l*" x', ['the prefix "l*" in "machine l*" is too short'], 0),
    ('"machine l"*', ['the prefix "l*" in "machine l"* is too short'], 0),
    ('"a b *"', ["letter or digit"], 5),
    ('"a b."*', ["letter or digit"], 6),
    ("+++", ['"+++"', "no letters or digits"], 0),
    ("a | b", ['"|"', "no letters or digits", "write OR"], 2),
    ("a && b", ['"&&"', "write AND"], 2),
    ("x" * (MAX_LENGTH + 1), [f"{MAX_LENGTH + 1} characters", f"limit is {MAX_LENGTH}"], MAX_LENGTH),
    (" ".join(["w"] * MAX_TERMS + ["last"]), [f"more than {MAX_TERMS} words"], 2 * MAX_TERMS),
    ('"' + " ".join(["w"] * (MAX_TERMS + 1)) + '"', [f"more than {MAX_TERMS} words"], 0),
    ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), [f"more than {MAX_DEPTH} deep"], MAX_DEPTH),
]


@pytest.mark.parametrize("text,needles,position", ERRORS, ids=[repr(e[0][:30]) for e in ERRORS])
def test_errors(text, needles, position):
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    for needle in needles:
        assert needle in err.message
    assert err.position == position
    assert err.query == text
    line = str(err)
    assert "\n" not in line
    if position is None:
        assert line == err.message
    else:
        assert line == f"column {position + 1}: {err.message}"


def test_limits_are_inclusive():
    parse("x" * MAX_LENGTH)
    parse(" ".join(["w"] * MAX_TERMS))
    parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)


def test_error_pointer_puts_caret_under_problem():
    err = pytest.raises(QueryError, parse, "ai OR -crypto").value
    assert err.pointer() == "ai OR -crypto\n      ^"
    # tabs/newlines shown as spaces; wide characters padded by two columns
    err = pytest.raises(QueryError, parse, "日本\ta)").value
    assert err.pointer() == "日本 a)\n      ^"
    err = pytest.raises(QueryError, parse, "").value
    assert err.pointer() == ""


def test_query_error_is_a_value_error_and_pickles():
    err = pytest.raises(QueryError, parse, "a OR").value
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.position, copy.query, str(copy)) == (err.message, err.position, err.query, str(err))


def test_non_string_is_a_query_error():
    with pytest.raises(QueryError):
        parse(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# A real FTS5 table
# ---------------------------------------------------------------------------------------
DOCS = {
    "said": ("Minister said the talks went well", "Officials said nothing more."),
    "ai": ("AI agents leak secrets", "A report on AI security."),
    "china_travels": ("China travels resume", "Tourists are traveling again."),
    "china_visa": ("China eases visa rules", "Visa-free entry for more countries."),
    "china_trade": ("China trade figures", "Exports rise."),
    "japan_travel": ("Japan travel boom", "Visitors flock to Kyoto."),
    "gpt4o": ("OpenAI ships GPT-4o", "The gpt-4o model is multimodal."),
    "gpt4turbo": ("GPT-4 Turbo pricing", "Cheaper tokens."),
    "cafe": ("Café culture", "A naïve résumé of Zürich."),
    "security": ("Securing the perimeter", "Secure defaults matter."),
    "prompt": ("Prompt injection attacks", "Jailbreaks and prompt injection in LLMs."),
    "reversed": ("Injection of prompt", "An injection prompt test."),
    "crypto": ("AI crypto scam", "Crypto fraud with AI bots."),
    "us": ("U.S. export controls", "New chip rules."),
}


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(title, summary, tokenize='{TOKENIZE}')")
    conn.executemany("INSERT INTO t(rowid, title, summary) VALUES (?, ?, ?)",
                     [(i, *doc) for i, doc in enumerate(DOCS.values(), 1)])
    yield conn
    conn.close()


KEYS = list(DOCS)


def found(db, text: str) -> set[str]:
    rows = db.execute("SELECT rowid FROM t WHERE t MATCH ?", (compile_query(text),)).fetchall()
    return {KEYS[r[0] - 1] for r in rows}


def test_fts_whole_words_only(db):
    assert found(db, "AI") == {"ai", "crypto"}  # not "said"
    assert found(db, "ai") == {"ai", "crypto"}
    assert found(db, "sai") == set()


def test_fts_stemming(db):
    assert found(db, "travel") == {"china_travels", "japan_travel"}
    assert found(db, "travels") == {"china_travels", "japan_travel"}
    assert found(db, "traveling") == {"china_travels", "japan_travel"}
    assert found(db, "secure") == {"security", "ai"}


def test_fts_phrase(db):
    assert found(db, '"prompt injection"') == {"prompt"}
    assert found(db, "prompt injection") == {"prompt", "reversed"}
    assert found(db, '"injection prompt"') == {"reversed"}


def test_fts_or(db):
    assert found(db, "visa OR trade") == {"china_visa", "china_trade"}
    assert found(db, "japan OR said OR crypto") == {"japan_travel", "said", "crypto"}


def test_fts_not(db):
    assert found(db, "AI -crypto") == {"ai"}
    assert found(db, "AI NOT crypto") == {"ai"}
    assert found(db, "injection -\"prompt injection\"") == {"reversed"}
    assert found(db, "china -(visa OR trade)") == {"china_travels"}
    assert found(db, "china -visa -trade") == {"china_travels"}
    assert found(db, "china NOT trade visa OR travel") == {"china_travels", "china_visa"}


def test_fts_prefix(db):
    assert found(db, "secur*") == {"security", "ai"}
    assert found(db, "gpt-4 tur*") == {"gpt4turbo"}
    assert found(db, "\"gpt 4 tur*\"") == {"gpt4turbo"}
    assert found(db, "jail*") == {"prompt"}
    assert found(db, '"prompt inj*"') == {"prompt"}


def test_fts_precedence(db):
    assert found(db, "china travel OR visa") == {"china_travels", "china_visa"}
    assert found(db, "travel OR visa china") == {"china_travels", "china_visa"}
    assert found(db, "china AND travel OR visa") == {"china_travels", "china_visa"}
    assert found(db, "(china travel) OR japan") == {"china_travels", "japan_travel"}
    assert found(db, "(china travel) OR visa") == {"china_travels", "china_visa"}
    assert found(db, "china (travel OR visa) -visa") == {"china_travels"}


def test_fts_case_insensitive(db):
    expected = {"china_travels", "china_visa", "china_trade"}
    for q in ("china", "CHINA", "China", "cHiNa"):
        assert found(db, q) == expected


def test_fts_diacritics(db):
    for q in ("cafe", "café", "CAFÉ", "naive", "naïve", "nai\u0308ve", "zurich"):
        assert found(db, q) == {"cafe"}, q
    assert found(db, "résumé") == found(db, "resume") == {"cafe", "china_travels"}


def test_fts_punctuation_words(db):
    assert found(db, "gpt-4o") == {"gpt4o"}
    assert found(db, "GPT-4o") == {"gpt4o"}
    assert found(db, "gpt-4") == {"gpt4turbo"}
    assert found(db, "U.S.") == {"us"}
    assert found(db, "visa-free") == {"china_visa"}


def test_fts_syntax_lookalikes_are_just_words(db):
    for q in ("col:china", "china^", "+china", "{title}: china", "'china'"):
        assert found(db, q) <= {"china_travels", "china_visa", "china_trade"}, q


# ---------------------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------------------
def assert_normal(node, top=True):
    """The shape every parsed tree has, which is what makes it expressible in FTS5."""
    if isinstance(node, Term):
        assert node.text and word_tokens(node.text) == [node.text]
    elif isinstance(node, Phrase):
        assert len(node.words) >= 2
        assert all(word_tokens(w) == [w] for w in node.words)
    elif isinstance(node, Near):
        assert len(node.items) == 2 and 0 <= node.distance <= 100
        for side in node.items:
            assert isinstance(side, (Term, Phrase)) or (
                isinstance(side, Or) and all(isinstance(i, (Term, Phrase)) for i in side.items))
            assert_normal(side, top=False)
    elif isinstance(node, Not):
        assert not top
        assert not isinstance(node.item, Not)
        assert not (isinstance(node.item, And) and all(isinstance(i, Not) for i in node.item.items))
        assert_normal(node.item, top=False)
    else:
        assert isinstance(node, (And, Or))
        assert len(node.items) >= 2
        assert len(set(node.items)) == len(node.items)
        for item in node.items:
            assert type(item) is not type(node)
            assert_normal(item, top=False)
        if isinstance(node, And):
            assert any(not isinstance(i, Not) for i in node.items)
        else:
            for item in node.items:
                assert not isinstance(item, Not)
                assert not (isinstance(item, And) and all(isinstance(i, Not) for i in item.items))




@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_query)
def test_any_text_gives_a_tree_or_a_query_error(db, text):
    try:
        node = parse(text)
    except QueryError as err:
        assert err.query == text
        assert err.message and "\n" not in str(err)
        assert err.position is None or 0 <= err.position <= len(text)
        assert err.pointer().splitlines()[0] if text.strip() else True
        return
    assert_normal(node)
    fts = to_fts5(node)
    db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (fts,)).fetchall()  # no sqlite3 error
    assert isinstance(to_tsquery(node), str)
    assert all(isinstance(w, str) and w for w in positive_words(node))
    assert parse(text) == node  # deterministic


@pytest.fixture(scope="module")
def oracle_db():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE o USING fts5(body, tokenize='{TOKENIZE}')")
    conn.executemany("INSERT INTO o(rowid, body) VALUES (?, ?)",
                     [(i, " ".join(d)) for i, d in enumerate(ORACLE_DOCS)])
    yield conn
    conn.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=g_and())
def test_fts5_finds_exactly_what_the_query_means(oracle_db, query):
    text, meaning = query
    try:
        node = parse(text)
    except QueryError as err:
        # the generator only makes well-formed queries; what it can produce that is
        # refused is a query (or OR alternative) that only excludes, or a rare huge one
        assert "only exclude" in err.message or len(text) > MAX_LENGTH
        return
    expected = {i for i, d in enumerate(ORACLE_DOCS) if meaning(d)}
    assert {i for i, d in enumerate(ORACLE_DOCS) if evaluate(node, d)} == expected, text
    rows = oracle_db.execute("SELECT rowid FROM o WHERE o MATCH ?", (to_fts5(node),)).fetchall()
    assert {r[0] for r in rows} == expected, (text, to_fts5(node))


# Our word split must agree with FTS5's unicode61 tokenizer on the scripts feeds use.
TOKENIZER_ALPHABET = (
    [chr(c) for c in range(0x20, 0x7F)]
    + list("éüßÀÿçñøÆ") + list("αβγΩ") + list("жЯё") + list("日本語") + list("عرب")
    + ["\u0301", "\u0308", "²", "·", "’", "–", "“", "”", "«", "»", "\u00a0", "\u3000", "🔥", "_", "×"]
)


@pytest.fixture(scope="module")
def vocab_db():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE w USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE wv USING fts5vocab(w, 'instance')")
    yield conn
    conn.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.sampled_from(TOKENIZER_ALPHABET), max_size=30))
def test_word_split_agrees_with_fts5(vocab_db, text):
    vocab_db.execute("DELETE FROM w")
    vocab_db.execute("INSERT INTO w(rowid, x) VALUES (1, ?)", (text,))
    fts_tokens = [r[0] for r in vocab_db.execute("SELECT term FROM wv ORDER BY offset")]
    ours = word_tokens(text)
    assert len(ours) == len(fts_tokens), (text, ours, fts_tokens)
    if text.isascii():
        assert ours == fts_tokens


# ---------------------------------------------------------------------------------------
# PostgreSQL: the tsquery text is valid and means the same. The 'simple' configuration (no
# stemming, no stop words) isolates what this module owns — the operators — from the
# store's text-search configuration, which tests/test_store.py covers.
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_oracle(pg_cluster):
    import psycopg

    url = pg_cluster.new_database()
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("CREATE TABLE o (id int PRIMARY KEY, tsv tsvector NOT NULL)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO o VALUES (%s, to_tsvector('simple', %s))",
                        [(i, " ".join(d)) for i, d in enumerate(ORACLE_DOCS)])
    yield conn
    conn.close()
    pg_cluster.drop_database(url)


@pytest.mark.postgres
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=g_and())
def test_tsquery_finds_exactly_what_the_query_means(pg_oracle, query):
    text, meaning = query
    try:
        node = parse(text)
    except QueryError:
        return  # refusals are covered by the FTS5 oracle above
    expected = {i for i, d in enumerate(ORACLE_DOCS) if meaning(d)}
    rows = pg_oracle.execute("SELECT id FROM o WHERE tsv @@ to_tsquery('simple', %s)", (to_tsquery(node),))
    assert {r[0] for r in rows} == expected, (text, to_tsquery(node))


@pytest.mark.postgres
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_query)
def test_any_parsed_query_is_valid_tsquery(pg_oracle, text):
    try:
        node = parse(text)
    except QueryError:
        return
    pg_oracle.execute("SELECT count(*) FROM o WHERE tsv @@ to_tsquery('english', %s)", (to_tsquery(node),)).fetchall()
