"""Read-only lookups (auth, users, groups, channels, threads, files) and apps.connections.open."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from . import ids
from .registry import RequestContext, int_arg, method, required, truthy
from .workspace import ApiError, Workspace


@method("auth.test")
def auth_test(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    user_id = ctx.token_info.user_id or ids.BOT_USER_ID
    answer = {
        "url": f"https://{ids.TEAM_DOMAIN}.slack.com/",
        "team": ids.TEAM_NAME,
        "user": ws.users.get(user_id, {}).get("name", user_id),
        "team_id": ids.TEAM_ID,
        "user_id": user_id,
        "is_enterprise_install": False,
    }
    if ctx.token_info.kind == "bot":
        answer["bot_id"] = ids.BOT_ID
    return answer


@method("users.info")
def users_info(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return {"user": copy.deepcopy(ws.user(args.get("user")))}


@method("usergroups.list")
def usergroups_list(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    include_users = truthy(args.get("include_users"))
    include_disabled = truthy(args.get("include_disabled"))
    groups = []
    with ws.lock:
        for group in ws.usergroups:
            if group["date_delete"] and not include_disabled:
                continue
            shown = copy.deepcopy(group)
            if not include_users:
                shown.pop("users")
            groups.append(shown)
    return {"usergroups": groups}


@method("usergroups.users.list")
def usergroups_users_list(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """The members of one user group: ``{"ok": true, "users": ["U…", …]}``. An unknown group, or a disabled
    one without ``include_disabled``, is ``no_such_subteam``."""
    wanted = required(args, "usergroup", "no_such_subteam")
    include_disabled = truthy(args.get("include_disabled"))
    with ws.lock:
        group = next((g for g in ws.usergroups if g["id"] == wanted), None)
        if group is None or (group["date_delete"] and not include_disabled):
            raise ApiError("no_such_subteam")
        return {"users": list(group["users"])}


@method("conversations.info")
def conversations_info(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return {"channel": copy.deepcopy(ws.channel(args.get("channel")))}


@method("conversations.replies")
def conversations_replies(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    channel_id = ws.channel(args.get("channel"))["id"]
    with ws.lock:
        try:
            asked = ws.message(channel_id, required(args, "ts", "thread_not_found"))
        except ApiError as exc:
            raise ApiError("thread_not_found") from exc
        root_ts = asked.get("thread_ts") or asked["ts"]
        root = ws.messages[channel_id].get(root_ts)  # a reply's parent may never have been seen
        replies = _within(ws.thread_replies(channel_id, root_ts), args)
        thread = [copy.deepcopy(m) for m in ([root] if root else []) + replies]
    if not truthy(args.get("include_all_metadata")):
        for message in thread:
            message.pop("metadata", None)
    start = int_arg(args, "cursor", 0)
    limit = int_arg(args, "limit", 1000)
    page = thread[start : start + limit]
    more = start + limit < len(thread)
    return {
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _within(replies: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
    """Replies between ``oldest`` and ``latest`` (inclusive only when asked), as Slack filters them."""
    inclusive = truthy(args.get("inclusive"))
    oldest, latest = args.get("oldest"), args.get("latest")

    def keep(message: dict[str, Any]) -> bool:
        ts = float(message["ts"])
        if oldest and (ts < float(oldest) or (ts == float(oldest) and not inclusive)):
            return False
        return not (latest and (ts > float(latest) or (ts == float(latest) and not inclusive)))

    return [m for m in replies if keep(m)]


@method("files.info")
def files_info(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    with ws.lock:
        found = ws.files.get(args.get("file"))
    if found is None:
        raise ApiError("file_not_found")
    return {"file": copy.deepcopy(found[0]), "comments": [], "response_metadata": {"next_cursor": ""}}


@method("apps.connections.open")
def apps_connections_open(ws: Workspace, args: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    ticket = secrets.token_hex(8)
    with ws.lock:
        ws.socket_tickets.add(ticket)
    return {"url": f"{ctx.socket_url}?ticket={ticket}&app_id={ids.APP_ID}"}
