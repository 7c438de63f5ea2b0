"""What the emulator saw: every Web API call and Socket Mode ack, with waits that never sleep blindly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request to the Web API (or to a response_url), as the emulator received and answered it."""

    method: str
    args: dict[str, Any]  # form, query and JSON fields merged; JSON-in-form fields decoded; no token
    token: str | None
    headers: dict[str, str]  # lower-case names
    at: float  # time.time() when it arrived
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    rejected: bool = False  # refused for an invalid payload (invalid_blocks, msg_too_long, ...)
    injected: bool = False  # answered by fail_next(), not by the method

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


@dataclass(frozen=True)
class Ack:
    """A Socket Mode client's acknowledgement of one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None  # the response payload, when the client sent one
    at: float


class Journal:
    """A thread-safe, append-only list that callers can wait on."""

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._changed = threading.Condition()

    def append(self, item: Any) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def snapshot(self) -> list[Any]:
        with self._changed:
            return list(self._items)

    def wait_for(self, match: Callable[[Any], bool], timeout: float, after: int = 0) -> Any | None:
        """The first item from index ``after`` on that matches, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for item in self._items[after:]:
                    if match(item):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
