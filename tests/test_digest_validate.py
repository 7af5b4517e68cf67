"""Slack's limits: each is accepted exactly at the limit and split (or cut) one past it."""

from __future__ import annotations

import pytest

from bot import mrkdwn
from bot.digest.validate import (
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_TEXT,
    Message,
    ValidationProblem,
    fit_block,
    prepare,
    size,
)
from tests.support.blockkit import assert_valid_blocks


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(n: int) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"e{i}"} for i in range(n)]}


def check(messages: list[Message]) -> None:
    for m in messages:
        assert_valid_blocks(m.blocks)
        assert size(m.blocks) <= MAX_MESSAGE_CHARS


def test_section_text_at_the_limit_stays_one_block():
    b = section("x" * MAX_SECTION_TEXT)
    assert fit_block(b) == [b]


def test_section_text_one_past_the_limit_splits_at_a_line_break():
    lines = ["line %04d " % i + "y" * 90 for i in range(40)]  # 40 × 100 chars + newlines
    text = "\n".join(lines)
    assert len(text) > MAX_SECTION_TEXT
    parts = fit_block(section(text))
    assert len(parts) == 2
    texts = [p["text"]["text"] for p in parts]
    assert all(len(t) <= MAX_SECTION_TEXT for t in texts)
    assert "\n".join(texts) == text  # nothing lost, cut between lines
    check(prepare([Message("t", parts)]))


def test_a_single_long_line_splits_at_spaces_never_inside_a_link_or_entity():
    link = mrkdwn.link("https://example.com/story?id=1&x=2", "A linked & headline")
    text = "a" * 2980 + " " + link + " and &amp; more " + "z " * 50
    parts = [p["text"]["text"] for p in fit_block(section(text))]
    assert len(parts) == 2
    assert all(len(p) <= MAX_SECTION_TEXT for p in parts)
    assert parts[1].startswith(link)  # the link moved whole to the next block
    for p in parts:
        assert p.count("<") == p.count(">")
        assert "&am" not in p.replace("&amp;", "")


def test_a_link_longer_than_a_section_keeps_its_words():
    label = "word " * 700
    text = f"<https://example.com/x|{label.strip()}>"
    parts = [p["text"]["text"] for p in fit_block(section(text))]
    assert all(len(p) <= MAX_SECTION_TEXT for p in parts)
    assert "".join(parts).replace(" ", "").startswith("word" * 10)


def test_header_at_the_limit_stays_and_one_past_is_cut_without_breaking_an_entity():
    ok = {"type": "header", "text": {"type": "plain_text", "text": "h" * MAX_HEADER_TEXT}}
    assert fit_block(ok) == [ok]
    long = {"type": "header", "text": {"type": "plain_text", "text": "h" * 145 + " &amp; more words"}}
    (cut,) = fit_block(long)
    assert len(cut["text"]["text"]) <= MAX_HEADER_TEXT
    assert cut["text"]["text"] == "h" * 145 + "…"
    assert_valid_blocks([cut])


def test_context_elements_at_the_limit_stay_and_one_past_splits():
    assert fit_block(context(MAX_CONTEXT_ELEMENTS)) == [context(MAX_CONTEXT_ELEMENTS)]
    parts = fit_block(context(MAX_CONTEXT_ELEMENTS + 1))
    assert [len(p["elements"]) for p in parts] == [10, 1]
    assert_valid_blocks(parts)


def test_section_fields_at_the_limit_stay_and_one_past_splits():
    def fields(n):
        return {"type": "section", "fields": [{"type": "mrkdwn", "text": f"f{i}"} for i in range(n)]}

    assert fit_block(fields(MAX_FIELDS)) == [fields(MAX_FIELDS)]
    parts = fit_block(fields(MAX_FIELDS + 1))
    assert [len(p["fields"]) for p in parts] == [10, 1]
    assert_valid_blocks(parts)


def test_fifty_blocks_make_one_message_fifty_one_make_two():
    blocks = [section(f"item {i}") for i in range(MAX_BLOCKS)]
    assert len(prepare([Message("t", blocks)])) == 1
    out = prepare([Message("t", blocks + [section("one more")])])
    assert [len(m.blocks) for m in out] == [50, 1]
    assert [m.thread for m in out] == [False, True]  # the continuation goes into the thread
    check(out)


def test_a_message_over_the_safe_size_is_split():
    blocks = [section(f"{i} " + "s" * 2900) for i in range(6)]
    assert size(blocks) > MAX_MESSAGE_CHARS
    out = prepare([Message("t", blocks)])
    assert len(out) >= 2
    assert sum(len(m.blocks) for m in out) == 6
    check(out)


def test_thread_messages_follow_the_channel_message_and_its_continuation():
    main = [section(f"m{i}") for i in range(51)]
    out = prepare([Message("main", main), Message("reply", [section("r")], thread=True)])
    assert [m.blocks[0]["text"]["text"] for m in out] == ["m0", "m50", "r"]
    assert [m.thread for m in out] == [False, True, True]


def test_fallback_text_is_capped_and_derived_when_missing():
    out = prepare([Message("", [section("hello *there*")]), Message("x" * 5000, [section("b")], thread=True)])
    assert out[0].text == "hello *there*"
    assert len(out[1].text) <= 3000


@pytest.mark.parametrize(
    "block,message",
    [
        ({"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}}, "unknown block type 'sektion'"),
        ({"type": "section", "txt": {"type": "mrkdwn", "text": "x"}}, "text or fields attribute must be specified"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}, "unknown key(s) colour"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "  "}}, "empty text at text"),
        ({"type": "header", "text": {"type": "plain_text", "text": "x"}, "block_id": "b" * 300},
         "block_id cannot exceed 255 characters"),
        ("not a block", 'a block must be an object with a "type"'),
    ],
)
def test_blocks_slack_would_refuse_are_reported_with_their_position(block, message):
    with pytest.raises(ValidationProblem) as exc:
        prepare([Message("t", [section("fine"), block])])
    assert str(exc.value).startswith("message 1, block 2")
    assert message in str(exc.value)
