"""A Slack Web API + Socket Mode emulator on 127.0.0.1: the real slack_sdk and Bolt talk to it in tests."""

from . import payloads
from .delivery import Delivery, sign_and_post
from .ids import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, next_ts
from .payloads import Payloads, envelope_type_for
from .records import Ack, Call
from .server import SlackEmulator

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "Ack",
    "Call",
    "Delivery",
    "Payloads",
    "SlackEmulator",
    "envelope_type_for",
    "next_ts",
    "payloads",
    "sign_and_post",
]
