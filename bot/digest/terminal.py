"""The digest as a terminal shows it (`aibrief digest`, `aibrief demo`): Block Kit messages
read back as plain text."""

from __future__ import annotations

from bot import mrkdwn
from bot.digest.validate import Message


def messages_to_text(messages: list[Message]) -> str:
    """The digest as a terminal shows it (`aibrief digest`, `aibrief demo`)."""
    out: list[str] = []
    for n, m in enumerate(messages):
        if m.thread:
            out.append("")
            out.append("  ── in the thread " + "─" * 40)
        for b in m.blocks:
            kind = b.get("type")
            if kind == "header":
                title = mrkdwn.to_plain(b["text"]["text"])
                out += [title, "=" * min(len(title), 72)]
            elif kind == "section":
                if b.get("text"):
                    out.append(mrkdwn.to_plain(b["text"]["text"]))
                for f in b.get("fields") or []:
                    out.append("  " + mrkdwn.to_plain(f.get("text", "")))
                out.append("")
            elif kind == "context":
                texts = [mrkdwn.to_plain(e.get("text", "")) for e in b.get("elements") or [] if e.get("text")]
                if texts:
                    out.append("  " + " · ".join(texts))
            elif kind == "divider":
                out.append("-" * 40)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)
