"""manifest.yaml asks for exactly what Keel uses, and names the command the code listens for."""

from __future__ import annotations

import yaml

from bot import ids
from tests.conftest import REPO

MANIFEST = yaml.safe_load((REPO / "manifest.yaml").read_text())


def test_the_manifest_subscribes_to_the_events_keel_handles() -> None:
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_home_opened",
        "app_mention",
        "assistant_thread_started",
        "message.channels",
        "message.groups",
        "message.im",
        "reaction_added",
        "reaction_removed",
    }


def test_the_manifest_asks_for_exactly_the_scopes_keel_uses() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "app_mentions:read",
        "assistant:write",
        "channels:history",
        "chat:write",
        "commands",
        "files:read",
        "groups:history",
        "im:history",
        "reactions:read",
        "reactions:write",
        "usergroups:read",
        "users:read",
    }


def test_socket_mode_interactivity_the_command_and_the_assistant_are_on() -> None:
    settings, features = MANIFEST["settings"], MANIFEST["features"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert [c["command"] for c in features["slash_commands"]] == [ids.COMMAND]
    assert features["assistant_view"]["assistant_description"]
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True


def test_the_procfile_runs_both_modes() -> None:
    lines = (REPO / "Procfile").read_text().splitlines()
    assert lines == ["worker: keel serve", "web: keel serve --http --port $PORT"]
