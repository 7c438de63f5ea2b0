"""Start-up: missing, malformed or refused tokens stop Keel with a message that names what to fix."""

from __future__ import annotations

import pytest
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.app import SlackConfigError, check_tokens, create_app, make_web_client
from config.settings import Settings
from tests.slack_emulator import SlackEmulator


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


@pytest.mark.parametrize(
    ("http", "values", "named"),
    [
        (False, {}, ["SLACK_BOT_TOKEN is not set", "SLACK_APP_TOKEN is not set"]),
        (False, {"SLACK_BOT_TOKEN": "xoxb-hush1"}, ["SLACK_APP_TOKEN is not set"]),
        (True, {"SLACK_BOT_TOKEN": "xoxb-hush1"}, ["SLACK_SIGNING_SECRET is not set"]),
        (True, {"SLACK_SIGNING_SECRET": "hush2"}, ["SLACK_BOT_TOKEN is not set"]),
        (
            False,
            {"SLACK_BOT_TOKEN": "xapp-hush3", "SLACK_APP_TOKEN": "xoxb-hush4"},
            ["should start with xoxb-", "should start with xapp-"],
        ),
    ],
)
def test_missing_or_malformed_tokens_are_named(monkeypatch, http: bool, values: dict, named: list[str]) -> None:
    with pytest.raises(SlackConfigError) as caught:
        check_tokens(settings_with(monkeypatch, **values), http=http)
    message = str(caught.value)
    for text in named:
        assert text in message
    assert "docs/slack.md" in message and "hush" not in message
    assert message.count("\n  - ") == len(named)  # exactly the problems there are


def test_complete_tokens_pass(monkeypatch) -> None:
    settings = settings_with(monkeypatch, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1", SLACK_SIGNING_SECRET="s")
    check_tokens(settings, http=False)
    check_tokens(settings, http=True)


def test_a_token_slack_refuses_stops_start_up(slack_env: Settings, slack_emulator: SlackEmulator) -> None:
    slack_emulator.invalidate_token(slack_emulator.bot_token)
    with pytest.raises(SlackConfigError, match=r"Slack refused SLACK_BOT_TOKEN \(invalid_auth\)") as caught:
        create_app(slack_env, http=True)
    assert slack_emulator.bot_token not in str(caught.value)


def test_the_web_client_talks_to_the_configured_url_with_slack_sdk_retry_handlers(
    slack_env: Settings,
) -> None:
    client = make_web_client(slack_env)
    assert client.base_url == slack_env.slack_api_url
    kinds = {type(h) for h in client.retry_handlers}
    assert {ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler} <= kinds
