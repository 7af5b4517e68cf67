"""The small pieces every Block Kit builder uses: sections, context lines, headers, buttons
and plain text, each cut to Slack's limits (mrkdwn never cut inside an escape or a link)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.mrkdwn import cut as cut_mrkdwn
from bot.mrkdwn import escape, truncate
from bot.slack.limits import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT


def _section(text: str, accessory: dict | None = None, block_id: str | None = None) -> dict:
    block: dict = {"type": "section", "text": {"type": "mrkdwn", "text": _fit(text)}}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(text)}]}


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT)}}


def _button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict:
    button: dict = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id}
    if value:
        button["value"] = value
    if style:
        button["style"] = style
    return button


def _plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": truncate(text, limit)}


def _fit(text: str) -> str:
    """A mrkdwn field under Slack's limit, never cutting an escape or a link in half."""
    return cut_mrkdwn(text, MAX_SECTION_TEXT)


def code(text: str) -> str:
    """User text shown verbatim inline (`like this`), escaped; backticks can't end it early."""
    return "`" + escape(text.replace("`", "ʹ")) + "`"


def date(dt: datetime | None) -> str:
    return dt.astimezone(timezone.utc).strftime("%d %b %Y") if dt else "unknown date"


def local_date(dt: datetime | None) -> str:
    """Slack's `<!date^…>` token: each reader sees the day in their own time zone; clients
    that cannot render it show the UTC date."""
    if not dt:
        return "unknown date"
    return f"<!date^{int(dt.timestamp())}^{{date_short}}|{date(dt)} UTC>"


def message(text: str, blocks: list[dict]) -> dict:
    """A message payload: `text` is the notification fallback (escaped mrkdwn too)."""
    return {"text": truncate(text, 300), "blocks": blocks[:MAX_BLOCKS]}


def notice(text: str) -> dict:
    """A one-section reply whose text is already-built mrkdwn."""
    return message(text, [_section(text)])
