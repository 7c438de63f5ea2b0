"""chat.* (including the streaming trio) and reactions.*: the methods that change what people see."""

from __future__ import annotations

import copy
from typing import Any

from . import ids
from .registry import RequestContext, method, required
from .validation import (
    MAX_MARKDOWN_TEXT,
    MAX_MESSAGE_BLOCKS,
    PayloadError,
    check_blocks,
    check_message,
    decode_blocks,
)
from .workspace import ApiError, Workspace, text_block

STREAMING = "streaming"


def _json_field(value: Any) -> Any:
    return value if value not in ("", None) else None


def _writable_channel(ws: Workspace, args: dict[str, Any]) -> str:
    channel = ws.channel(args.get("channel"))
    if channel.get("is_archived"):
        raise ApiError("is_archived")
    return channel["id"]


def _own_message(ws: Workspace, channel_id: str, ts: Any, error: str) -> dict[str, Any]:
    message = ws.message(channel_id, ts)
    if message.get("bot_id") != ids.BOT_ID:
        raise ApiError(error)
    return message


@method("chat.postMessage")
def post_message(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = _writable_channel(ws, args)
    blocks = check_message(args)
    text = str(args.get("text") or args.get("markdown_text") or "")
    message = ws.bot_message(text, blocks, ids.next_ts())
    if args.get("thread_ts"):
        message["thread_ts"] = str(args["thread_ts"])
    if _json_field(args.get("metadata")):
        message["metadata"] = args["metadata"]
    if _json_field(args.get("attachments")):
        message["attachments"] = args["attachments"]
    ws.store_message(channel_id, message)
    return {"channel": channel_id, "ts": message["ts"], "message": copy.deepcopy(message)}


@method("chat.update")
def update(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = ws.channel(args.get("channel"))["id"]
    message = _own_message(ws, channel_id, args.get("ts"), "cant_update_message")
    blocks = check_message(args, require_content=False)
    text = args.get("text") if args.get("text") is not None else args.get("markdown_text")
    with ws.lock:
        if text is not None:
            message["text"] = str(text)
        if blocks is not None or text is not None:
            message["blocks"] = blocks or ([] if not message["text"] else [text_block(message["text"])])
        if _json_field(args.get("metadata")):
            message["metadata"] = args["metadata"]
        message["edited"] = {"user": ids.BOT_USER_ID, "ts": ids.next_ts()}
        snapshot = copy.deepcopy(message)
    return {"channel": channel_id, "ts": message["ts"], "text": snapshot["text"], "message": snapshot}


@method("chat.delete")
def delete(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = ws.channel(args.get("channel"))["id"]
    _own_message(ws, channel_id, args.get("ts"), "cant_delete_message")
    ws.delete_message(channel_id, args["ts"])
    return {"channel": channel_id, "ts": args["ts"]}


@method("chat.postEphemeral")
def post_ephemeral(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = _writable_channel(ws, args)
    user = ws.user(required(args, "user", "user_not_found"))
    blocks = check_message(args)
    ephemeral = {
        "channel": channel_id,
        "user": user["id"],
        "text": str(args.get("text") or ""),
        "blocks": blocks or [],
        "thread_ts": args.get("thread_ts"),
        "ts": ids.next_ts(),
    }
    with ws.lock:
        ws.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral["ts"]}


@method("chat.getPermalink")
def get_permalink(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = ws.channel(args.get("channel"))["id"]
    message = ws.message(channel_id, args.get("message_ts"))
    link = f"https://{ids.TEAM_DOMAIN}.slack.com/archives/{channel_id}/p{message['ts'].replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return {"channel": channel_id, "permalink": link}


# ---- streaming: chat.startStream / appendStream / stopStream --------------------------------------


def _stream_text(args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The markdown a stream call adds (its markdown_text and markdown_text chunks) and its other chunks."""
    text = str(args.get("markdown_text") or "")
    others = []
    chunks = args.get("chunks") or []
    if not isinstance(chunks, list):
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] chunks must be an array"]})
    for chunk in chunks:
        if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
            text += str(chunk.get("text") or "")
        else:
            others.append(chunk)
    if len(text) > MAX_MARKDOWN_TEXT:
        raise PayloadError("msg_too_long", f"markdown_text is longer than {MAX_MARKDOWN_TEXT} characters")
    return text, others


def _streaming_message(ws: Workspace, args: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    channel_id = ws.channel(args.get("channel"))["id"]
    message = _own_message(ws, channel_id, args.get("ts"), "message_not_owned_by_app")
    stream = ws.streams.get((channel_id, message["ts"]))
    if stream is None or stream["state"] != STREAMING:
        raise ApiError(stream["state"] if stream else "message_not_in_streaming_state")
    return channel_id, message, stream


def _append(message: dict[str, Any], stream: dict[str, Any], text: str, chunks: list[dict[str, Any]]) -> None:
    message["text"] += text
    stream["chunks"].extend(chunks)
    message["blocks"] = [{"type": "markdown", "text": message["text"]}] if message["text"] else []


@method("chat.startStream")
def start_stream(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = _writable_channel(ws, args)
    thread_ts = str(required(args, "thread_ts"))
    text, chunks = _stream_text(args)
    message = ws.bot_message("", None, ids.next_ts())
    message["thread_ts"] = thread_ts
    # Beside the message, what Slack knows of the stream: whom it is for, its non-text chunks, its state.
    stream = {
        "state": STREAMING,
        "recipient_team_id": args.get("recipient_team_id"),
        "recipient_user_id": args.get("recipient_user_id"),
        "chunks": [],
    }
    _append(message, stream, text, chunks)
    with ws.lock:
        ws.store_message(channel_id, message)
        ws.streams[(channel_id, message["ts"])] = stream
    return {"channel": channel_id, "ts": message["ts"]}


@method("chat.appendStream")
def append_stream(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    with ws.lock:
        channel_id, message, stream = _streaming_message(ws, args)
        text, chunks = _stream_text(args)
        _append(message, stream, text, chunks)
    return {"channel": channel_id, "ts": message["ts"]}


@method("chat.stopStream")
def stop_stream(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    with ws.lock:
        channel_id, message, stream = _streaming_message(ws, args)
        text, chunks = _stream_text(args)
        blocks = decode_blocks(args.get("blocks")) or []
        body_blocks = 1 if (message["text"] or text) else 0
        check_blocks(blocks, limit=MAX_MESSAGE_BLOCKS - body_blocks)
        _append(message, stream, text, chunks)
        message["blocks"] = message["blocks"] + blocks
        if _json_field(args.get("metadata")):
            message["metadata"] = args["metadata"]
        stream["state"] = "message_not_in_streaming_state"  # what later appends are told
        snapshot = copy.deepcopy(message)
    return {"channel": channel_id, "ts": snapshot["ts"], "message": snapshot}


# ---- reactions ------------------------------------------------------------------------------------


def _reaction_target(ws: Workspace, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    channel_id = ws.channel(args.get("channel"))["id"]
    message = ws.message(channel_id, args.get("timestamp"))
    name = str(args.get("name") or "").strip(":")
    if not name:
        raise ApiError("invalid_name")
    return message, name


@method("reactions.add")
def reactions_add(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    with ws.lock:
        message, name = _reaction_target(ws, args)
        add_reaction(message, name, ctx.token_info.user_id or ids.BOT_USER_ID)
    return {}


def add_reaction(message: dict[str, Any], name: str, user: str) -> None:
    reactions = message.setdefault("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    if user in reaction["users"]:
        raise ApiError("already_reacted")
    reaction["users"].append(user)
    reaction["count"] = len(reaction["users"])


@method("reactions.remove")
def reactions_remove(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    user = ctx.token_info.user_id or ids.BOT_USER_ID
    with ws.lock:
        message, name = _reaction_target(ws, args)
        reactions = message.get("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name and user in r["users"]), None)
        if reaction is None:
            raise ApiError("no_reaction")
        reaction["users"].remove(user)
        reaction["count"] = len(reaction["users"])
        message["reactions"] = [r for r in reactions if r["count"]]
        if not message["reactions"]:
            del message["reactions"]  # Slack omits the field once the last reaction is gone
    return {}
