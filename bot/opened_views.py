"""Modals Keel opened, so that only their submissions are accepted (issue 16, 9c).

A ``view_submission`` names a view id, a callback id and private metadata; anyone who can reach Keel's
request URL with a valid signature (or a bug elsewhere) could send one for a modal Keel never opened.
Each modal Keel opens is recorded here as Slack returned it (``views.open``), with the person it was
opened for; a submission is accepted only if it matches a record in all of these, and only once. The
table lives in Keel's state file, so any Keel process behind the same ``KEEL_HOME`` accepts it.
"""

from __future__ import annotations

import time
from typing import Any

from bot.store.slack_state import OpenedView, record_opened_view, take_opened_view
from bot.store.state import StateDB

KEEP_SECONDS = 24 * 3600  # a modal left open longer than a day has to be opened again


class OpenedViews:
    def __init__(self, state: StateDB, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._state = state

    def record(self, view: dict[str, Any], user: str) -> None:
        """A modal Slack opened for ``user`` (the ``view`` of the ``views.open`` response)."""
        now = time.time()
        record_opened_view(self._state, _opened(view, user, str(view["id"])), now, now - self.keep_seconds)

    def take(self, view: dict[str, Any], user: str) -> bool:
        """True (once) if ``view`` is a modal Keel opened for ``user``, unchanged; the record is used up."""
        opened = _opened(view, user, str(view.get("id") or ""))
        return take_opened_view(self._state, opened, time.time() - self.keep_seconds)


def _opened(view: dict[str, Any], user: str, view_id: str) -> OpenedView:
    return OpenedView(view_id, user, str(view.get("callback_id") or ""), str(view.get("private_metadata") or ""))
