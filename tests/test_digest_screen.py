"""The channel message fits one screen, the thread holds only the rest, and every time a
reader sees is a `<!date^…>` token (their own zone): both bundled templates, validated with
slack_sdk.models. The budget rule is bot/digest/screen.py's: at most SCREEN_LINES lines as
Slack lays the message out, with the top stories at their longest."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bot.digest.items import ITEM_ACTION
from bot.digest.context import build_context
from bot.digest.render import render_messages
from bot.digest.screen import SCREEN_LINES, screen_lines, visible
from bot.digest.select import choose, window_for
from bot.models import Subscription
from tests.support.blockkit import assert_valid_blocks
from tests.support.digest_helpers import T0, cand, ts

WINDOW = window_for(None, ts(T0))
SCRAPS = "… Advisory · Scope checker "
TEMPLATES = ["daily", "compact"]


def long_day() -> list:
    """17 stories on two watchlists at their longest: 140-character titles, leads over 160
    characters behind page scraps, two other outlets each for the first three."""
    vocab = ("regulators hackers chipmakers lawmakers researchers startups banks hospitals insurers "
             "telecoms carmakers airlines universities ministries courts police armies").split()
    topics = ("weights leak deepfakes jailbreak phishing ransomware espionage export-controls audits "
              "watermarks red-teaming licensing liability benchmarks chatbots agents elections").split()
    out = []
    for i in range(17):
        wl = ("ai-security",) if i % 2 == 0 else ("ai-policy",)
        words = [vocab[(i + j) % 17] + "-" + topics[(i * 3 + j) % 17] for j in range(12)]
        title = f"{vocab[i].title()} warn about {topics[i]} as " + " ".join(words)
        summary = SCRAPS + f"{vocab[i].title()} on {topics[i]}: " + " ".join(reversed(words)) * 2 + ". Second sentence."
        c = cand(title[:140], f"Outlet Number {i}", hours=i / 2, watchlists=wl, summary=summary)
        out.append(c)
        if i < 3:
            for k in range(2):
                out.append(cand(title[:140], f"Wire Service {k}", hours=i / 2 + 0.1 * (k + 1), watchlists=wl,
                                url=f"https://other{k}.example/{i}", summary=summary))
    return out


def render(template: str, cands, *, max_items: int | None = None, tz: str = "Europe/Berlin"):
    top = max_items or Subscription(channel="C0X").max_items
    sel = choose(cands, start=WINDOW.start_dt, end=WINDOW.end_dt, max_items=top)
    ctx = build_context(sel, window=WINDOW, tz=tz, channel="C0SCREEN1", more_search="AI (security OR policy)")
    result = render_messages(template, ctx, None)
    assert result.errors == [] and result.template == template
    return result.messages


def menu_articles(message) -> list[int]:
    ids = []
    for b in message.blocks:
        acc = b.get("accessory") or {}
        if acc.get("action_id") == ITEM_ACTION:
            [save] = [o for o in acc["options"] if o["text"]["text"] == "Save for later"]
            ids.append(json.loads(save["value"])["a"])
    return ids


def texts(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "text" and isinstance(v, str):
                yield v
            else:
                yield from texts(v)
    elif isinstance(node, list):
        for v in node:
            yield from texts(v)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_channel_message_fits_one_screen_and_the_thread_has_only_the_rest(template):
    messages = render(template, long_day())
    for m in messages:
        assert_valid_blocks(m.blocks)  # slack_sdk.models, ≤ 50 blocks
    channel, thread = messages[0], [m for m in messages if m.thread]
    lines = screen_lines(channel.blocks)
    print(f"{template}: the channel message is {lines:.1f} lines (budget {SCREEN_LINES})")
    assert lines <= SCREEN_LINES
    top = menu_articles(channel)
    assert len(top) == 5  # the default --top
    rest = [a for m in thread for a in menu_articles(m)]
    assert len(rest) == 17 - 5 and not set(top) & set(rest)  # no story twice, none lost
    shown = visible("\n".join(texts(channel.blocks)))
    assert "…and 12 more in the thread" in shown
    assert "Scope checker" not in json.dumps([m.blocks for m in messages])  # leads are cleaned
    [button] = [e for b in channel.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "digest_search"
    assert json.loads(button["value"]) == {"w": ["ai-policy", "ai-security"], "s": WINDOW.start, "e": WINDOW.end,
                                           "t": 5, "o": 0}


@pytest.mark.parametrize("template", TEMPLATES)
def test_top_stories_come_under_their_watchlist_when_there_are_several(template):
    channel = render(template, long_day())[0]
    headings = [b["elements"][0]["text"] for b in channel.blocks if b["type"] == "context"
                and b["elements"][0]["text"] in ("*ai-security*", "*ai-policy*")]
    assert headings == ["*ai-security*", "*ai-policy*"]
    # one watchlist: no headings
    single = [c for c in long_day() if c.watchlists == ("ai-security",)]
    channel = render(template, single)[0]
    assert not [b for b in channel.blocks if b["type"] == "context" and b["elements"][0]["text"] == "*ai-security*"]


_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|"
                    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b")
_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|>]+\|[^>]+>")


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_time_a_reader_sees_is_in_their_own_zone(template):
    cands = long_day() + [cand("An older story on AI security", "Archive", hours=30)]
    messages = render(template, cands, tz="Asia/Karachi")
    tokens = 0
    for m in messages:
        for text in texts(m.blocks):
            tokens += len(_DATE_TOKEN.findall(text))
            left = _DATE_TOKEN.sub("", text)
            assert not _CLOCK.search(left), f"a fixed time or date outside <!date^…>: {left!r}"
    # one per story (its time) plus the channel message's date
    assert tokens >= 18 + 1
    # the fallback text is the subscription's zone (Karachi, UTC+5)
    assert f"<!date^{ts(T0 - timedelta(hours=30))}^{{date_short_pretty}} {{time}}|Fri 08:00>" in json.dumps(
        [m.blocks for m in messages], ensure_ascii=False)
