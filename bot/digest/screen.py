"""How much of a screen a message takes as Slack draws it, and the one-screen budget.

Why a budget: the channel message is what most of the team reads of the bot, usually in
passing; if the top stories do not fit one screen, the bottom ones are not read and the
message reads as a wall. The thread takes the rest, so the channel message can be held to
a fixed size.

The estimate follows Slack's desktop layout at its default font (15 px, about 20 px a line)
in a laptop's window (1440×900): the message pane shows about SCREEN_LINES lines between the
channel header and the composer, about LINE_CHARS characters of visible text a line (the
README picture, narrower still, wraps at about 95), fewer beside an accessory (a button or a
⋯ menu); a header is two lines' height, an actions row two, a context line (smaller type)
holds a quarter more. Visible text is what a reader sees: a link's label, a date token's
text, no markup. The rule the tests assert: the channel message of every bundled template,
with its top 5 stories at their longest (titles are cut at 140 characters, leads at 160),
is at most SCREEN_LINES lines.
"""

from __future__ import annotations

import math
import re

from bot import mrkdwn

SCREEN_LINES = 36  # the budget: what a 1440×900 laptop's Slack window shows of a message
LINE_CHARS = 100
ACCESSORY_CHARS = 88  # beside a button or an overflow menu
CONTEXT_CHARS = int(LINE_CHARS * 1.25)
BLOCK_GAP = 0.25  # the space Slack leaves between two blocks, in lines


_TOKEN = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def visible(text: str) -> str:
    """mrkdwn as the reader sees it: a link's label (not its address), a date token's
    text, no bold markers, entities decoded."""
    return mrkdwn.to_plain(_TOKEN.sub(lambda m: m.group(2) or m.group(1), text or ""))


def _lines(text: str, width: int) -> int:
    return sum(max(1, math.ceil(len(line) / width)) for line in visible(text).split("\n"))


def screen_lines(blocks: list[dict]) -> float:
    """The height of a message's blocks, in lines of text (see the module docstring)."""
    total = 0.0
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            total += 2
        elif kind == "section":
            width = ACCESSORY_CHARS if b.get("accessory") else LINE_CHARS
            if b.get("text"):
                total += _lines(b["text"].get("text", ""), width)
            for f in b.get("fields") or []:  # two columns
                total += _lines(f.get("text", ""), LINE_CHARS // 2) / 2
        elif kind == "context":
            text = "  ".join(e.get("text", "") for e in b.get("elements") or [] if isinstance(e, dict))
            total += _lines(text, CONTEXT_CHARS)
        elif kind in ("actions", "input"):
            total += 2
        elif kind == "divider":
            total += 1
        elif kind == "image":
            total += 8
        else:
            total += 1
        total += BLOCK_GAP
    return total


def fits_one_screen(blocks: list[dict], budget: int = SCREEN_LINES) -> bool:
    return screen_lines(blocks) <= budget
