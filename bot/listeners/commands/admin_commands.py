"""The admin subcommands of ``/keel``; each runs on the admin worker after the command was acked."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.admin_blocks import ingest_text, sources_text, status_text
from bot.admins import REFUSED
from bot.knowledge_ops import valid_collection
from bot.mrkdwn import escape
from bot.runtime import KeelRuntime
from knowledge.loaders import is_url

log = logging.getLogger(__name__)

ADD_USAGE = "Usage: `/keel add <url> [collection]`, e.g. `/keel add https://wiki.example.com/handbook hr`"
REMOVE_USAGE = "Usage: `/keel remove <source>`, with the source's name as `/keel sources` shows it."
APPROVE_USAGE = "Usage: `/keel approve <source>`, with the name of a source `/keel sources` shows as held for review."
FAILED = "Sorry, `/keel {name}` failed because of a problem on my side; the details are logged."
WHAT = {
    "add": "add documents",
    "sources": "list the knowledge sources",
    "remove": "remove documents",
    "approve": "release documents held for review",
    "status": "see Keel's status",
    "pause": "pause Keel",
    "resume": "resume Keel",
}


def run_admin_command(keel: KeelRuntime, client: WebClient, respond: Respond, user: str, name: str, args: str) -> None:
    admin = keel.admin
    if not admin.access.authorize(client, user, f"/keel {name}", target=args):
        respond(text=REFUSED.format(what=WHAT[name]))
        return
    try:
        respond(text=ADMIN_COMMANDS[name](keel, user, args, respond))
    except Exception:
        log.exception("/keel %s failed", name)
        respond(text=FAILED.format(name=name))


def add(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    parts = args.split()
    if not parts or len(parts) > 2:
        return ADD_USAGE
    url = parts[0].strip("<>").split("|")[0]  # Slack sends links as <url> or <url|label>
    collection = parts[1] if len(parts) > 1 else keel.admin.ops.settings.default_collection
    if not is_url(url):
        return f"`{url}` is not a web address (http:// or https://). Send files to me in a DM instead.\n{ADD_USAGE}"
    if not valid_collection(collection):
        return f"`{collection}` is not a valid collection name (letters, digits, `-` and `_`)."
    respond(text=f"Adding {url} to `{collection}`… I'll tell you here when it's done.")
    report = keel.admin.ops.ingest([url], collection, actor=user, trigger="slack_url", public_only=True)
    return ingest_text(report, collection, {o.source: o.source for o in report.outcomes})


def sources(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    return sources_text(keel.admin.ops.kb.sources())


def remove(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    if not args:
        return REMOVE_USAGE
    source = args.strip("<>` ").split("|")[0]
    removed = keel.admin.ops.remove(source, actor=user)
    if not removed:
        return f"No source named `{source}` is stored. `/keel sources` lists them."
    return f"Removed `{keel.admin.ops.resolve(source) or source}`: {removed} chunks. Keel no longer answers from it."


def approve(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    if not args:
        return APPROVE_USAGE
    source = args.strip("<>` ").split("|")[0]
    found, released = keel.admin.ops.approve(source, actor=user)
    if found is None:
        return f"No source named `{escape(source)}` is stored. `/keel sources` lists them."
    if not released:
        return f"`{escape(found.source)}` is not held for review; Keel already answers from it."
    return f"Approved `{escape(found.source)}`: Keel answers from its {released} passages from now on."


def status(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    state = keel.admin.pause.state()
    return status_text(keel.admin.ops.status(keel.admin.model), state.paused, state.by)


def pause(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    if not keel.admin.pause.set(True, user):
        return "Keel is already paused. `/keel resume` starts answering again."
    return (
        "Keel is paused. Until `/keel resume`, every question gets a short notice and goes to a person "
        "(a pending hand-over)."
    )


def resume(keel: KeelRuntime, user: str, args: str, respond: Respond) -> str:
    if not keel.admin.pause.set(False, user):
        return "Keel is not paused; it is answering."
    return "Keel is answering questions again."


ADMIN_COMMANDS: dict[str, Callable[[KeelRuntime, str, str, Respond], str]] = {
    "add": add,
    "sources": sources,
    "remove": remove,
    "approve": approve,
    "status": status,
    "pause": pause,
    "resume": resume,
}
