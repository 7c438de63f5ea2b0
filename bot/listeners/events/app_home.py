"""The App Home tab: for admins the last 7 days, pending hand-overs and knowledge gaps; for everyone
else how to use Keel. The figures take a few seconds (the gaps are grouped with the embedder), so they
are gathered on the admin worker, after the event was acked."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.admin_blocks import admin_home, help_home
from bot.admins import AdminDesk
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)


def handle_app_home_opened(event: dict[str, Any], keel: KeelRuntime, client: WebClient) -> None:
    if event.get("tab") != "home":
        return
    user = event["user"]
    if not keel.admin.access.is_admin(client, user):
        client.views_publish(user_id=user, view=help_home())
        return
    keel.admin.pool.submit(_publish_admin_home, keel.admin, client, user)


def _publish_admin_home(admin: AdminDesk, client: WebClient, user: str) -> None:
    try:
        view = admin_home(admin.ops.home_summary(), admin.pause.paused)
        client.views_publish(user_id=user, view=view)
    except Exception:
        log.exception("could not publish the admin App Home for %s", user)
