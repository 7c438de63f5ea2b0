"""Files sent to Keel in a DM: an admin's are added to the knowledge base (``collection: X`` in the
message picks the collection), with the outcome in the message's thread; anyone else's are refused."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient

from bot.admin_blocks import ingest_text
from bot.admins import REFUSED, AdminDesk
from bot.dedupe import delivery_keys
from bot.knowledge_ops import valid_collection
from bot.reply import post_notice
from bot.runtime import KeelRuntime
from bot.uploads import UploadError, ingest_upload, upload_from

log = logging.getLogger(__name__)
COLLECTION = re.compile(r"\bcollection\s*[:=]\s*(\S+)", re.IGNORECASE)
WORKING = "Adding {names} to `{collection}`…"
BAD_COLLECTION = "`{name}` is not a valid collection name (letters, digits, `-` and `_`, up to 63 characters)."


def is_file_share_in_dm(event: dict[str, Any]) -> bool:
    """A person's message with files in their DM with Keel (files in channels are not for Keel)."""
    return (
        event.get("subtype") == "file_share"
        and event.get("channel_type") == "im"
        and bool(event.get("user"))
        and not event.get("bot_id")
    )


def handle_file_share(body: dict[str, Any], event: dict[str, Any], keel: KeelRuntime, client: WebClient) -> None:
    channel, ts = event["channel"], event["ts"]
    if not keel.ledger.claim(delivery_keys(body.get("event_id"), channel, ts, event.get("client_msg_id"))):
        return
    keel.admin.pool.submit(_receive, keel.admin, client, event)


def handle_file_shared(body: dict[str, Any]) -> None:
    """``file_shared`` comes with the DM's ``message`` event, which carries the text and the thread."""


def _receive(admin: AdminDesk, client: WebClient, event: dict[str, Any]) -> None:
    channel, ts, user = event["channel"], event["ts"], event["user"]
    files = event.get("files") or []
    names = ", ".join(str(f.get("name") or f.get("id")) for f in files)
    try:
        if not admin.access.authorize(client, user, "upload", target=names):
            post_notice(client, channel, ts, REFUSED.format(what="add documents to the knowledge base"))
            return
        found = COLLECTION.search(event.get("text") or "")
        collection = found.group(1).strip("`*_") if found else admin.ops.settings.default_collection
        if not valid_collection(collection):
            post_notice(client, channel, ts, BAD_COLLECTION.format(name=collection))
            return
        post_notice(client, channel, ts, WORKING.format(names=names, collection=collection))
        post_notice(client, channel, ts, "\n".join(_add(admin, client, f, collection, user) for f in files))
    except Exception:
        log.exception("adding files from %s failed", user)
        post_notice(client, channel, ts, "Sorry, adding the file failed because of a problem on my side; it is logged.")


def _add(admin: AdminDesk, client: WebClient, shared: dict[str, Any], collection: str, user: str) -> str:
    """One file: its outcome as a line for the reply."""
    label = str(shared.get("name") or shared.get("id"))
    try:
        info = client.files_info(file=shared["id"])["file"]
        upload = upload_from(info)
    except UploadError as exc:
        admin.access.audit(user, "upload", label, allowed=True, detail=f"rejected: {exc}")
        return f":x: Could not add *{label}*: {exc}"
    report = ingest_upload(admin.ops, upload, client.token or "", collection, user)
    return ingest_text(report, collection, {o.source: upload.name for o in report.outcomes})
