"""Check Block Kit payloads with slack_sdk.models, as Slack would check them.

Each block is parsed by slack_sdk (an unknown block type parses to None), validated
against its length and shape limits (`validate_json`), and serialised back: the result
must equal what we sent, so a misspelled or misplaced field, which slack_sdk drops,
fails the check instead of being silently ignored by Slack.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100


def _strip_none(d):
    if isinstance(d, dict):
        return {k: _strip_none(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_strip_none(v) for v in d]
    return d


def assert_valid_blocks(blocks: list[dict], max_blocks: int = MESSAGE_MAX_BLOCKS) -> None:
    assert isinstance(blocks, list) and blocks, "no blocks"
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks > {max_blocks}"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"unknown block type: {raw.get('type')}"
        block.validate_json()
        assert block.to_dict() == _strip_none(raw), f"slack_sdk dropped or changed fields of {raw}"
        for button in _buttons(raw):
            assert len(button.get("value", "")) <= 2000, "button value over 2000 characters"
            assert len(button["text"]["text"]) <= 75, "button text over 75 characters"


def _buttons(node):
    if isinstance(node, dict):
        if node.get("type") == "button":
            yield node
        for v in node.values():
            yield from _buttons(v)
    elif isinstance(node, list):
        for v in node:
            yield from _buttons(v)


def assert_valid_message(payload: dict) -> None:
    """A chat.postMessage / response_url body: text fallback plus valid blocks."""
    assert isinstance(payload.get("text"), str) and payload["text"], "no notification text"
    assert_valid_blocks(payload["blocks"])


def assert_valid_view(view: dict) -> None:
    assert view.get("type") in ("home", "modal")
    parsed = View(**view)
    parsed.validate_json()
    assert parsed.to_dict() == _strip_none(view), "slack_sdk dropped or changed fields of the view"
    assert_valid_blocks(view["blocks"], VIEW_MAX_BLOCKS)


def buttons(payload: dict, action_id: str) -> list[dict]:
    """The elements with `action_id` in a message's blocks (accessories and actions), in order."""
    out = []
    for b in payload["blocks"]:
        for el in ([b["accessory"]] if "accessory" in b else []) + b.get("elements", []):
            if el.get("action_id") == action_id:
                out.append(el)
    return out
