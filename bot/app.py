"""The Slack app: ``create_app(settings)`` builds the Bolt ``App`` (a :class:`KeelApp`, carrying the
runtime that bot.compose builds) and registers Keel's listeners.

Socket Mode (the default) needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; HTTP mode needs SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET. Missing or refused tokens stop start-up with a :class:`SlackConfigError` that
names what is wrong. The Web API base URL comes from ``KEEL_SLACK_API_URL`` (tests point it at an
emulator), and the client retries rate limits (429 + Retry-After), 5xx answers and dropped connections.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import DEFAULT_WORKERS
from bot.client import make_web_client, secret
from bot.compose import build_runtime
from bot.listeners import attach_runtime, register_listeners
from bot.runtime import KeelRuntime
from bot.service import KeelService
from config.settings import Settings

log = logging.getLogger(__name__)

DOCS = "See docs/slack.md for where each value comes from."


class SlackConfigError(RuntimeError):
    """Keel cannot talk to Slack with the configured settings; the message says what to fix."""


def check_tokens(settings: Settings, *, http: bool) -> None:
    """Fail fast, naming every missing or malformed value (their values are never shown)."""
    problems = []
    bot = secret(settings.slack_bot_token)
    if not bot:
        problems.append("SLACK_BOT_TOKEN is not set (the Bot User OAuth Token, xoxb-…)")
    elif not bot.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN does not look like a bot token (it should start with xoxb-)")
    if http:
        if not secret(settings.slack_signing_secret):
            problems.append("SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials > Signing Secret)")
    else:
        app_token = secret(settings.slack_app_token)
        if not app_token:
            problems.append(
                "SLACK_APP_TOKEN is not set (an app-level token with connections:write, xapp-…; "
                "or run `keel serve --http` with SLACK_SIGNING_SECRET)"
            )
        elif not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN does not look like an app-level token (it should start with xapp-)")
    if problems:
        mode = "HTTP mode" if http else "Socket Mode"
        raise SlackConfigError(f"Keel cannot start in {mode}:\n  - " + "\n  - ".join(problems) + f"\n{DOCS}")


class KeelApp(App):
    """Bolt's ``App`` with Keel's listeners; ``keel`` is the :class:`KeelRuntime` they share (close it on
    shutdown)."""

    def __init__(self, runtime: KeelRuntime, **bolt: Any) -> None:
        super().__init__(**bolt)
        self.keel = runtime


def create_app(
    settings: Settings,
    *,
    http: bool = False,
    service: KeelService | None = None,
    workers: int = DEFAULT_WORKERS,
    processes: bool = False,
) -> KeelApp:
    """Check the tokens, build the client, build the runtime (:func:`bot.compose.build_runtime`, which says
    what ``service``, ``workers`` and ``processes`` mean), and register Keel's listeners."""
    check_tokens(settings, http=http)
    client = make_web_client(settings)
    bot_user_id = _verify_token(client)
    runtime = build_runtime(
        settings, client, bot_user_id=bot_user_id, service=service, workers=workers, processes=processes
    )
    _quiet_token_warning()
    try:
        app = KeelApp(
            runtime,
            name="keel",
            client=client,
            signing_secret=secret(settings.slack_signing_secret) or "",
            listener_executor=runtime.listeners,
        )
    except BoltError as exc:  # pragma: no cover - _verify_token has already checked the token
        runtime.close(wait=False)
        raise SlackConfigError(f"Slack refused the app's settings: {exc}\n{DOCS}") from None
    attach_runtime(app, runtime)
    register_listeners(app)
    return app


def _verify_token(client: WebClient) -> str:
    """auth.test with the bot token: the bot's user id, or a clear error when Slack refuses the token."""
    try:
        return str(client.auth_test()["user_id"])
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise SlackConfigError(f"Slack refused SLACK_BOT_TOKEN ({error}): check that it is current. {DOCS}") from None
    except Exception as exc:
        raise SlackConfigError(f"Keel could not reach Slack at {client.base_url} ({type(exc).__name__}).") from None


class _DropMessage(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def _quiet_token_warning() -> None:
    """Bolt also reads SLACK_BOT_TOKEN itself and warns that the client passed in wins over it; Keel
    passes its client on purpose (base URL, retry handlers), so that warning would only confuse."""
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropMessage) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropMessage(warning_client_prioritized_and_token_skipped()))
