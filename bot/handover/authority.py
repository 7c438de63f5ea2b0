"""Who may act on a hand-over: the people it was sent to, or an admin (issue 16).

A hand-over is sent to the channel's experts, the members of its expert user groups and, when nobody
answers, its backup group; those people (and Keel's admins) may resolve it, by replying or with "Mark
resolved", and may approve its answer for the knowledge base. Anyone else's reply in the thread is
conversation. Group members come from Slack's ``usergroups.users.list``, cached for a minute; when Slack
cannot be asked, nobody is let in through a group (fail closed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk import WebClient

from graphs.policy import ChannelPolicy

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
AdminCheck = Callable[[str], bool]


def is_group(slack_id: str) -> bool:
    return slack_id.startswith("S")


class HandoverAuthority:
    def __init__(
        self,
        client: WebClient,
        channel_policy: Callable[[str | None], ChannelPolicy],
        is_admin: AdminCheck | None = None,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.client = client
        self.channel_policy = channel_policy
        self.workspace_admin = is_admin  # Keel's admins as for /keel (bot.admins.AdminAccess), if wired
        self.cache_seconds = cache_seconds
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def is_admin(self, user: str) -> bool:
        """A policy admin, or (when wired) a workspace admin or owner."""
        if user in self.channel_policy(None).admins:
            return True
        return self.workspace_admin is not None and self.workspace_admin(user)

    def asked(self, handover: dict[str, Any]) -> list[str]:
        """The people and groups a hand-over was sent to: the experts recorded on it, the channel's
        experts now (someone added since may pick it up) and the channel's backup group."""
        policy = self.channel_policy(handover.get("channel"))
        return list(dict.fromkeys([*(handover.get("experts") or []), *policy.experts, *policy.backup_experts]))

    def may_answer(self, user: str, handover: dict[str, Any]) -> bool:
        """Whether ``user`` may resolve this hand-over or approve its answer for the knowledge base."""
        if not user:
            return False
        asked = self.asked(handover)
        if user in asked:
            return True
        return self._in_groups(user, (g for g in asked if is_group(g))) or self.is_admin(user)

    def _in_groups(self, user: str, groups: Iterable[str]) -> bool:
        return any(user in self.members(group) for group in groups)

    def members(self, group: str) -> frozenset[str]:
        """A user group's members (``usergroups.users.list``), cached; empty if Slack cannot say."""
        now = time.monotonic()
        with self._lock:
            cached = self._members.get(group)
        if cached and now - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            users = frozenset(str(u) for u in self.client.usergroups_users_list(usergroup=group)["users"] or [])
        except Exception as exc:  # Slack refused or unreachable: fail closed
            log.warning("could not read the members of user group %s (%s); nobody counts as one", group, exc)
            return frozenset()  # not cached: the next check asks again
        with self._lock:
            self._members[group] = (now, users)
        return users
