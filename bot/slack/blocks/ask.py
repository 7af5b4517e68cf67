"""The reply to `/aibrief ask QUESTION` (bot/llm/ask.py): the model's answer, escaped like feed
text and marked machine-written, above the numbered search hits it cites. Every link here is
a search hit's own URL (through `bot.mrkdwn.link`), never one the model wrote."""

from __future__ import annotations

from bot.mrkdwn import escape, link, truncate
from bot.slack.blocks.parts import _context, _section, message, notice


def _sources(hits) -> list[dict]:
    lines = [f"*[{n}]* {link(h.url, truncate(h.title, 200))} · {escape(h.source)} · {h.published:%Y-%m-%d}"
             for n, h in enumerate(hits, 1)]
    return [_section("\n".join(lines))]


def ask_reply(result) -> dict:
    from bot.llm.ask import NOTHING, UNAVAILABLE

    if result.status == "nothing":
        return notice(f"{NOTHING} Try other words, or search with `/aibrief QUERY`.")
    if result.status == "unavailable":
        why = "the model features are not set up" if result.reason == "off" else "it did not answer in time or failed"
        head = f":warning: {UNAVAILABLE} ({why}). Here is what search found for {escape(result.question)}:"
        return message(f"{UNAVAILABLE}; search results", [_section(head), *_sources(result.hits)])
    answer = escape(result.text)
    return message(
        truncate(result.text, 200),
        [_section(f"*{escape(truncate(result.question, 200))}*\n{answer}"),
         _context(":robot_face: Machine-written from the stored articles below; check them before relying on it."),
         *_sources(result.hits)],
    )
