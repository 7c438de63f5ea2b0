"""The App Home: figures for admins, a short help for everyone else."""

from __future__ import annotations

from tests.bot.conftest import ALICE, BOB, HELP, Running


def open_home(keel: Running, user: str) -> dict:
    payload = keel.emulator.payloads.event_callback(
        {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home", "event_ts": "1.2"}
    )
    keel.post(payload)
    keel.settle()
    view = keel.emulator.home_view(user)
    assert view is not None
    return view


def test_an_admin_sees_the_last_seven_days(admin_keel: Running) -> None:
    mention = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", BOB, HELP)
    admin_keel.post(mention)
    admin_keel.settle()
    view = open_home(admin_keel, ALICE)
    text = str(view["blocks"])
    assert "the last 7 days" in text and "*Questions:* 1" in text and "Pending hand-overs" in text
    assert "knowledge gaps" in text


def test_anyone_else_sees_how_to_use_keel(admin_keel: Running) -> None:
    text = str(open_home(admin_keel, BOB)["blocks"])
    assert "Mention me" in text and "Questions:" not in text
