"""Properties of the escaping and splitting machinery, over generated text."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import mrkdwn
from bot.digest.context import build_context
from bot.digest.render import render_messages
from bot.digest.select import choose, window_for
from tests.support.blockkit import assert_valid_blocks
from tests.support.digest_helpers import T0, cand, ts

# Text rich in what breaks things: Slack control characters, JSON specials, mentions,
# bidi controls, emoji, right-to-left scripts, whitespace.
NASTY = st.lists(
    st.one_of(
        st.sampled_from(list("<>&|*_~`\"\\!@#^:/\n\t ") + ["<!channel>", "<@U1>", "\u202e", "\u200b", "👩‍💻", "خبر"]),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=200,
).map("".join)
WINDOW = window_for(None, ts(T0))
ATOM = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);")


@settings(max_examples=60, deadline=None)
@given(title=NASTY, source=NASTY, summary=NASTY)
@example(title="", source="\u2217", summary="")  # found by Hypothesis: a feed's own ∗ in the URL shown
def test_any_feed_text_renders_valid_and_shows_literally(title, source, summary):
    c = cand(title, source or "x", hours=1, summary=summary)
    sel = choose([c], start=WINDOW.start_dt, end=WINDOW.end_dt, max_items=10)
    result = render_messages("daily", build_context(sel, window=WINDOW), None)
    assert result.errors == []
    for m in result.messages:
        assert_valid_blocks(m.blocks)
    text = result.messages[0].blocks[2]["text"]["text"]
    # every "<" opens a token the machinery made: the link or the date, nothing else
    tokens = re.findall(r"<[^<>]*>", text)
    assert text.count("<") == len(tokens) == 2
    assert tokens[0].startswith("<https://news.example/") and tokens[1].startswith("<!date^")
    shown = mrkdwn.to_plain(tokens[0]).rsplit(" (https://", 1)[0]
    visible = mrkdwn.truncate(mrkdwn._INVISIBLE.sub("", " ".join(title.split()) or c.url), 250)
    # (an invisible title shows the URL)
    # to_plain turns ∗ (how emphasize() shows a feed's own *) back into *: a feed's own ∗ is
    # then indistinguishable from it, so both sides are compared with ∗ read as *
    def plain(t: str) -> str:
        return t.replace("¦", "|").replace("\u2217", "*")

    assert plain(shown) == plain(visible or mrkdwn.safe_url(c.url))


WORDS = st.lists(
    st.one_of(
        st.text(alphabet="abcdefgh", min_size=1, max_size=30),
        st.just("&amp;"),
        st.just("&lt;"),
        st.builds(lambda a, b: f"<https://example.com/{a}|{b}>",
                  st.text(alphabet="abc", max_size=40), st.text(alphabet="xyz ", max_size=60)),
        st.just("\n"),
    ),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(words=WORDS, limit=st.integers(min_value=20, max_value=400))
def test_split_respects_the_limit_and_never_breaks_a_link_or_entity(words, limit):
    text = " ".join(words)
    pieces = mrkdwn.split(text, limit)
    assert all(len(p) <= limit for p in pieces)
    for p in pieces:
        rest = ATOM.sub("", p)
        assert "<" not in rest and ">" not in rest  # no half link
        assert not re.search(r"&(?!amp;|lt;|gt;)", p)  # no half entity
    # only whitespace (and the URL of a link longer than the limit) is lost
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    if all(len(t) <= limit for t in ATOM.findall(text)):
        assert squash("".join(pieces)) == squash(text)


@settings(max_examples=200, deadline=None)
@given(words=WORDS, limit=st.integers(min_value=5, max_value=300))
def test_cut_respects_the_limit_and_never_breaks_a_link_or_entity(words, limit):
    out = mrkdwn.cut(" ".join(words), limit)
    assert len(out) <= limit
    rest = ATOM.sub("", out)
    assert "<" not in rest and ">" not in rest
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)
