"""The Slack Web API client Keel uses everywhere: the configured base URL and slack_sdk's retry handlers."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from config.settings import Settings


def make_web_client(settings: Settings) -> WebClient:
    """Rate limits (429 + Retry-After), 5xx answers and dropped connections are retried, not shown."""
    return WebClient(
        token=secret(settings.slack_bot_token),
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),  # waits for Retry-After
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def secret(value: Any) -> str:
    """A SecretStr's value ("" when unset); the only place Keel reads one."""
    return value.get_secret_value().strip() if value is not None else ""
