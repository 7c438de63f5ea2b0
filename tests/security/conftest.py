"""The security tests run the real Keel of tests/bot (HTTP mode, the Slack emulator, a small real knowledge
base). pytest finds fixtures by module attribute, so naming them here makes them available below."""

from __future__ import annotations

from tests.bot import conftest as bot_fixtures
from tests.bot.listeners import conftest as admin_fixtures

kb_folder = bot_fixtures.kb_folder
kb = bot_fixtures.kb
slack_env = bot_fixtures.slack_env
start_keel = bot_fixtures.start_keel
keel = bot_fixtures.keel
admin_keel = admin_fixtures.admin_keel  # ALICE is in the policy's admins, CAROL a workspace admin
web_page = admin_fixtures.web_page
