"""``/keel``: answered at once with an ephemeral help text."""

from __future__ import annotations

from tests.bot.conftest import ALICE, HELP, Running


def test_slash_keel_answers_with_help(keel: Running) -> None:
    payload = keel.emulator.payloads.slash_command("/keel", "help", ALICE, HELP)
    delivery = keel.post(payload)
    body = delivery.json()
    assert "Mention me" in body["text"] and body["blocks"][0]["type"] == "section"
    assert keel.emulator.bot_messages() == []  # only the asker sees it
