"""Rendering: hostile feed text shows literally (exact escaped output), templates cannot get
escaping wrong, and a broken template is reported with its line and replaced."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.digest.context import build_context
from bot.digest.render import BUILTIN_DIR, TemplateProblem, render_messages, render_template
from bot.digest.select import choose, window_for
from bot.digest.terminal import messages_to_text
from tests.support.blockkit import assert_valid_blocks
from tests.support.digest_helpers import T0, cand, ts

WINDOW = window_for(None, ts(T0))


def context_for(cands, *, max_items=10, more_search=None, tz="UTC"):
    sel = choose(cands, start=WINDOW.start_dt, end=WINDOW.end_dt, max_items=max_items)
    return build_context(sel, window=WINDOW, tz=tz, channel="C0TEST123", more_search=more_search)


def item_text(messages, n=0):
    """The mrkdwn of the n-th story section in the channel message (daily.j2 layout)."""
    sections = [b for b in messages[0].blocks if b["type"] == "section"]
    return sections[n]["text"]["text"]


def all_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from all_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from all_strings(v)


def assert_no_live_markup(messages):
    """No mention, broadcast or foreign link anywhere in what would be sent."""
    for m in messages:
        for s in all_strings([m.text, m.blocks]):
            for bad in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil"):
                assert bad not in s, (bad, s)


HOSTILE_TITLE = "<!channel> & <https://evil|click>"


def test_hostile_feed_strings_are_escaped_exactly():
    c = cand(
        HOSTILE_TITLE,
        "<@U123> News",
        url="https://example.com/a?x=1&y=<2>",
        summary='<!here> ping & "quotes" \\ back\nslash',
        hours=2,
    )
    result = render_messages("daily", context_for([c]), None)
    assert result.errors == [] and result.template == "daily"
    stamp = ts(c.published)
    assert item_text(result.messages) == (
        # the title names another address (https://evil): the real domain follows it
        "*1.* <https://example.com/a?x=1&amp;y=%3C2%3E|&lt;!channel&gt; &amp; &lt;https://evil¦click&gt; (example.com)>\n"
        f"&lt;@U123&gt; News · <!date^{stamp}^{{date_short_pretty}} {{time}}|07:00>\n"
        '&lt;!here&gt; ping &amp; "quotes" \\ back slash'
    )
    assert_no_live_markup(result.messages)
    for m in result.messages:
        assert_valid_blocks(m.blocks)


@pytest.mark.parametrize("template", ["daily", "compact"])
def test_every_shipped_template_escapes_every_feed_string(template):
    hostile = [
        cand(HOSTILE_TITLE, "<!everyone>", hours=1, summary="<@U123> <!here>"),
        cand("<@U123> leaked the <!here> keys", "Dawn & <Co>", hours=2, summary="x"),
    ] + [cand(f"Filler story {i} about AI model theft and jailbreaks", f"Src{i}", hours=3 + i) for i in range(12)]
    result = render_messages(template, context_for(hostile, max_items=3, more_search='"prompt injection" <!here>'),
                             None)
    assert result.errors == [] and result.template == template
    assert_no_live_markup(result.messages)
    text = json.dumps([m.as_dict() for m in result.messages], ensure_ascii=False)
    assert "&lt;!everyone&gt;" in text and "Dawn &amp; &lt;Co&gt;" in text
    for m in result.messages:
        assert_valid_blocks(m.blocks)


def test_a_10kb_title_is_cut_and_the_message_stays_valid():
    c = cand("A" * 10240, "Reuters", hours=1, summary="S" * 10240)
    result = render_messages("daily", context_for([c]), None)
    text = item_text(result.messages)
    assert text.startswith("*1.* <https://news.example/reuters/")
    assert "|" + "A" * 139 + "…>\n" in text  # the channel message cuts titles at 140
    assert text.endswith("\n" + "S" * 159 + "…")  # the lead line: at most 160 characters
    for m in result.messages:
        assert_valid_blocks(m.blocks)


def test_emoji_and_right_to_left_text_survive_and_bidi_overrides_are_dropped():
    c = cand("🚨 AI 👩‍💻 alert: \u202eevil\u202c خبر عاجل: الذكاء الاصطناعي", "الجزيرة", hours=1)
    result = render_messages("daily", context_for([c]), None)
    text = item_text(result.messages)
    assert "|🚨 AI 👩‍💻 alert: evil خبر عاجل: الذكاء الاصطناعي>\nالجزيرة · " in text
    assert "\u202e" not in text


def test_also_in_links_and_the_full_list_in_the_thread():
    reuters = cand("US and China to hold talks on AI risks and security", "AP", hours=3,
                   url="https://apnews.com/ai-talks")
    abc = cand("US and China to hold talks on AI risks and security - ABC News", "ABC News", hours=2,
               url="https://abcnews.go.com/ai-talks")
    others = [cand(f"Unrelated story {i} on deepfake fraud in banking", f"Outlet{i}", hours=4 + i) for i in range(3)]
    result = render_messages("daily", context_for([reuters, abc, *others], max_items=2, more_search="deepfake"),
                             None)
    first = item_text(result.messages)
    assert " · also in <https://abcnews.go.com/ai-talks|ABC News>" in first
    main_texts = [e["text"] for b in result.messages[0].blocks if b["type"] == "context" for e in b["elements"]]
    assert main_texts[-1] == "…and 2 more in the thread"
    search = [e for b in result.messages[0].blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], json.loads(e["value"])) for e in search] == [
        ("digest_search", {"w": ["ai-security"], "s": WINDOW.start, "e": WINDOW.end, "t": 2, "o": 0})]
    thread = [m for m in result.messages if m.thread]
    assert len(thread) == 1
    listed = [b["text"]["text"] for b in thread[0].blocks]
    assert len(listed) == 2  # only what the channel message does not show
    assert not any("ai-talks" in t for t in listed)


def test_an_empty_digest_says_so():
    result = render_messages("daily", context_for([]), None)
    assert result.messages[0].text.endswith("nothing new")
    assert "Nothing matched the watchlists since the last digest." in messages_to_text(result.messages)


def test_terminal_text_shows_feed_text_as_written():
    c = cand(HOSTILE_TITLE, "AP", url="https://example.com/s", hours=1)
    text = messages_to_text(render_messages("daily", context_for([c]), None).messages)
    assert "1. <!channel> & <https://evil¦click> (example.com) (https://example.com/s)" in text


# ---- templates that try to get it wrong ------------------------------------------------------------
def write(tmp_path: Path, name: str, body: str) -> str:
    d = tmp_path / "digests"
    d.mkdir(exist_ok=True)
    (d / f"{name}.j2").write_text(body, encoding="utf-8")
    return str(d)


def one_section(expr: str) -> str:
    return '{"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "' + expr + '"}}]}'


@pytest.mark.parametrize(
    "expr",
    [
        "{{ items[0].title }}",
        "{% autoescape false %}{{ items[0].title }}{% endautoescape %}",
        "{% macro t(i) %}{{ i.title }}{% endmacro %}{{ t(items[0]) }}",
        "{% set x %}{{ items[0].title }}{% endset %}{{ x }}",
        "{{ items[0].title ~ '' }}",
        "{{ [items[0].title]|join(', ') }}",
        "{{ items[0].title|e }}",
        "{{ items[0].title|string }}",
    ],
)
def test_every_way_of_printing_feed_text_escapes_it_once(tmp_path, expr):
    d = write(tmp_path, "t", one_section(expr))
    messages = render_template("t", context_for([cand(HOSTILE_TITLE, hours=1)]), d)
    assert messages[0].blocks[0]["text"]["text"] == "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"


@pytest.mark.parametrize(
    "expr,error",
    [
        ("{{ items[0].title|safe }}", "No filter named 'safe'"),
        ("{{ items[0].title|tojson }}", "No filter named 'tojson'"),
        ("{{ items[0].title.__html__() }}", "SecurityError"),
        ("<!here> {{ items[0].source }}", "Slack markup that no helper made at blocks[0].text.text: '<!here>'"),
        ("{{ '<!channel>'|replace('<', '\\\\u003c') }}", "Slack markup that no helper made"),
    ],
)
def test_attempts_to_bypass_the_escaping_fail_and_the_default_is_used(tmp_path, expr, error):
    d = write(tmp_path, "evil", one_section(expr))
    result = render_messages("evil", context_for([cand(HOSTILE_TITLE, hours=1)]), d)
    assert result.template == "daily"
    assert len(result.errors) == 1 and error in result.errors[0], result.errors
    assert result.errors[0].startswith("digests/evil.j2")
    assert_no_live_markup(result.messages)


def test_a_syntax_error_names_the_template_and_line_and_falls_back(tmp_path):
    d = write(tmp_path, "broken", '{\n  "blocks": [\n  {% for item in items %}\n  ]\n}\n')
    result = render_messages("broken", context_for([cand("Story", hours=1)]), d)
    assert result.template == "daily"
    assert result.errors[0].startswith("digests/broken.j2 line 4: syntax error: Unexpected end of template.")
    assert result.errors[0].endswith("; using digests/daily.j2")


def test_a_runtime_error_names_the_template_and_line(tmp_path):
    body = '{\n  "text": "x",\n  "blocks": [\n    {"type": "divider"},\n    ' + \
           '{"type": "section", "text": {"type": "mrkdwn", "text": "{{ item.titel }}"}}\n  ]\n}\n'
    d = write(tmp_path, "typo", body)
    with pytest.raises(TemplateProblem) as exc:
        render_template("typo", context_for([cand("Story", hours=1)]), d)
    assert str(exc.value) == "digests/typo.j2 line 5: UndefinedError: 'item' is undefined"


def test_invalid_json_and_invalid_blocks_are_reported(tmp_path):
    d = write(tmp_path, "badjson", '{"blocks": [{"type": "divider"} {"type": "divider"}]}')
    with pytest.raises(TemplateProblem, match=r"digests/badjson.j2: the output is not valid JSON \(Expecting ','"):
        render_template("badjson", context_for([]), d)
    d = write(tmp_path, "badblock", '{"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "url": "y"}]}')
    with pytest.raises(TemplateProblem, match=r"digests/badblock.j2: message 1, block 1 \(section\): unknown key"):
        render_template("badblock", context_for([]), d)


def test_trailing_commas_are_forgiven(tmp_path):
    d = write(tmp_path, "commas", '{"text": "a, b", "blocks": [{"type": "divider"},],}')
    (m,) = render_template("commas", context_for([]), d)
    assert m.text == "a, b" and m.blocks == [{"type": "divider"}]


def test_when_the_default_template_breaks_too_the_builtin_layout_still_delivers(tmp_path):
    d = write(tmp_path, "daily", "{% if %}")
    c = cand(HOSTILE_TITLE, "AP", url="https://example.com/s", hours=1)
    result = render_messages("daily", context_for([c]), d)
    assert result.template == "builtin"
    assert result.errors[0].startswith("digests/daily.j2 line 1: syntax error")
    assert item_text(result.messages) == (
        "*1.* <https://example.com/s|&lt;!channel&gt; &amp; &lt;https://evil¦click&gt; (example.com)> — AP"
    )
    assert_valid_blocks(result.messages[0].blocks)


def test_unknown_or_unsafe_template_names_fall_back():
    result = render_messages("../../etc/passwd", context_for([]), None)
    assert result.template == "daily"
    assert result.errors[0].startswith("bad template name")
    result = render_messages("nonexistent", context_for([]), None)
    assert result.errors[0] == "digests/nonexistent.j2: no such template; using digests/daily.j2"


def test_slack_dates_render_in_the_subscription_time_zone():
    c = cand("Story about AI", "AP", published=T0 - timedelta(minutes=30))
    result = render_messages("daily", context_for([c], tz="Asia/Karachi"), None)
    header = result.messages[0].blocks[0]["text"]["text"]
    assert header == "AI security brief"
    dated = result.messages[0].blocks[1]["elements"][0]["text"]
    assert dated.startswith(f"<!date^{ts(T0)}^{{date_long_pretty}}|Saturday 1 March 2025> · ")
    assert f"<!date^{ts(c.published)}^{{date_short_pretty}} {{time}}|13:30>" in item_text(result.messages)


def test_the_shipped_templates_exist():
    assert {p.name for p in BUILTIN_DIR.glob("*.j2")} >= {"daily.j2", "compact.j2"}
