"""The real Keel of tests/bot (HTTP mode, the Slack emulator, the small real knowledge base of
tests/conftest.py) for suites outside tests/bot (tests/reliability, tests/security). pytest finds fixtures by module attribute, so a
conftest that star-imports this module makes them available below it."""

from __future__ import annotations

from tests.bot.conftest import keel, slack_env, start_keel

# admin_keel: ALICE is in the policy's admins, CAROL a workspace admin
from tests.bot.listeners.conftest import admin_keel, web_page

__all__ = ["admin_keel", "keel", "slack_env", "start_keel", "web_page"]
