"""Slack's message limits: check every message with slack_sdk.models, split what is over.

Slack rejects a whole message (`invalid_blocks`) for one block over a limit, and a digest
that is rejected does not arrive, so limits are enforced here before anything is stored or
posted:

- at most 50 blocks a message and a safe total size (12,000 characters of block JSON);
  a message over either is split, the continuation going into the thread;
- a section's text at most 3000 characters (split into several sections at line breaks,
  never inside a link), at most 10 fields of at most 2000 characters;
- a header's text at most 150 characters (cut with an ellipsis);
- a context block at most 10 elements (split into several context blocks), each text at
  most 3000 characters;
- the notification `text` at most 3000 characters.

Structure is checked by parsing each block with `slack_sdk.models.blocks.Block` and running
its validators; a key slack_sdk does not know (a typo in a template) is an error too.
Lengths are counted in characters (code points), as slack_sdk counts them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot import mrkdwn

from bot.slack.limits import (  # noqa: F401  (the digest's tests and tuning read them here too)
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_CONTEXT_TEXT,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_TEXT,
)

MAX_MESSAGES = 20  # one digest never floods a thread


class ValidationProblem(ValueError):
    """A rendered message Slack would reject; the text says which message and block."""


@dataclass(frozen=True)
class Message:
    """One Slack message of a digest: the channel message (thread=False) or a thread reply."""

    text: str
    blocks: list = field(default_factory=list)
    thread: bool = False

    def as_dict(self) -> dict:
        return {"text": self.text, "blocks": self.blocks, "thread": self.thread}

    @classmethod
    def from_dict(cls, d: dict) -> "Message":
        return cls(text=d.get("text") or "", blocks=list(d.get("blocks") or []), thread=bool(d.get("thread")))


def size(blocks: list) -> int:
    return len(json.dumps(blocks, ensure_ascii=False, separators=(",", ":")))


# ---- fitting one block into the limits -----------------------------------------------------------
def _text_of(obj) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"]
    return None


def _with_text(obj: dict, text: str) -> dict:
    out = dict(obj)
    out["text"] = text
    return out


def fit_block(block: dict) -> list[dict]:
    """The block made to fit Slack's limits: cut (header) or split into several blocks."""
    if not isinstance(block, dict):
        return [block]
    kind = block.get("type")
    if kind == "header":
        text = _text_of(block.get("text"))
        if text is not None and len(text) > MAX_HEADER_TEXT:
            return [{**block, "text": _with_text(block["text"], mrkdwn.cut(text, MAX_HEADER_TEXT))}]
        return [block]
    if kind == "section":
        return _fit_section(block)
    if kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list):
            return [block]
        fixed = []
        for el in elements:
            text = _text_of(el)
            if text is not None and len(text) > MAX_CONTEXT_TEXT:
                el = _with_text(el, mrkdwn.cut(text, MAX_CONTEXT_TEXT))
            fixed.append(el)
        groups = [fixed[i : i + MAX_CONTEXT_ELEMENTS] for i in range(0, len(fixed), MAX_CONTEXT_ELEMENTS)] or [[]]
        out = []
        for n, group in enumerate(groups):
            b = {**block, "elements": group}
            if n and "block_id" in b:
                b["block_id"] = f"{b['block_id']}-{n}"
            out.append(b)
        return out
    return [block]


def _fit_section(block: dict) -> list[dict]:
    out: list[dict] = []
    text_obj = block.get("text")
    text = _text_of(text_obj)
    pieces = mrkdwn.split(text, MAX_SECTION_TEXT) if text is not None and len(text) > MAX_SECTION_TEXT else None
    fields = block.get("fields")
    field_groups = None
    if isinstance(fields, list):
        fixed = []
        for f in fields:
            ft = _text_of(f)
            too_long = ft is not None and len(ft) > MAX_FIELD_TEXT
            fixed.append(_with_text(f, mrkdwn.cut(ft, MAX_FIELD_TEXT)) if too_long else f)
        if len(fixed) > MAX_FIELDS or fixed != fields:
            field_groups = [fixed[i : i + MAX_FIELDS] for i in range(0, len(fixed), MAX_FIELDS)]
    if pieces is None and field_groups is None:
        return [block]
    base = {k: v for k, v in block.items() if k not in ("text", "fields", "accessory", "block_id")}
    texts = pieces if pieces is not None else ([text] if text is not None else [])
    groups = field_groups if field_groups is not None else ([fields] if fields else [])
    for n in range(max(len(texts), len(groups))):
        b = dict(base)
        if n < len(texts):
            b["text"] = _with_text(text_obj, texts[n])
        if n < len(groups):
            b["fields"] = groups[n]
        if n == 0:
            if "accessory" in block:
                b["accessory"] = block["accessory"]
            if "block_id" in block:
                b["block_id"] = block["block_id"]
        elif "block_id" in block:
            b["block_id"] = f"{block['block_id']}-{n}"
        out.append(b)
    return out


