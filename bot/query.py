"""The query language shared by watchlists and search: parse, explain mistakes, compile.

One grammar serves `/aibrief QUERY`, `aibrief search`, `watch add|test` and the digest,
so they agree by construction. We parse the text ourselves rather than hand it to FTS5:
FTS5's own syntax is unforgiving (a stray `-`, `:` or `"` is an SQL error), its
precedence differs from what people expect from web search, and its errors mean nothing
to a Slack user. What reaches FTS5 (or PostgreSQL) is built only from double-quoted
(single-quoted) tokens and our own operators, so user text can never become syntax.

Grammar (OR binds tighter than AND, as in web search engines; NEAR tighter than OR;
unary NOT/- tightest)::

    query     := and_expr
    and_expr  := or_expr ( ["AND"] or_expr )*
    or_expr   := near_expr ( "OR" near_expr )*
    near_expr := unary ( ("NEAR" | "NEAR/N") unary )*
    unary     := ("NOT" | "-")* scoped           -- "-" must touch what it negates
    scoped    := [ "title:" ] atom               -- "title:" must touch what it scopes
    atom      := word | word* | "phrase" | ( and_expr )

`X NEAR/N Y` holds when X and Y occur with at most N words between them in one field
(default N = 10); X and Y are words, phrases or OR-groups of them. `a NEAR b NEAR c` means
`(a NEAR b) (b NEAR c)`. A field scope is pushed down onto every word and phrase under it,
so the trees hold scopes only on leaves (`Term.fields`, `Phrase.fields`); nested scopes
intersect. Watchlists are matched with the scope `("title", "lead")` put around their query
(see `scoped`): a word deep in an article's body is a passing mention, not its subject.

Operators are recognised only in UPPER case; `and`, `or`, `not` are ordinary words.
A word is split into its letter/digit runs the way FTS5's unicode61 tokenizer splits
text (`gpt-4o` → the phrase "gpt 4o"), so a query word means what the index holds.

The tree is normalised while it is built (double negation removed, nested And/Or
flattened, one-item groups unwrapped, NOT of all-negative groups turned around by De
Morgan), so every tree `parse` returns is expressible in FTS5, whose NOT is binary
("this but not that") and which has no stand-alone negation.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field as _dc_field
from typing import Any, Mapping

from bot.queryfilters import FILTERS, REPEATABLE

# Words: the same split as FTS5's unicode61 tokenizer (bot/words.py, shared with the index's
# per-language rewriting, bot/langindex.py).
from bot.words import _is_base, _is_word_char, word_spans, word_tokens  # noqa: F401

__all__ = [
    "DEFAULT_NEAR",
    "FIELDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_TERMS",
    "WATCHLIST_MAX_LENGTH",
    "WATCHLIST_MAX_TERMS",
    "WATCHLIST_SCOPE",
    "MIN_PREFIX",
    "And",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "QueryError",
    "SearchQuery",
    "Term",
    "compile_query",
    "parse",
    "parse_search",
    "parse_watchlist",
    "leaves",
    "positive_words",
    "scoped",
    "search_words",
    "to_fts5_by_language",
    "filters_as_typed",
    "without_filters",
    "to_fts5",
    "to_fts5_candidates",
    "to_tsquery",
    "word_spans",
    "word_tokens",
]

MAX_LENGTH = 500  # characters; a watchlist is a few keywords, not an essay
MAX_TERMS = 64  # words (tokens) in all; bounds the work one query can ask of the index
MAX_DEPTH = 20  # nested parentheses; keeps the recursive parser far from Python's limit
# A watchlist is written once by an admin and run on each poll's new rows only, so it may be
# a vocabulary rather than a few keywords (the defaults name dozens of products and attacks).
WATCHLIST_MAX_LENGTH = 10000
WATCHLIST_MAX_TERMS = 1000
DEFAULT_NEAR = 10  # words between the two sides of X NEAR Y
MAX_NEAR = 100
# The fields an article is indexed in: `title`, `summary` (the feed's text) and `lead` (the
# summary's opening sentences, bot/lead.py). Users can scope to `title:`; `lead` is what
# watchlists see besides the title.
FIELDS = ("title", "summary", "lead")
USER_FIELDS = ("title",)
MIN_PREFIX = 3  # letters before a "*": `a*` asks the index to merge the lists of thousands of words

EXAMPLE = "prompt injection -crypto"


class QueryError(ValueError):
    """A query the user has to fix. `str()` is one line; `pointer()` shows where.

    `position` is a 0-based character offset into `query` (None when the problem is the
    query as a whole, e.g. it is empty).
    """

    def __init__(self, message: str, position: int | None = None, query: str = "") -> None:
        super().__init__(message, position, query)
        self.message = message
        self.position = position
        self.query = query

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"column {self.position + 1}: {self.message}"

    def pointer(self) -> str:
        """The query on one line and a caret under the problem on the next.

        Control characters are shown as spaces and East-Asian wide characters are
        matched by two-column padding, so the caret lands under the right character in
        a monospaced block. Without a position, just the query line.
        """
        shown = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in self.query)
        if self.position is None:
            return shown
        pad = "".join(
            "  " if unicodedata.east_asian_width(c) in ("W", "F") else " "
            for c in shown[: self.position]
        )
        return f"{shown}\n{pad}^"


@dataclass(frozen=True)
class Term:
    """One word (one index token), lower-cased; `prefix` for `word*`; `fields` the fields it
    must occur in (empty: any)."""

    text: str
    prefix: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrase:
    """Tokens that must appear next to each other, in order (`"a b"` or `gpt-4o`).

    `prefix` makes the last token a prefix (`gpt-4*`, `"machine learn*"`).
    """

    words: tuple[str, ...]
    prefix: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Near:
    """Both sides occur with at most `distance` words between them, in one field. Each side
    is a Term, a Phrase or an Or of those."""

    items: tuple["Node", "Node"]
    distance: int = DEFAULT_NEAR


@dataclass(frozen=True)
class And:
    """All items match. May hold Not items, next to at least one positive one."""

    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    """Any item matches. Never holds an item that only excludes."""

    items: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    """Excludes what `item` matches; only meaningful inside an And with a positive item."""

    item: "Node"


Node = Term | Phrase | Near | And | Or | Not


# ---------------------------------------------------------------------------------------
# Lexer
# ---------------------------------------------------------------------------------------
_WORD, _PHRASE, _LPAREN, _RPAREN, _AND, _OR, _NOT, _MINUS, _NEAR, _FIELD, _FILTER, _END = (
    "word", "phrase", "(", ")", "AND", "OR", "NOT", "-", "NEAR", "field", "filter", "end",
)
_OPERATORS = {"AND": _AND, "OR": _OR, "NOT": _NOT}
_OPERAND_START = frozenset({_WORD, _PHRASE, _LPAREN, _NOT, _MINUS, _FIELD})
_HINTS = {
    "|": " (write OR)",
    "||": " (write OR)",
    "&": " (write AND, or just a space)",
    "&&": " (write AND, or just a space)",
    "!": " (write -word or NOT word to exclude)",
}


@dataclass
class _Tok:
    kind: str
    start: int
    end: int
    node: Node | None = None
    words: int = 0  # tokens this word or phrase contributes to the MAX_TERMS count
    value: Any = None  # NEAR: the distance; field: the field's name; filter: (name, value)


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def error(self, message: str, position: int | None) -> QueryError:
        return QueryError(message, position, self.text)

    def tokens(self) -> list[_Tok]:
        text, n = self.text, self.n
        toks: list[_Tok] = []
        i = 0
        literal_next = False  # the word right after "-" is never an operator ("-OR")
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
                literal_next = False
                continue
            if c == "(":
                toks.append(_Tok(_LPAREN, i, i + 1))
                i += 1
            elif c == ")":
                toks.append(_Tok(_RPAREN, i, i + 1))
                i += 1
            elif c == '"':
                tok = self._phrase(i)
                toks.append(tok)
                i = tok.end
            elif c == "-":
                nxt = text[i + 1] if i + 1 < n else ""
                if nxt == "" or nxt == ")":
                    raise self.error('"-" has nothing after it: write -word to exclude a word, e.g. -crypto', i)
                if nxt.isspace():
                    raise self.error('"-" must touch the word it excludes: write -crypto, not - crypto', i)
                toks.append(_Tok(_MINUS, i, i + 1))
                i += 1
                literal_next = True
                continue
            else:
                j = i
                while j < n and not text[j].isspace() and text[j] not in '()"':
                    j += 1
                raw = text[i:j]
                field, _, rest = raw.partition(":")
                if raw in _OPERATORS and not literal_next:
                    toks.append(_Tok(_OPERATORS[raw], i, j))
                elif (raw == "NEAR" or raw.startswith("NEAR/")) and not literal_next:
                    toks.append(self._near(raw, i))
                elif _ and field.lower() in FILTERS:
                    toks.append(self._filter(field, rest, i, negated=literal_next))
                elif _ and field.lower() in USER_FIELDS:
                    toks.append(_Tok(_FIELD, i, i + len(field) + 1, value=field.lower()))
                    after = i + len(field) + 1
                    if rest:
                        toks.append(self._word(rest, after))
                    elif after >= n or text[after].isspace() or text[after] == ")":
                        raise self.error(
                            f'"{field}:" must touch what it looks for: write {field.lower()}:word, '
                            f'{field.lower()}:"a phrase" or {field.lower()}:(a OR b)',
                            i,
                        )
                else:
                    toks.append(self._word(raw, i))
                i = j
            literal_next = False
        toks.append(_Tok(_END, n, n))
        return toks

    def _filter(self, name: str, value: str, start: int, negated: bool) -> _Tok:
        """A search filter (bot/queryfilters.py): its value checked here, so a bad one is
        reported at the term, like any other mistake in the query."""
        key = name.lower()
        shown = f"{name}:{value}"
        if negated:
            raise self.error(f'"{shown}" is a filter, not a word: it cannot be excluded (drop the "-")', start - 1)
        try:
            parsed = FILTERS[key](value)
        except ValueError as exc:
            raise self.error(f'"{shown}": {exc}', start) from None
        return _Tok(_FILTER, start, start + len(shown), value=(key, parsed))

    def _near(self, raw: str, start: int) -> _Tok:
        end = start + len(raw)
        if raw == "NEAR":
            return _Tok(_NEAR, start, end, value=DEFAULT_NEAR)
        digits = raw[len("NEAR/"):]
        if not (digits.isascii() and digits.isdigit()) or not 0 <= int(digits) <= MAX_NEAR:
            raise self.error(
                f'"{raw}": write NEAR/N with N a number of words from 0 to {MAX_NEAR}, e.g. china NEAR/5 travel',
                start,
            )
        return _Tok(_NEAR, start, end, value=int(digits))

    def _word(self, raw: str, start: int) -> _Tok:
        end = start + len(raw)
        prefix = raw.endswith("*")
        body = raw[:-1] if prefix else raw
        if "*" in body:
            if not body.strip("*"):
                raise self.error(f'"{raw}" is not a word: put one "*" at the end of a word, e.g. secur*', start)
            raise self.error(f'"*" can only end a word (e.g. secur*), but "{raw}" has one inside', start + body.index("*"))
        if prefix and not body:
            raise self.error('"*" on its own is not a word: put it at the end of a word, e.g. secur*', start)
        if prefix and not _is_word_char(body[-1]):
            raise self.error(f'"*" must come right after a letter or digit, as in secur* ("{raw}")', end - 1)
        words = word_tokens(body)
        if not words:
            raise self.error(f'"{raw}" has no letters or digits to look for{_HINTS.get(raw, "")}', start)
        if prefix:
            self._check_prefix(words[-1], raw, start)
        return _Tok(_WORD, start, end, _leaf(words, prefix), len(words))

    def _check_prefix(self, token: str, raw: str, start: int) -> None:
        """A prefix shorter than MIN_PREFIX letters is refused: it matches a large part of
        the index, and a few of them in one query tie up the bot for seconds."""
        if len(token) < MIN_PREFIX:
            what = f'"{raw}" is' if raw.lower() == f"{token}*" else f'the prefix "{token}*" in {raw} is'
            raise self.error(
                f'{what} too short: a prefix needs at least {MIN_PREFIX} letters before the "*" (e.g. secur*)',
                start,
            )

    def _phrase(self, start: int) -> _Tok:
        text = self.text
        close = text.find('"', start + 1)
        if close < 0:
            raise self.error('this " is never closed: add a closing " after the phrase', start)
        inner = text[start + 1 : close]
        end = close + 1
        # as shown in the (one-line) error messages: a newline inside the quotes becomes a space
        raw = "".join(" " if c.isspace() else c for c in text[start:end])
        prefix = False
        body = inner.rstrip()
        if body.endswith("*"):
            prefix = True
            body = body[:-1]
        if end < len(text) and text[end] == "*":  # "machine learn"* means the same
            if prefix:
                raise self.error(f'{raw}* has two "*": one at the end of the last word is enough', end)
            prefix = True
            end += 1
            if end < len(text) and not text[end].isspace() and text[end] not in '()"':
                raise self.error('"*" can only end a word or phrase, e.g. secur* or "machine learn*"', end - 1)
        if "*" in body:
            raise self.error('"*" inside quotes can only end the last word, e.g. "machine learn*"', start + 1 + body.index("*"))
        words = word_tokens(body)
        if not words:
            if not inner.strip():
                raise self.error(f'the quotes {raw} are empty: put words between them, or remove them', start)
            raise self.error(f"the phrase {raw} has no letters or digits to look for", start)
        if prefix and not (body and _is_word_char(body[-1])):
            star = start + 1 + len(body) if inner.rstrip().endswith("*") else end - 1
            raise self.error(f'"*" must come right after a letter or digit, as in "machine learn*" ({raw})', star)
        if prefix:
            shown = "".join(" " if c.isspace() else c for c in text[start:end])  # with a trailing "*"
            self._check_prefix(words[-1], shown, start)
        return _Tok(_PHRASE, start, end, _leaf(words, prefix), len(words))


def _leaf(words: list[str], prefix: bool) -> Node:
    if len(words) == 1:
        return Term(words[0], prefix)
    return Phrase(tuple(words), prefix)


# ---------------------------------------------------------------------------------------
# Normalising constructors: every tree they build is expressible in FTS5
# ---------------------------------------------------------------------------------------
def _dedupe(items: list[Node]) -> list[Node]:
    seen: set[Node] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _make_group(kind: type, items: list[Node]) -> Node:
    """An And or an Or of `items`, nested groups of the same kind flattened into it
    ((a AND b) AND c = a AND b AND c), repeats dropped, a single item as itself."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    flat = _dedupe(flat)
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _make_and(items: list[Node]) -> Node:
    return _make_group(And, items)


