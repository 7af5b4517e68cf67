"""Shortening plain text for display: one rule for stored titles and summaries, Slack
fields and terminal lines alike (escape after cutting, never before)."""

from __future__ import annotations


def truncate(text: str, limit: int) -> str:
    """Cut to at most `limit` characters, at a word boundary when one is near, ending in "…"."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= (limit - 1) * 0.8:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"
