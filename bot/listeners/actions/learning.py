"""The learning buttons under a resolved hand-over (issue 16).

"Add to knowledge": an expert of the hand-over's channel (one of the people it was sent to) or an admin
approves the answer; it is saved for that channel only, with who approved it. "Use in every channel"
(admins): the answer is widened to every channel. "Remove from knowledge" (admins). Every attempt is
audited, allowed or not; whoever may not gets a private note and nothing changes.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.handover import blocks
from bot.handover.learning import LearningError, is_widened
from bot.learned_scope import learned_collection
from bot.listeners.actions.clicked import Click, clicked
from bot.listeners.actions.handover import audit_click, tell
from bot.runtime import KeelRuntime
from bot.store.handovers import set_learned_source

log = logging.getLogger(__name__)

LEARN_REFUSED = "Only an admin or one of the experts asked for this channel can add this answer to the knowledge base."
ADMINS_ONLY = "Only an admin can {what}."
LEARNED = "Saved for this channel. Keel will cite this answer for similar questions asked here."
WIDENED = "Shared. Keel will cite this answer in every channel."
REMOVED = "Removed from the knowledge base."


def handle_add_to_knowledge(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    row = keel.handovers.get(click.value)
    if row is None or row["status"] != "resolved":
        return
    if not keel.handovers.may_answer(click.user, row):
        audit_click(keel, click, "learn", False, "not an expert of the hand-over's channel or an admin")
        tell(client, click, LEARN_REFUSED)
        return
    if row.get("learned_source"):
        return  # saved already (a double click; ingesting the same file twice would change nothing anyway)
    try:
        source = keel.handovers.knowledge.add(
            row,
            expert_name=_name(client, row["resolved_by"]),
            permalink=_permalink(client, row),
            approved_by=_name(client, click.user),
        )
    except LearningError as exc:
        audit_click(keel, click, "learn", True, f"failed: {exc}")
        tell(client, click, str(exc))
        return
    _store_source(keel, row, source)
    where = learned_collection(row["channel"])
    audit_click(keel, click, "learn", True, f"approved the answer of {row['resolved_by']} for {where}")
    _redraw(client, body, {**row, "learned_source": source}, approved_by=click.user)
    tell(client, click, LEARNED)


def handle_share_learned(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    row = _admin_only(keel, client, click, "share", "make a learned answer available in every channel")
    if row is None or not row.get("learned_source"):
        return
    try:
        source = keel.handovers.knowledge.widen(row["learned_source"])
    except LearningError as exc:
        tell(client, click, str(exc))
        return
    _store_source(keel, row, source)
    _redraw(client, body, {**row, "learned_source": source})
    tell(client, click, WIDENED)


def handle_remove_from_knowledge(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    row = _admin_only(keel, client, click, "unlearn", "remove a learned answer")
    if row is None or not row.get("learned_source"):
        return
    keel.handovers.knowledge.remove(row["learned_source"])
    _store_source(keel, row, None)
    _redraw(client, body, {**row, "learned_source": None})
    tell(client, click, REMOVED)


def _admin_only(keel: KeelRuntime, client: WebClient, click: Click, action: str, what: str) -> dict[str, Any] | None:
    """The clicked hand-over if the clicker is an admin (audited either way), else None."""
    allowed = keel.handovers.is_admin(click.user)
    audit_click(keel, click, action, allowed)
    if not allowed:
        tell(client, click, ADMINS_ONLY.format(what=what))
        return None
    return keel.handovers.get(click.value)


def _store_source(keel: KeelRuntime, row: dict[str, Any], source: str | None) -> None:
    with keel.handovers.db() as db:
        set_learned_source(db, row["id"], source)


def _redraw(client: WebClient, body: dict[str, Any], row: dict[str, Any], *, approved_by: str = "") -> None:
    """The clicked resolution message, with the buttons that fit the new state."""
    ts = (body.get("container") or {}).get("message_ts")
    if not ts:  # Slack's click names the message it came from; without it there is nothing to redraw
        log.warning("could not update the resolution message: the click names no message")
        return
    source = row.get("learned_source") or ""
    message = blocks.resolution_message(
        row,
        row["resolved_by"],
        row.get("resolution_kind") or "",
        learned=bool(source),
        widened=bool(source) and is_widened(source),
        approved_by=approved_by,
    )
    try:
        client.chat_update(channel=row["channel"], ts=ts, **message.as_kwargs())
    except Exception:
        log.warning("could not update the resolution message", exc_info=True)


def _name(client: WebClient, user: str) -> str:
    try:
        profile = client.users_info(user=user)["user"]
        return str(profile.get("real_name") or profile.get("name") or user)
    except Exception:
        return user


def _permalink(client: WebClient, row: dict[str, Any]) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=row["channel"], message_ts=row["thread_ts"])["permalink"])
    except Exception:
        return None
