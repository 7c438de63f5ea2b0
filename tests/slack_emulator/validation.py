"""Block Kit and message checks, with Slack's limits, so a test fails where real Slack would refuse.

The element-level limits (section text 3,000, header 150, button text 75 / value 2,000 / action_id 255,
...) come from slack_sdk's own model validators; the message-level ones Slack enforces on top of them
(50 blocks per message, 40,000 characters of text, unique block ids, header text in plain_text) are
checked here.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_MARKDOWN_TEXT = 12_000  # per chat.*Stream call and chat.postMessage markdown_text


class PayloadError(Exception):
    """A payload Slack would refuse: ``error`` is the API error code, ``detail`` the reason it gives."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


def decode_blocks(blocks: Any) -> list[dict[str, Any]] | None:
    """Blocks as sent: a list, or (form-encoded requests) a JSON string of one."""
    if blocks is None:
        return None
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except json.JSONDecodeError as exc:
            raise PayloadError("invalid_blocks_format", f"blocks is not valid JSON ({exc})") from exc
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise PayloadError("invalid_blocks_format", "blocks must be an array of objects")
    return blocks


def check_blocks(blocks: list[dict[str, Any]], limit: int = MAX_MESSAGE_BLOCKS) -> None:
    if len(blocks) > limit:
        raise PayloadError("invalid_blocks", f"no more than {limit} items allowed [json-pointer:/blocks]")
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        _check_one_block(block, where)
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_block_ids:
                raise PayloadError("invalid_blocks", f"duplicate block_id {block_id!r} {where}")
            seen_block_ids.add(block_id)


def _check_one_block(block: dict[str, Any], where: str) -> None:
    kind = block.get("type")
    try:
        # parse() keeps references into the dict; a copy keeps the caller's payload untouched.
        parsed = Block.parse(copy.deepcopy(block))
        if parsed is None:
            raise PayloadError("invalid_blocks", f"unknown block type {kind!r} {where}")
        parsed.to_dict()  # runs slack_sdk's validators on the block and every element in it
    except SlackObjectFormationError as exc:
        raise PayloadError("invalid_blocks", f"{exc} {where}") from exc
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise PayloadError("invalid_blocks", f"malformed {kind!r} block ({exc}) {where}") from exc
    text = block.get("text")
    if kind == "header" and (not isinstance(text, dict) or text.get("type") != "plain_text"):
        raise PayloadError("invalid_blocks", f"header text must be a plain_text object {where}")
    if kind == "section" and text is not None and not isinstance(text, dict):
        raise PayloadError("invalid_blocks", f"section text must be a text object {where}")
    action_ids = [e.get("action_id") for e in block.get("elements") or [] if isinstance(e, dict)]
    action_ids = [a for a in action_ids if a is not None]
    if len(action_ids) != len(set(action_ids)):
        raise PayloadError("invalid_blocks", f"action_id values must be unique within a block {where}")


def check_message(args: dict[str, Any], *, require_content: bool = True) -> list[dict[str, Any]] | None:
    """Check a chat.postMessage / update / postEphemeral payload; returns its decoded blocks."""
    blocks = decode_blocks(args.get("blocks"))
    text = args.get("text") or args.get("markdown_text")
    if require_content and not text and not blocks and not args.get("attachments"):
        raise PayloadError("no_text", "text, blocks or attachments is required")
    if text is not None and len(str(text)) > MAX_MESSAGE_TEXT:
        raise PayloadError("msg_too_long", f"text is longer than {MAX_MESSAGE_TEXT} characters")
    if args.get("markdown_text") is not None and len(str(args["markdown_text"])) > MAX_MARKDOWN_TEXT:
        raise PayloadError("msg_too_long", f"markdown_text is longer than {MAX_MARKDOWN_TEXT} characters")
    if blocks is not None:
        check_blocks(blocks, MAX_MESSAGE_BLOCKS)
    return blocks


def check_view(view: Any) -> dict[str, Any]:
    """Check a view for views.open / publish / update; returns it decoded."""
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except json.JSONDecodeError as exc:
            raise PayloadError("invalid_arguments", f"view is not valid JSON ({exc})") from exc
    if not isinstance(view, dict):
        raise PayloadError("invalid_arguments", "view must be an object")
    try:
        View(**copy.deepcopy(view)).validate_json()
    except SlackObjectFormationError as exc:
        raise PayloadError("invalid_arguments", f"{exc} [json-pointer:/view]") from exc
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise PayloadError("invalid_arguments", f"malformed view ({exc}) [json-pointer:/view]") from exc
    if view.get("type") == "modal" and not view.get("title"):
        raise PayloadError("invalid_arguments", "a modal needs a title [json-pointer:/view/title]")
    blocks = decode_blocks(view.get("blocks")) or []
    if view.get("type") == "modal" and any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
        raise PayloadError("invalid_arguments", "a modal with input blocks needs submit [json-pointer:/view]")
    try:
        check_blocks(blocks, MAX_VIEW_BLOCKS)
    except PayloadError as exc:
        raise PayloadError("invalid_arguments", exc.detail.replace("/blocks", "/view/blocks")) from exc
    return view
