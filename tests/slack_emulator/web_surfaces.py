"""views.* (modals and the Home tab) and assistant.threads.* (status, prompts, title)."""

from __future__ import annotations

import copy
import json
import secrets
import time
from typing import Any

from . import ids
from .registry import RequestContext, method, required
from .validation import check_view
from .workspace import ApiError, Workspace

MAX_SUGGESTED_PROMPTS = 4


def _full_view(view: dict[str, Any], view_id: str, root_id: str | None = None) -> dict[str, Any]:
    """A view as Slack returns it: the app's fields plus id, hash, state and app details."""
    return {
        "id": view_id,
        "team_id": ids.TEAM_ID,
        "type": view["type"],
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": root_id or view_id,
        "app_id": ids.APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ids.TEAM_ID,
        "bot_id": ids.BOT_ID,
    }


def _store(ws: Workspace, view: dict[str, Any]) -> dict[str, Any]:
    with ws.lock:
        ws.views[view["id"]] = view
    return {"view": copy.deepcopy(view)}


@method("views.open")
def views_open(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    required(args, "trigger_id")
    view = check_view(required(args, "view"))
    return _store(ws, _full_view(view, ids.new_id("V")))


@method("views.push")
def views_push(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return views_open(ws, args, ctx)


@method("views.publish")
def views_publish(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    user = ws.user(required(args, "user_id"))
    view = check_view(required(args, "view"))
    with ws.lock:
        current_id = ws.home_views.get(user["id"])
        current = ws.views.get(current_id) if current_id else None
        if args.get("hash") and current and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        published = _full_view(view, current_id or ids.new_id("V"))
        ws.home_views[user["id"]] = published["id"]
        return _store(ws, published)


@method("views.update")
def views_update(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    view = check_view(required(args, "view"))
    with ws.lock:
        if args.get("view_id"):
            current = ws.views.get(args["view_id"])
        else:
            external_id = required(args, "external_id")
            current = next((v for v in ws.views.values() if v["external_id"] == external_id), None)
        if current is None:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        return _store(ws, _full_view(view, current["id"], current["root_view_id"]))


# ---- assistant threads ----------------------------------------------------------------------------


def _thread(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel_id = ws.channel(required(args, "channel_id"))["id"]
    thread_ts = str(required(args, "thread_ts"))
    return ws.assistant_threads.setdefault((channel_id, thread_ts), {"statuses": []})


@method("assistant.threads.setStatus")
def set_status(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    if args.get("status") is None:
        required(args, "status")
    with ws.lock:
        thread = _thread(ws, args)
        thread["status"] = str(args["status"])
        thread["loading_messages"] = args.get("loading_messages")
        thread["statuses"].append(thread["status"])  # the history, to check a status was shown then cleared
    return {}


@method("assistant.threads.setSuggestedPrompts")
def set_suggested_prompts(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    prompts = required(args, "prompts")
    if isinstance(prompts, str):
        prompts = json.loads(prompts)
    valid = isinstance(prompts, list) and all(
        isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts
    )
    if not valid or not 0 < len(prompts) <= MAX_SUGGESTED_PROMPTS:
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid prompts"]})
    with ws.lock:
        thread = _thread(ws, args)
        thread["prompts"] = prompts
        thread["prompts_title"] = args.get("title")
    return {}


@method("assistant.threads.setTitle")
def set_title(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    title = required(args, "title")
    with ws.lock:
        _thread(ws, args)["title"] = str(title)
    return {}
