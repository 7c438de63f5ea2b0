"""The security tests run the real Keel of tests/bot (tests/bot/shared_fixtures.py)."""

from __future__ import annotations

from tests.bot.shared_fixtures import *  # noqa: F403
