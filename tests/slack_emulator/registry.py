"""The table of emulated Web API methods, filled by the ``web_*`` modules with ``@method("name")``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .workspace import ApiError, TokenInfo, Workspace


@dataclass(frozen=True)
class RequestContext:
    token: str
    token_info: TokenInfo
    base_url: str  # http://127.0.0.1:<port> of the emulator
    socket_url: str  # ws://127.0.0.1:<port>/link/ of its Socket Mode endpoint


Handler = Callable[[Workspace, dict[str, Any], RequestContext], dict[str, Any]]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


def truthy(value: Any) -> bool:
    """Slack's booleans arrive as true/false in JSON and as "1"/"0"/"true" in forms."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def required(args: dict[str, Any], name: str, error: str = "invalid_arguments") -> Any:
    value = args.get(name)
    if value in (None, ""):
        raise ApiError(error, response_metadata={"messages": [f"[ERROR] missing required field: {name}"]})
    return value


def int_arg(args: dict[str, Any], name: str, default: int) -> int:
    try:
        return int(args.get(name) or default)
    except (TypeError, ValueError) as exc:
        raise ApiError("invalid_arguments") from exc
