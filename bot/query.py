"""The query language shared by watchlists and search: parse, explain mistakes, compile.

One grammar serves `/aibrief QUERY`, `aibrief search`, `watch add|test` and the digest,
so they agree by construction. We parse the text ourselves rather than hand it to FTS5:
FTS5's own syntax is unforgiving (a stray `-`, `:` or `"` is an SQL error), its
precedence differs from what people expect from web search, and its errors mean nothing
to a Slack user. What reaches FTS5 (or PostgreSQL) is built only from double-quoted
(single-quoted) tokens and our own operators, so user text can never become syntax.

Grammar (OR binds tighter than AND, as in web search engines; unary NOT/- tightest)::

    query    := and_expr
    and_expr := or_expr ( ["AND"] or_expr )*
    or_expr  := unary ( "OR" unary )*
    unary    := ("NOT" | "-")* atom           -- "-" must touch what it negates
    atom     := word | word* | "phrase" | ( and_expr )

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
from dataclasses import dataclass
__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_TERMS",
    "MIN_PREFIX",
    "And",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "QueryError",
    "Term",
    "compile_query",
    "parse",
    "positive_words",
    "to_fts5",
    "to_tsquery",
    "word_tokens",
]

MAX_LENGTH = 500  # characters; a watchlist is a few keywords, not an essay
MAX_TERMS = 64  # words (tokens) in all; bounds the work one query can ask of the index
MAX_DEPTH = 20  # nested parentheses; keeps the recursive parser far from Python's limit
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
    """One word (one index token), lower-cased; `prefix` for `word*`."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Tokens that must appear next to each other, in order (`"a b"` or `gpt-4o`).

    `prefix` makes the last token a prefix (`gpt-4*`, `"machine learn*"`).
    """

    words: tuple[str, ...]
    prefix: bool = False


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


Node = Term | Phrase | And | Or | Not


# ---------------------------------------------------------------------------------------
# Words: the same split as FTS5's unicode61 tokenizer
# ---------------------------------------------------------------------------------------
# unicode61 (default categories "L* N* Co") keeps letters, digits and private-use
# characters together and separates on everything else. It also keeps combining
# diacritics inside a word (remove_diacritics then drops them): a decomposed "naïve" is
# one token, so marks count as word characters here too. Code points its Unicode tables
# do not know (Cn) are word characters to it as well. Erring towards "word character" is
# the safe side: FTS5 re-tokenizes every quoted string anyway, whereas splitting where it
# would not would turn one word into a phrase that cannot match.
_BASE_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Co", "Cn"})
_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})


def _is_base(c: str) -> bool:
    return unicodedata.category(c) in _BASE_CATEGORIES


def _is_word_char(c: str) -> bool:
    cat = unicodedata.category(c)
    return cat in _BASE_CATEGORIES or cat in _MARK_CATEGORIES


def _lower(run: str) -> str:
    # Per character, one character each: "İ".lower() is "i" + U+0307, and a second
    # character would change where the word is split. FTS5 folds "İ" to "i" as well.
    return "".join(c.lower()[0] for c in run)


def word_tokens(text: str) -> list[str]:
    """The lower-cased letter/digit runs of `text`, as the unicode61 tokenizer splits it
    (before stemming and diacritic removal). Runs of combining marks alone are dropped,
    as FTS5 drops the empty token they leave."""
    out: list[str] = []
    start = None
    for i, c in enumerate(text + " "):
        if i < len(text) and _is_word_char(c):
            if start is None:
                start = i
        elif start is not None:
            run = text[start:i]
            if any(_is_base(ch) for ch in run):
                out.append(_lower(run))
            start = None
    return out


# ---------------------------------------------------------------------------------------
# Lexer
# ---------------------------------------------------------------------------------------
_WORD, _PHRASE, _LPAREN, _RPAREN, _AND, _OR, _NOT, _MINUS, _END = (
    "word", "phrase", "(", ")", "AND", "OR", "NOT", "-", "end",
)
_OPERATORS = {"AND": _AND, "OR": _OR, "NOT": _NOT}
_OPERAND_START = frozenset({_WORD, _PHRASE, _LPAREN, _NOT, _MINUS})
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
                if raw in _OPERATORS and not literal_next:
                    toks.append(_Tok(_OPERATORS[raw], i, j))
                else:
                    toks.append(self._word(raw, i))
                i = j
            literal_next = False
        toks.append(_Tok(_END, n, n))
        return toks

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


def _make_and(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    flat = _dedupe(flat)
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _make_or(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    flat = _dedupe(flat)
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


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
            else:  # ")" or the end
                return _make_and(items) if items else None

    def or_expr(self, depth: int) -> Node:
        alts = [self.unary(depth)]
        while self.peek().kind == _OR:
            op = self.advance()
            if self.peek().kind not in _OPERAND_START:
                raise self.error("OR has nothing after it: it goes between words, e.g. travel OR visa", op.start)
            alts.append(self.unary(depth))
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
        node = self.atom(depth)
        end = self.toks[self.i - 1].end
        for _ in range(negations):
            node = _make_not(node)
        return node, start, end

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


def parse(text: str) -> Node:
    """Parse a query into a normalised tree; raises QueryError (and nothing else) for
    any string that is not a valid query."""
    if not isinstance(text, str):
        raise QueryError(f"a query must be text, not {type(text).__name__}", None, repr(text))
    if len(text) > MAX_LENGTH:
        raise QueryError(f"the query is {len(text)} characters long; the limit is {MAX_LENGTH}", MAX_LENGTH, text)
    if not text.strip():
        raise QueryError(f"the query is empty: type the words to look for, e.g. {EXAMPLE}", None, text)
    toks = _Lexer(text).tokens()
    count = 0
    for tok in toks:
        count += tok.words
        if count > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} words: remove some", tok.start, text)
    return _Parser(text, toks).parse()


# ---------------------------------------------------------------------------------------
# Compilers
# ---------------------------------------------------------------------------------------
def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts(node: Node, top: bool = False) -> str:
    """FTS5 text for `node`; compound results are parenthesised unless `top`, so FTS5's
    own precedence (NOT > AND > OR) never comes into play."""
    if isinstance(node, Term):
        return _fts_quote(node.text) + (" *" if node.prefix else "")
    if isinstance(node, Phrase):
        return _fts_quote(" ".join(node.words)) + (" *" if node.prefix else "")
    if isinstance(node, Or):
        _check_items(node)
        for item in node.items:
            if _only_negative(item):
                raise QueryError("an OR alternative cannot be only an exclusion", None, "")
        out = " OR ".join(_fts(i) for i in node.items)
    elif isinstance(node, And):
        _check_items(node)
        positives = [i for i in node.items if not isinstance(i, Not)]
        negatives = [i.item for i in node.items if isinstance(i, Not)]
        if not positives:
            raise QueryError("add at least one word to look for: a query cannot be only exclusions", None, "")
        out = " AND ".join(_fts(p) for p in positives)
        if negatives:
            if len(positives) > 1:
                out = f"({out})"
            out += "".join(" NOT " + _fts(n) for n in negatives)
    elif isinstance(node, Not):
        raise QueryError("an exclusion needs something to exclude it from (e.g. ai -crypto)", None, "")
    else:
        raise TypeError(f"not a query node: {node!r}")
    return out if top else f"({out})"


def _check_items(node: And | Or) -> None:
    if not node.items:
        raise QueryError(f"an empty {type(node).__name__} group", None, "")


def to_fts5(node: Node) -> str:
    """FTS5 MATCH text for a table tokenized 'porter unicode61 remove_diacritics 2'.

    Every token is double-quoted, so no user text is FTS5 syntax. An And with exclusions
    becomes `(p1 AND p2) NOT n1 NOT n2`: FTS5's NOT is binary and left-associative.
    """
    return _fts(node, top=True)


def _ts_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _ts(node: Node, top: bool = False) -> str:
    if isinstance(node, Term):
        return _ts_quote(node.text) + (":*" if node.prefix else "")
    if isinstance(node, Phrase):
        parts = [_ts_quote(w) for w in node.words]
        if node.prefix:
            parts[-1] += ":*"
        out = " <-> ".join(parts)
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
        elif isinstance(n, (And, Or)):
            for item in n.items:
                walk(item)
        # Not: excluded words are not what a hit is about

    walk(node)
    return list(dict.fromkeys(out))


def compile_query(text: str) -> str:
    """parse + to_fts5: the FTS5 MATCH text for a user's query (raises QueryError)."""
    return to_fts5(parse(text))
