"""How much of a screen a message takes as Slack draws it, and the one-screen budget.

Why a budget: the channel message is what most of the team reads of the bot, usually in
passing; if the top stories do not fit one screen, the bottom ones are not read and the
message reads as a wall. The thread takes the rest, so the channel message can be held to
a fixed size.

The estimate follows Slack's desktop layout at its default font in a message pane of a
1280-pixel-wide window (checked against the README picture): about LINE_CHARS characters
of visible text a line, fewer beside an accessory (a button or ⋯ menu); a header is two
lines' height, an actions row two, a context line (smaller type) holds a quarter more.
Visible text is what a reader sees: a link's label, a date token's text, no markup.
"""

from __future__ import annotations

import math
import re

from bot import mrkdwn

SCREEN_LINES = 40  # the budget: a 1280×800 laptop shows about this many lines of message text
LINE_CHARS = 90
ACCESSORY_CHARS = 75  # beside a button or an overflow menu
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