# ---- checking a block with slack_sdk --------------------------------------------------------------
def _unknown_keys(original, parsed, path: str) -> list[str]:
    if isinstance(original, dict) and isinstance(parsed, dict):
        out = []
        for k, v in original.items():
            if v is None:
                continue
            if k not in parsed:
                out.append(f"{path}.{k}" if path else k)
            else:
                out += _unknown_keys(v, parsed[k], f"{path}.{k}" if path else k)
        return out
    if isinstance(original, list) and isinstance(parsed, list) and len(original) == len(parsed):
        out = []
        for i, (a, b) in enumerate(zip(original, parsed)):
            out += _unknown_keys(a, b, f"{path}[{i}]")
        return out
    return []


def _empty_texts(obj, path: str = "") -> list[str]:
    """Text objects with no text: slack_sdk lets them through, Slack refuses them."""
    out = []
    if isinstance(obj, dict):
        if obj.get("type") in ("mrkdwn", "plain_text") and "text" in obj and not str(obj["text"]).strip():
            out.append(path or "text")
        for k, v in obj.items():
            out += _empty_texts(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _empty_texts(v, f"{path}[{i}]")
    return out


def check_block(block) -> None:
    """Raise ValidationProblem (without position) when Slack would refuse this block."""
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise ValidationProblem("a block must be an object with a \"type\"")
    try:
        parsed = Block.parse(block)
        if parsed is None:
            raise ValidationProblem(f"unknown block type {block['type']!r}")
        as_dict = parsed.to_dict()  # runs the validators
    except SlackObjectFormationError as exc:
        raise ValidationProblem(str(exc)) from None
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        if isinstance(exc, ValidationProblem):
            raise
        raise ValidationProblem(f"malformed {block['type']} block ({exc})") from None
    unknown = _unknown_keys(block, as_dict, "")
    if unknown:
        raise ValidationProblem(f"unknown key(s) {', '.join(unknown)} in a {block['type']} block")
    empty = _empty_texts(block)
    if empty:
        raise ValidationProblem(f"empty text at {', '.join(empty)} in a {block['type']} block")
    if block["type"] == "section" and not (_text_of(block.get("text")) or block.get("fields")):
        raise ValidationProblem("a section needs text or fields")


# ---- splitting a message into messages --------------------------------------------------------
def chunk(blocks: list[dict], *, max_blocks: int = MAX_BLOCKS, max_chars: int = MAX_MESSAGE_CHARS) -> list[list[dict]]:
    """Greedy split into runs of at most `max_blocks` blocks and `max_chars` of JSON."""
    chunks: list[list[dict]] = []
    current: list[dict] = []
    current_size = 2
    for b in blocks:
        b_size = size([b]) - 1  # its share: the JSON plus a comma
        if current and (len(current) >= max_blocks or current_size + b_size > max_chars):
            chunks.append(current)
            current, current_size = [], 2
        current.append(b)
        current_size += b_size
    if current:
        chunks.append(current)
    return chunks


def plain_of(blocks: list[dict]) -> str:
    """A notification text made from the blocks (header and first texts)."""
    parts = []
    for b in blocks:
        if b.get("type") in ("header", "section"):
            t = _text_of(b.get("text"))
            if t:
                parts.append(t)
        elif b.get("type") == "context":
            parts += [t for t in (_text_of(e) for e in b.get("elements") or []) if t]
        if sum(len(p) for p in parts) > MAX_FALLBACK_TEXT:
            break
    return "\n".join(parts)


def prepare(messages: list[Message]) -> list[Message]:
    """Fit, split and check every message; raises ValidationProblem naming the message and
    block Slack would refuse. The first result is the channel message; every split-off
    continuation becomes a thread reply in order."""
    out: list[Message] = []
    for m_index, message in enumerate(messages, 1):
        if not isinstance(message.blocks, list):
            raise ValidationProblem(f"message {m_index}: \"blocks\" must be a list")
        fitted: list[dict] = []
        for b_index, block in enumerate(message.blocks, 1):
            for piece in fit_block(block):
                try:
                    check_block(piece)
                except ValidationProblem as exc:
                    kind = block.get("type") if isinstance(block, dict) else type(block).__name__
                    raise ValidationProblem(f"message {m_index}, block {b_index} ({kind}): {exc}") from None
                fitted.append(piece)
        if not fitted:
            if m_index == 1:
                raise ValidationProblem("message 1 (the channel message) has no blocks")
            continue  # an empty thread reply is simply not sent
        for n, part in enumerate(chunk(fitted)):
            text = message.text if n == 0 and message.text.strip() else plain_of(part)
            out.append(Message(text=mrkdwn.cut(text, MAX_FALLBACK_TEXT), blocks=part, thread=message.thread or n > 0))
    if len(out) > MAX_MESSAGES:
        raise ValidationProblem(f"the digest would take {len(out)} messages; at most {MAX_MESSAGES}")
    # the channel message first, then the thread in order (a split channel message's
    # continuation stays right under it)
    return out