def _make_or(items: list[Node]) -> Node:
    return _make_group(Or, items)


def _make_not(item: Node) -> Node:
    if isinstance(item, Not):  # NOT NOT x = x
        return item.item
    if _only_negative(item):  # NOT (NOT a AND NOT b) = a OR b
        return _make_or([i.item for i in item.items])  # type: ignore[union-attr]
    return Not(item)


def _only_negative(node: Node) -> bool:
    """True for a node that only excludes: it cannot stand alone or be an OR alternative."""
    if isinstance(node, Not):
        return True
    return isinstance(node, And) and all(isinstance(i, Not) for i in node.items)


def _near_side(node: Node) -> bool:
    if isinstance(node, (Term, Phrase)):
        return True
    return isinstance(node, Or) and all(isinstance(i, (Term, Phrase)) for i in node.items)


def _alternatives(node: Node) -> int:
    return len(node.items) if isinstance(node, Or) else 1


def _intersect(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Fields both scopes allow; () means every field."""
    if not a:
        return b
    if not b:
        return a
    return tuple(f for f in a if f in b)


def scoped(node: Node, fields: tuple[str, ...]) -> Node:
    """`node` restricted to `fields`: the scope is pushed onto every word and phrase (nested
    scopes intersect). A leaf left with no field at all can match nothing; the query
    language cannot produce one (its only user scope, title, is inside every scope)."""
    if isinstance(node, Term):
        return Term(node.text, node.prefix, _intersect(node.fields, fields))
    if isinstance(node, Phrase):
        return Phrase(node.words, node.prefix, _intersect(node.fields, fields))
    if isinstance(node, Near):
        return Near((scoped(node.items[0], fields), scoped(node.items[1], fields)), node.distance)
    if isinstance(node, And):
        return And(tuple(scoped(i, fields) for i in node.items))
    if isinstance(node, Or):
        return Or(tuple(scoped(i, fields) for i in node.items))
    if isinstance(node, Not):
        return Not(scoped(node.item, fields))
    raise TypeError(f"not a query node: {node!r}")


def leaves(node: Node) -> list[Term | Phrase]:
    """Every word and phrase of a query, excluded ones too, in query order."""
    out: list = []

    def walk(n: Node) -> None:
        if isinstance(n, (Term, Phrase)):
            out.append(n)
        elif isinstance(n, Not):
            walk(n.item)
        else:
            for item in n.items:
                walk(item)

    walk(node)
    return out


def near_fields(node: Near) -> tuple[str, ...]:
    """The fields a NEAR can hold in: those every word on both sides allows."""
    fields: tuple[str, ...] = ()
    for leaf in leaves(node):
        fields = _intersect(fields, leaf.fields)
    return fields


# ---------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str, toks: list[_Tok]) -> None:
        self.text = text
        self.toks = toks
        self.i = 0

    def error(self, message: str, position: int | None) -> QueryError:
        return QueryError(message, position, self.text)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def advance(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        first = self.peek()
        node = self.and_expr(0)
        tok = self.peek()
        if tok.kind == _RPAREN:
            raise self.error('this ")" has no matching "("', tok.start)
        assert tok.kind == _END and node is not None
        if _only_negative(node):
            raise self.error(
                "add at least one word to look for: this query only excludes words "
                f"(e.g. {EXAMPLE})",
                first.start,
            )
        return node

    def and_expr(self, depth: int) -> Node | None:
        items: list[Node] = []
        while True:
            tok = self.peek()
            if tok.kind in (_AND, _OR):
                if not items:
                    raise self.error(
                        f"{tok.kind} has nothing before it: it goes between words, e.g. travel {tok.kind} visa",
                        tok.start,
                    )
                # an OR right after a complete operand is consumed by or_expr, so here
                # it can only be AND
                self.advance()
                if self.peek().kind not in _OPERAND_START:
                    raise self.error(
                        f"{tok.kind} has nothing after it: it goes between words, e.g. travel {tok.kind} visa",
                        tok.start,
                    )
            elif tok.kind in _OPERAND_START:
                items.append(self.or_expr(depth))
            elif tok.kind == _NEAR:  # a NEAR after a complete operand is near_expr's
                raise self.error(
                    f"{self.text[tok.start:tok.end]} has nothing before it: it goes between words, e.g. china NEAR travel",
                    tok.start,
                )
            else:  # ")" or the end
                return _make_and(items) if items else None

    def or_expr(self, depth: int) -> Node:
        alts = [self.near_expr(depth)]
        while self.peek().kind == _OR:
            op = self.advance()
            if self.peek().kind not in _OPERAND_START:
                raise self.error("OR has nothing after it: it goes between words, e.g. travel OR visa", op.start)
            alts.append(self.near_expr(depth))
        if len(alts) == 1:
            return alts[0][0]
        for node, start, end in alts:
            if _only_negative(node):
                shown = self.text[start:end]
                raise self.error(
                    f'"{shown}" only excludes, so it cannot be an OR alternative '
                    '("a OR -b" would mean "a, or anything without b"): '
                    "to exclude it, drop the OR (a -b); otherwise drop the minus/NOT",
                    start,
                )
        return _make_or([a[0] for a in alts])

    def near_expr(self, depth: int) -> tuple[Node, int, int]:
        first = self.unary(depth)
        if self.peek().kind != _NEAR:
            return first
        sides = [first]
        distances: list[int] = []
        while self.peek().kind == _NEAR:
            op = self.advance()
            if self.peek().kind not in _OPERAND_START:
                raise self.error(
                    f"{self.text[op.start:op.end]} has nothing after it: it goes between words, e.g. china NEAR travel",
                    op.start,
                )
            distances.append(int(op.value))  # type: ignore[arg-type]
            sides.append(self.unary(depth))
        for node, start, end in sides:
            if not _near_side(node):
                shown = self.text[start:end]
                raise self.error(
                    f'NEAR joins words, phrases or (a OR b) groups of them, not "{shown}": '
                    "put exclusions and other words outside, e.g. (china NEAR travel) -tourism",
                    start,
                )
        pairs = [Near((sides[k][0], sides[k + 1][0]), distances[k]) for k in range(len(distances))]
        return _make_and(pairs), sides[0][1], sides[-1][2]

    def unary(self, depth: int) -> tuple[Node, int, int]:
        start = self.peek().start
        negations = 0
        while self.peek().kind in (_NOT, _MINUS):
            op = self.advance()
            negations += 1
            if self.peek().kind not in _OPERAND_START:  # only NOT can get here: the lexer
                raise self.error(  # already refuses "-" with nothing right after it
                    "NOT has nothing after it: follow it with the word to exclude, e.g. NOT crypto",
                    op.start,
                )
        node = self.scoped_atom(depth)
        end = self.toks[self.i - 1].end
        for _ in range(negations):
            node = _make_not(node)
        return node, start, end

    def scoped_atom(self, depth: int) -> Node:
        if self.peek().kind != _FIELD:
            return self.atom(depth)
        tok = self.advance()
        if self.peek().kind not in (_WORD, _PHRASE, _LPAREN):
            raise self.error(
                f'"{tok.value}:" must be followed by a word, a "phrase" or a (group), e.g. {tok.value}:(a OR b)',
                tok.start,
            )
        return scoped(self.atom(depth), (str(tok.value),))

    def atom(self, depth: int) -> Node:
        tok = self.advance()
        if tok.kind in (_WORD, _PHRASE):
            assert tok.node is not None
            return tok.node
        assert tok.kind == _LPAREN, tok.kind
        if depth + 1 > MAX_DEPTH:
            raise self.error(f"parentheses nest more than {MAX_DEPTH} deep: simplify the query", tok.start)
        if self.peek().kind == _RPAREN:
            raise self.error('empty parentheses "()": put words inside, or remove them', tok.start)
        inner = self.and_expr(depth + 1)
        close = self.peek()
        if close.kind != _RPAREN:
            raise self.error('this "(" is never closed: add ")"', tok.start)
        self.advance()
        assert inner is not None
        return inner


def _lex(text: str, max_length: int, max_terms: int) -> list[_Tok]:
    if not isinstance(text, str):
        raise QueryError(f"a query must be text, not {type(text).__name__}", None, repr(text))
    if len(text) > max_length:
        raise QueryError(f"the query is {len(text)} characters long; the limit is {max_length}", max_length, text)
    if not text.strip():
        raise QueryError(f"the query is empty: type the words to look for, e.g. {EXAMPLE}", None, text)
    toks = _Lexer(text).tokens()
    count = 0
    for tok in toks:
        count += tok.words
        if count > max_terms:
            raise QueryError(f"the query has more than {max_terms} words: remove some", tok.start, text)
    return toks


def parse(text: str, *, max_length: int = MAX_LENGTH, max_terms: int = MAX_TERMS) -> Node:
    """Parse a query into a normalised tree; raises QueryError (and nothing else) for
    any string that is not a valid query. Watchlists pass the larger WATCHLIST_* limits.
    Search filters (`since:` …) are refused here: only `parse_search` takes them."""
    toks = _lex(text, max_length, max_terms)
    for tok in toks:
        if tok.kind == _FILTER:
            raise QueryError(
                f'"{text[tok.start:tok.end]}" filters search results; it cannot be part of a watchlist query',
                tok.start,
                text,
            )
    return _Parser(text, toks).parse()


def search_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of each word a (valid) query looks for, where it is typed: not the
    excluded ones, not a prefix being typed (`secur*`), not operators or filters. "Did you
    mean" rewrites only these, so the rest of the query stays exactly as typed."""
    toks = _Lexer(text).tokens()
    out: list[tuple[int, int, str]] = []
    for k, tok in enumerate(toks):
        if tok.kind not in (_WORD, _PHRASE):
            continue
        before = [toks[i].kind for i in range(max(0, k - 2), k)]
        if before[-1:] in ([_MINUS], [_NOT]) or (before[-1:] == [_FIELD] and before[:1] in ([_MINUS], [_NOT])):
            continue
        spans = [(tok.start + a, tok.start + b, t) for a, b, t in word_spans(text[tok.start:tok.end])]
        if tok.node is not None and tok.node.prefix:  # type: ignore[union-attr]
            spans = spans[:-1]
        out.extend(spans)
    return out


def without_filters(text: str) -> str:
    """A (valid) search query's text with its filters taken out, the rest as typed: what a
    watchlist made from a search keeps (a watchlist looks at each new article; "since" and
    "sort" mean nothing there)."""
    toks = _Lexer(text).tokens()
    out, pos = [], 0
    for tok in toks:
        if tok.kind == _FILTER:
            out.append(text[pos:tok.start])
            pos = tok.end
    out.append(text[pos:])
    return " ".join("".join(out).split())


def filters_as_typed(text: str) -> list[str]:
    """The filters of a (valid) search query as typed (`since:7d`, `language:fr`): what
    `without_filters` takes out, to tell the person who turns a search into a watchlist."""
    return [text[tok.start:tok.end] for tok in _Lexer(text).tokens() if tok.kind == _FILTER]


@dataclass(frozen=True)
class SearchQuery:
    """A search: the words to match (None when the query is only filters) and the filters,
    by name (bot/queryfilters.py), each at most once."""

    node: Node | None
    filters: Mapping[str, Any] = _dc_field(default_factory=dict, hash=False)

    @property
    def sort(self) -> str:
        return self.filters.get("sort", "relevance")


def parse_search(text: str) -> SearchQuery:
    """A search query: words as `parse` reads them, plus filters anywhere at the top level
    (never inside parentheses, negated, or joined by AND/OR/NEAR: they narrow the whole
    search, they are not alternatives of it). Raises QueryError."""
    toks = _lex(text, MAX_LENGTH, MAX_TERMS)
    filters: dict[str, Any] = {}
    rest: list[_Tok] = []
    depth = 0
    for k, tok in enumerate(toks):
        depth += (tok.kind == _LPAREN) - (tok.kind == _RPAREN)
        if tok.kind != _FILTER:
            rest.append(tok)
            continue
        name, value = tok.value
        shown = text[tok.start:tok.end]
        before = toks[k - 1].kind if k else None
        after = toks[k + 1].kind
        if depth > 0:
            raise QueryError(f'"{shown}" is a filter: put it outside the parentheses', tok.start, text)
        if before == _NOT:
            raise QueryError(f'"{shown}" is a filter, not a word: it cannot be excluded (drop the NOT)', tok.start, text)
        if before in (_AND, _OR, _NEAR) or after in (_AND, _OR, _NEAR):
            raise QueryError(
                f'"{shown}" is a filter, not a word: write it on its own, without AND, OR or NEAR next to it',
                tok.start,
                text,
            )
        if name in REPEATABLE:  # several: any of them (language:fr language:de)
            filters[name] = tuple(dict.fromkeys((*filters.get(name, ()), value)))
            continue
        if name in filters:
            raise QueryError(f'"{name}:" is given twice: keep one', tok.start, text)
        filters[name] = value
    if "since" in filters and "until" in filters and filters["since"] > filters["until"]:
        where = next(t.start for t in toks if t.kind == _FILTER and t.value[0] == "until")
        raise QueryError("until: is before since:, so nothing can match: swap the dates", where, text)
    if len(rest) == 1:  # only filters (and the end)
        return SearchQuery(None, filters)
    return SearchQuery(_Parser(text, rest).parse(), filters)


# ---------------------------------------------------------------------------------------
# Compilers
# ---------------------------------------------------------------------------------------
def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_columns(fields: tuple[str, ...]) -> str:
    if not fields:
        return ""
    return (fields[0] if len(fields) == 1 else "{" + " ".join(fields) + "}") + " : "


def _fts_phrase(node: Term | Phrase, lang: str | None = None) -> str:
    """The FTS5 phrase for a word or phrase in articles of one language (None: English and the
    languages indexed like it). Words of other languages and CJK runs are rewritten as the index
    holds them (bot/langindex.py); plain ASCII in English is what it always was."""
    words = (node.text,) if isinstance(node, Term) else node.words
    if lang is None and all(w.isascii() for w in words):
        return _fts_quote(" ".join(words)) + (" *" if node.prefix else "")
    from bot.langindex import query_tokens

    tokens, prefix = query_tokens(words, node.prefix, lang)
    return _fts_quote(" ".join(tokens)) + (" *" if prefix else "")


def _fts_phrases(node: Term | Phrase, forms: tuple[str | None, ...]) -> str:
    """The word or phrase in each of `forms` (languages; None: English and those indexed
    like it), ORed: English's form OR each other language's of the archive."""
    alts = list(dict.fromkeys(_fts_phrase(node, lang) for lang in forms))
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def _fts_near(node: Near, forms: tuple[str | None, ...] = (None,)) -> str:
    """One FTS5 NEAR group per pair of alternatives (FTS5's NEAR takes phrases only), under
    the fields both sides allow; per language of the archive, both sides in that language."""
    left, right = node.items
    lefts = left.items if isinstance(left, Or) else (left,)
    rights = right.items if isinstance(right, Or) else (right,)
    columns = _fts_columns(near_fields(node))
    groups = list(dict.fromkeys(
        f"{columns}NEAR({_fts_phrase(a, lang)} {_fts_phrase(b, lang)}, {node.distance})"  # type: ignore[arg-type]
        for lang in forms
        for a in lefts
        for b in rights
    ))
    return groups[0] if len(groups) == 1 else "(" + " OR ".join(groups) + ")"


# FTS5 parses and sets up every NEAR group of a query on each run: a NEAR between two large
# groups (a watchlist's "any AI word NEAR any security word", thousands of pairs) costs a
# second per run before it reads a single row. Beyond this many pairs the index is asked for
# both sides anywhere in the fields (a superset) and the caller checks the distance itself
# (bot/explain.py `holds`), which costs microseconds per candidate.
NATIVE_NEAR_PAIRS = 64


def _native_pairs(node: Near, forms: tuple[str | None, ...]) -> int:
    return _alternatives(node.items[0]) * _alternatives(node.items[1]) * len(forms)


def _fts_relaxed(node: Near, forms: tuple[str | None, ...] = (None,)) -> str:
    """Both sides of a NEAR, in the fields the NEAR may hold in: every row the NEAR matches."""
    columns = _fts_columns(near_fields(node))
    sides = [
        " OR ".join(_fts_phrases(i, forms) for i in (side.items if isinstance(side, Or) else (side,)))  # type: ignore[arg-type]
        for side in node.items
    ]
    return f"({columns}({sides[0]}) AND {columns}({sides[1]}))"


def _fts(node: Node, top: bool = False, relax: bool = False, forms: tuple[str | None, ...] = (None,)) -> str:
    """FTS5 text for `node`; compound results are parenthesised unless `top`, so FTS5's
    own precedence (NOT > AND > OR) never comes into play. `relax`: large NEARs become a
    superset (see NATIVE_NEAR_PAIRS). `forms`: see _fts_phrases."""
    if isinstance(node, (Term, Phrase)):
        leaf = _fts_columns(node.fields) + _fts_phrases(node, forms)
        return leaf if top or not node.fields else f"({leaf})"
    if isinstance(node, Near):
        if relax and _native_pairs(node, forms) > NATIVE_NEAR_PAIRS:
            return _fts_relaxed(node, forms)
        return _fts_near(node, forms)
    if isinstance(node, Or):
        _check_items(node)
        for item in node.items:
            if _only_negative(item):
                raise QueryError("an OR alternative cannot be only an exclusion", None, "")
        out = " OR ".join(_fts(i, relax=relax, forms=forms) for i in node.items)
    elif isinstance(node, And):
        _check_items(node)
        positives = [i for i in node.items if not isinstance(i, Not)]
        negatives = [i.item for i in node.items if isinstance(i, Not)]
        if not positives:
            raise QueryError("add at least one word to look for: a query cannot be only exclusions", None, "")
        out = " AND ".join(_fts(p, relax=relax, forms=forms) for p in positives)
        if negatives:
            if len(positives) > 1:
                out = f"({out})"
            # an exclusion stays exact: relaxing it would drop rows the query matches
            out += "".join(" NOT " + _fts(n, forms=forms) for n in negatives)
    elif isinstance(node, Not):
        raise QueryError("an exclusion needs something to exclude it from (e.g. ai -crypto)", None, "")
    else:
        raise TypeError(f"not a query node: {node!r}")
    return out if top else f"({out})"


def _check_items(node: And | Or) -> None:
    if not node.items:
        raise QueryError(f"an empty {type(node).__name__} group", None, "")


def to_fts5(node: Node, langs: tuple[str, ...] = ()) -> str:
    """FTS5 MATCH text for a table tokenized 'porter unicode61 remove_diacritics 2'.

    Every token is double-quoted, so no user text is FTS5 syntax. An And with exclusions
    becomes `(p1 AND p2) NOT n1 NOT n2`: FTS5's NOT is binary and left-associative.
    `langs`: the archive's languages not indexed like English (bot/langindex.py); each word
    is then looked for in its English form OR its form in each of them. With none, and no
    Chinese, Japanese or Korean in the query, the text is what it always was.
    """
    return _fts(node, top=True, forms=(None, *langs))


def to_fts5_candidates(node: Node, langs: tuple[str, ...] = ()) -> tuple[str, bool]:
    """FTS5 MATCH text that finds every row `node` matches, cheaply, and whether it is exact.
    When it is not (a large NEAR was relaxed), check each row with bot.explain.holds."""
    forms = (None, *langs)
    exact = not any(isinstance(n, Near) and _native_pairs(n, forms) > NATIVE_NEAR_PAIRS for n in _walk(node))
    return (to_fts5(node, langs) if exact else _fts(node, top=True, relax=True, forms=forms)), exact


def to_fts5_by_language(node: Node, langs: tuple[str, ...]) -> list[str] | None:
    """The query as one FTS5 MATCH text per language form (English's first), whose matches
    together are exactly `to_fts5(node, langs)`'s, each row's BM25 the same; or None when
    that does not hold and the one ORed text must be used.

    Why: FTS5 scores every phrase of a query for every row it matches, so ORing each word's
    form in a dozen languages makes each of 100,000 English hits cost a dozen times more,
    though an English row can only ever hold the English forms (another language's are
    marked: bot/langindex.py) and vice versa. Split by language, each row matches only its
    own language's text, and the phrases it cannot hold cost nothing (BM25 adds 0 for them
    in the ORed form). Not so for a prefix or Chinese/Japanese/Korean piece, which are
    unmarked in every language (a French row can match the English text through them): those
    queries, and relaxed NEARs, stay ORed."""
    if not langs or any(isinstance(n, Near) for n in _walk(node)):
        return None
    for n in _walk(node):
        if isinstance(n, (Term, Phrase)):
            words = (n.text,) if isinstance(n, Term) else n.words
            if n.prefix or _has_cjk(words):
                return None
    return [_fts(node, top=True, forms=(lang,)) for lang in (None, *langs)]


def _has_cjk(words: tuple[str, ...]) -> bool:
    from bot.langindex import has_cjk

    return any(has_cjk(w) for w in words)


def _walk(node: Node):
    yield node
    if isinstance(node, Not):
        yield from _walk(node.item)
    elif isinstance(node, (And, Or, Near)):
        for item in node.items:
            yield from _walk(item)


def _ts_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


# Each field is a weight in the tsvector (bot/store/schema.py): titles A, summaries B,
# leads C (a second copy of the summary's opening, so that a scope can name it).
TS_WEIGHTS = {"title": "A", "summary": "B", "lead": "C"}


def _ts_lexeme(word: str, prefix: bool, weights: str) -> str:
    label = ("*" if prefix else "") + weights
    return _ts_quote(word) + (":" + label if label else "")


def _ts_weights(fields: tuple[str, ...]) -> str:
    return "".join(TS_WEIGHTS[f] for f in fields)


def _ts_leaf(node: Term | Phrase, weights: str) -> str:
    words = (node.text,) if isinstance(node, Term) else node.words
    if not all(w.isascii() for w in words):
        from bot.langindex import query_pieces  # CJK runs: the phrase of their bigrams

        pieces = query_pieces(words, node.prefix)
        if len(pieces) == 1:
            return _ts_lexeme(pieces[0].text, pieces[0].prefix, weights)
        return "(" + " <-> ".join(_ts_lexeme(p.text, p.prefix, weights) for p in pieces) + ")"
    if isinstance(node, Term):
        return _ts_lexeme(node.text, node.prefix, weights)
    last = len(node.words) - 1
    return "(" + " <-> ".join(
        _ts_lexeme(w, node.prefix and i == last, weights) for i, w in enumerate(node.words)
    ) + ")"


def _ts_side(node: Node, weight: str) -> str:
    items = node.items if isinstance(node, Or) else (node,)
    inner = " | ".join(_ts_leaf(i, weight) for i in items)  # type: ignore[arg-type]
    return f"({inner})" if len(items) > 1 else inner


def _ts_near(node: Near) -> str:
    """`<k>` is an exact distance in PostgreSQL: "at most N words between" is every k from 1
    to N + 1, either way round, once per field; both sides carry that field's weight, so a
    NEAR never spans the end of a title and the start of a summary."""
    fields = near_fields(node) or ("title", "summary")
    alts = []
    for field in fields:
        w = TS_WEIGHTS[field]
        a, b = _ts_side(node.items[0], w), _ts_side(node.items[1], w)
        for k in range(1, node.distance + 2):
            alts.append(f"{a} <{k}> {b}")
            alts.append(f"{b} <{k}> {a}")
    return "(" + " | ".join(alts) + ")"


def _ts(node: Node, top: bool = False) -> str:
    if isinstance(node, Term) and node.text.isascii():
        return _ts_lexeme(node.text, node.prefix, _ts_weights(node.fields))
    if isinstance(node, Term):
        out = _ts_leaf(node, _ts_weights(node.fields))
        return out[1:-1] if top and out.startswith("(") else out
    if isinstance(node, Phrase):
        out = _ts_leaf(node, _ts_weights(node.fields))[1:-1]
    elif isinstance(node, Near):
        return _ts_near(node)
    elif isinstance(node, Not):
        return "!" + _ts(node.item)
    elif isinstance(node, (And, Or)):
        _check_items(node)
        out = (" & " if isinstance(node, And) else " | ").join(_ts(i) for i in node.items)
    else:
        raise TypeError(f"not a query node: {node!r}")
    return out if top else f"({out})"


def to_tsquery(node: Node) -> str:
    """Text for PostgreSQL `to_tsquery('english', …)`: quoted lexemes, `<->` for phrases,
    `:*` for prefixes, `& | !` fully parenthesised."""
    return _ts(node, top=True)


def positive_words(node: Node) -> list[str]:
    """The words a match is *for* (none from exclusions), in query order, once each —
    for choosing and highlighting snippets. A prefix term gives its prefix."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            out.append(n.text)
        elif isinstance(n, Phrase):
            out.extend(n.words)
        elif isinstance(n, (And, Or, Near)):
            for item in n.items:
                walk(item)
        # Not: excluded words are not what a hit is about

    walk(node)
    return list(dict.fromkeys(out))


WATCHLIST_SCOPE = ("title", "lead")


def parse_watchlist(text: str) -> Node:
    """A watchlist's query as matching runs it: with the watchlist limits, and scoped to an
    article's headline and lead (see bot/lead.py for why)."""
    return scoped(parse(text, max_length=WATCHLIST_MAX_LENGTH, max_terms=WATCHLIST_MAX_TERMS), WATCHLIST_SCOPE)


def compile_query(text: str) -> str:
    """parse + to_fts5: the FTS5 MATCH text for a user's query (raises QueryError)."""
    return to_fts5(parse(text))
