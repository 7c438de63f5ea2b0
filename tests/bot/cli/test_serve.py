"""``keel serve`` refuses to start without its Slack settings, naming each missing one."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from bot.cli import app
from config.settings import get_settings


@pytest.fixture
def no_slack_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "KEEL_SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings(fresh=True)


def test_socket_mode_without_tokens_names_both(no_slack_settings: None) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN is not set" in result.output and "SLACK_APP_TOKEN is not set" in result.output


def test_http_mode_needs_the_signing_secret(no_slack_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    get_settings(fresh=True)
    result = CliRunner().invoke(app, ["serve", "--http", "--port", "0"])
    assert result.exit_code == 1
    assert "SLACK_SIGNING_SECRET is not set" in result.output and "SLACK_APP_TOKEN" not in result.output


def test_an_app_token_slack_refuses_is_named(slack_env, slack_emulator) -> None:
    slack_emulator.invalidate_token(slack_emulator.app_token)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in result.output
    assert slack_emulator.app_token not in result.output


def test_http_mode_on_a_host_with_several_addresses_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def two_addresses(host, *args, **kwargs):
        if host != "keel-dual.test":
            return real(host, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 0)) for ip in ("127.0.0.1", "127.0.0.2")]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    result = CliRunner().invoke(app, ["serve", "--http", "--host", "keel-dual.test", "--port", "0"])
    assert result.exit_code == 1
    assert "Keel cannot listen on keel-dual.test:0" in result.output and "several addresses" in result.output
