"""Who may run Keel's admin operations, and the desk those operations share.

Admins are the user ids in the policy's ``admins`` list, or the workspace's admins and owners (Slack's
``users.info``; cached for a minute so a burst of commands costs one call). Every attempt, allowed or
refused, goes to the audit trail in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.knowledge_ops import KnowledgeOps
from bot.pause import PauseSwitch
from bot.service import KeelService
from bot.store.writer import LogWriter
from bot.workers import TrackedExecutor

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
REFUSED = (
    "Sorry, only Keel's admins can {what}. Admins are listed in Keel's policy file, and workspace admins "
    "and owners count too. Ask one of them if you need this done."
)


class AdminAccess:
    def __init__(self, service: KeelService, writer: LogWriter, cache_seconds: float = CACHE_SECONDS) -> None:
        self.service = service
        self.writer = writer
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, client: WebClient, user: str) -> bool:
        if user in self.service.channel_policy(None).admins:
            return True
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user)
        if cached and now - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            info = client.users_info(user=user)["user"]
            allowed = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        except Exception:  # Slack unreachable: refuse (and do not cache), rather than let anyone in
            log.warning("users.info failed for %s; treating them as not an admin", user, exc_info=True)
            return False
        with self._lock:
            self._cache[user] = (now, allowed)
        return allowed

    def authorize(self, client: WebClient, user: str, action: str, target: str = "") -> bool:
        """Whether ``user`` may do ``action``; the attempt is audited either way."""
        allowed = self.is_admin(client, user)
        self.audit(user, action, target, allowed)
        return allowed

    def audit(self, user: str, action: str, target: str = "", allowed: bool = True, detail: str = "") -> None:
        from bot.store import audit

        self.writer.submit(audit, actor=user, action=action, target=target, allowed=allowed, detail=detail)


@dataclass
class AdminDesk:
    """What the admin listeners share: access checks, knowledge operations, the pause switch, and one
    worker thread for the slow work (ingests run one at a time: each rewrites the keyword index). Built
    by the composition root (bot.compose); ``own_writer`` is a log writer it opened for the desk alone,
    closed with it."""

    access: AdminAccess
    ops: KnowledgeOps
    pause: PauseSwitch
    pool: TrackedExecutor
    model: str | None
    own_writer: LogWriter | None = None

    def close(self, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=not wait)
        if self.own_writer is not None:
            self.own_writer.close()
