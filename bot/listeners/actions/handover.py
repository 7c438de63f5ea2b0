"""Clicks on hand-over messages: "Mark resolved" (experts and admins), "Add to knowledge" (admins and
the person who answered), "Remove from knowledge" (admins), and "Yes, ask a person" (the offer made
after a 👎). Whoever may not gets a private note saying so; a second click changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.handover import blocks
from bot.handover.learning import LearningError
from bot.listeners.actions.ask_human import request_person
from bot.listeners.actions.clicked import Click, clicked
from bot.store.handovers import set_learned_source

log = logging.getLogger(__name__)

EXPERTS_ONLY = "Only the experts asked for this channel (or an admin) can mark it resolved."
ALREADY_RESOLVED = "This question is already resolved."
LEARN_REFUSED = "Only an admin or the person who answered can add this answer to the knowledge base."
REMOVE_REFUSED = "Only an admin can remove a learned answer."
LEARNED = "Saved. Keel will cite this answer for similar questions."
REMOVED = "Removed from the knowledge base."


def handle_mark_resolved(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ack()
    handovers = context["keel"].handovers
    click = clicked(body, action)
    allowed = handovers.is_expert(click.user, click.channel) or _is_admin(context["keel"], client, click)
    _audit(context["keel"], click, "resolve", allowed)
    if not allowed:
        _tell(client, click, EXPERTS_ONLY)
    elif not handovers.resolve(click.value, by=click.user, kind="button"):
        _tell(client, click, ALREADY_RESOLVED)


def handle_accept_offer(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    request_person(context["keel"], click, client, "{user} found the answer unhelpful and asked for a person")


def handle_add_to_knowledge(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ack()
    handovers, click = context["keel"].handovers, clicked(body, action)
    row = handovers.get(click.value)
    if row is None or row["status"] != "resolved":
        return
    allowed = click.user == row["resolved_by"] or _is_admin(context["keel"], client, click)
    _audit(context["keel"], click, "learn", allowed)
    if not allowed:
        _tell(client, click, LEARN_REFUSED)
        return
    if row.get("learned_source"):
        return  # saved already (a double click; ingesting the same file twice would change nothing anyway)
    try:
        source = handovers.knowledge.add(
            row, expert_name=_name(client, row["resolved_by"]), permalink=_permalink(client, row)
        )
    except LearningError as exc:
        _tell(client, click, str(exc))
        return
    with handovers.db() as db:
        set_learned_source(db, row["id"], source)
    _redraw(client, body, {**row, "learned_source": source}, learned=True)
    _tell(client, click, LEARNED)


def handle_remove_from_knowledge(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ack()
    handovers, click = context["keel"].handovers, clicked(body, action)
    allowed = _is_admin(context["keel"], client, click)
    _audit(context["keel"], click, "unlearn", allowed)
    if not allowed:
        _tell(client, click, REMOVE_REFUSED)
        return
    row = handovers.get(click.value)
    if row is None or not row.get("learned_source"):
        return
    handovers.knowledge.remove(row["learned_source"])
    with handovers.db() as db:
        db["handovers"].update(row["id"], {"learned_source": None})
    _redraw(client, body, {**row, "learned_source": None}, learned=False)
    _tell(client, click, REMOVED)


def _is_admin(keel: Any, client: WebClient, click: Click) -> bool:
    """The channel policy's admins, or Keel's admins as for ``/keel`` (the policy's, and the workspace's
    admins and owners): one definition, so a workspace admin is not an admin for some buttons only."""
    if keel.handovers.is_admin(click.user, click.channel):
        return True
    return keel.admin is not None and keel.admin.access.is_admin(client, click.user)


def _audit(keel: Any, click: Click, action: str, allowed: bool) -> None:
    """Hand-over clicks that need a right are audited like ``/keel`` commands (who, what, allowed)."""
    if keel.admin is not None:
        keel.admin.access.audit(click.user, action, f"hand-over of turn {click.value}", allowed)


def _redraw(client: WebClient, body: dict[str, Any], row: dict[str, Any], *, learned: bool) -> None:
    """The clicked resolution message, with the button that fits the new state."""
    ts = (body.get("container") or {}).get("message_ts")
    message = blocks.resolution_message(row, row["resolved_by"], row.get("resolution_kind") or "", learned=learned)
    try:
        client.chat_update(channel=row["channel"], ts=ts, **message.as_kwargs())
    except SlackApiError:
        log.warning("could not update the resolution message", exc_info=True)


def _name(client: WebClient, user: str) -> str:
    try:
        profile = client.users_info(user=user)["user"]
        return str(profile.get("real_name") or profile.get("name") or user)
    except SlackApiError:
        return user


def _permalink(client: WebClient, row: dict[str, Any]) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=row["channel"], message_ts=row["thread_ts"])["permalink"])
    except SlackApiError:
        return None


def _tell(client: WebClient, click: Click, text: str) -> None:
    try:
        client.chat_postEphemeral(channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=text)
    except SlackApiError:
        log.warning("could not send a private note", exc_info=True)
