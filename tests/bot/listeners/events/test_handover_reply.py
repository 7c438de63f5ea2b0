"""Who may answer a hand-over by replying in its thread (issue 16), on the real Bolt app over signed HTTP
against the emulator: only the people it was sent to (the channel's experts, members of its expert user
group and of its backup group) or an admin resolve it; a bystander's reply is conversation (the hand-over
stays open, the reminders go on, the refusal is audited); the asker's own reply adds detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from bot.handover.monitor import HandoverMonitor
from bot.listeners.events.handover_reply import NOT_ASKED
from bot.store.db import open_db
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.test_handover_flow import announcement, ask, handover, reactions, reply

EXPERT = "U0EXPERT"  # listed by id
MEMBER = "U0MEMBER"  # in the experts' user group S0EXPERTS
BACKUP = "U0BACKUP"  # in the backup group S0BACKUP
ADMIN = "U0ADMIN"  # in the policy's admins
OWNER = "U0OWNER"  # a workspace admin (users.info)
POLICY = f"""
admins = ["{ADMIN}"]
[defaults]
experts = ["{EXPERT}", "S0EXPERTS"]
backup_experts = ["S0BACKUP"]
[handover]
reminder_minutes = 30
working_hours = "09:00-18:00"
"""
WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
QUESTION = "Can I bring my dog to the office on Fridays?"
PHISHING = "Answered: dogs are fine, just confirm your badge at http://badge-check.example.net/login first."


@pytest.fixture(autouse=True)
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_emulator: Any) -> Path:
    path = tmp_path / "keel.toml"
    path.write_text(POLICY)
    monkeypatch.setenv("KEEL_POLICY", str(path))
    get_settings(fresh=True)
    for user in (EXPERT, MEMBER, BACKUP, ADMIN):
        slack_emulator.add_user(user, user.lower())
    slack_emulator.add_user(OWNER, "owner", is_admin=True)
    slack_emulator.add_usergroup("S0EXPERTS", "dog-experts", users=[MEMBER])
    slack_emulator.add_usergroup("S0BACKUP", "office-managers", users=[BACKUP])
    return path


def closing_messages(keel: Running, thread: str) -> list[dict[str, Any]]:
    return [m for m in keel.replies(HELP, thread) if m["text"].startswith(":white_check_mark:")]


def audit_rows(keel: Running) -> list[tuple[str, str, int]]:
    keel.settle()
    return [(r["actor"], r["action"], r["allowed"]) for r in open_db(get_settings().log_path)["audit"].rows]


def test_a_bystanders_reply_does_not_resolve_and_the_reminders_go_on(keel: Running) -> None:
    keel.keel.handovers.clock = lambda: WEDNESDAY_10AM
    thread = ask(keel, QUESTION)
    before = len(keel.replies(HELP, thread))

    first = reply(keel, "+1, same question", BOB, thread)
    reply(keel, PHISHING, BOB, thread)
    keel.post(first)  # Slack redelivers the first reply
    keel.settle()

    row = handover(thread)
    assert row["status"] == "pending" and row["resolved_by"] is None and row["answer"] is None
    assert closing_messages(keel, thread) == []  # the asker is not told it was answered
    assert len(keel.replies(HELP, thread)) == before  # and Keel did not answer Bob's talk either
    assert reactions(keel, HELP, thread) == {ids.HANDOVER_REACTION}
    assert "Mark resolved" in str(announcement(keel, thread)["blocks"])
    assert [e["text"] for e in keel.emulator.ephemerals(HELP, BOB)] == [NOT_ASKED]  # told once, privately
    assert audit_rows(keel) == [(BOB, "resolve", 0), (BOB, "resolve", 0)]  # each reply once, redelivery not

    monitor = HandoverMonitor(keel.keel.handovers, tz=UTC)
    assert [a for _, a in monitor.tick(WEDNESDAY_10AM + timedelta(minutes=31))] == ["reminded"]
    assert [a for _, a in monitor.tick(WEDNESDAY_10AM + timedelta(minutes=62))] == ["backup"]


def test_the_askers_own_reply_adds_detail_but_does_not_resolve(keel: Running) -> None:
    thread = ask(keel, QUESTION)
    reply(keel, "It is a small, calm dog, if that matters.", ALICE, thread)
    assert handover(thread)["status"] == "pending"
    assert closing_messages(keel, thread) == []
    assert audit_rows(keel) == []  # the asker's detail is no refusal

    reply(keel, "Yes, calm dogs are welcome on Fridays.", EXPERT, thread)
    row = handover(thread)
    assert row["status"] == "resolved" and row["resolved_by"] == EXPERT
    assert row["answer"] == "Yes, calm dogs are welcome on Fridays."  # the expert's words, not the asker's


@pytest.mark.parametrize(
    "who",
    [EXPERT, MEMBER, BACKUP, ADMIN, OWNER],
    ids=["listed-expert", "expert-group-member", "backup-group-member", "policy-admin", "workspace-admin"],
)
def test_the_people_asked_and_admins_resolve_by_replying(keel: Running, who: str) -> None:
    thread = ask(keel, QUESTION)
    reply(keel, "Yes, on a leash.", who, thread)
    row = handover(thread)
    assert row["status"] == "resolved" and row["resolved_by"] == who and row["resolution_kind"] == "expert_reply"
    (closing,) = closing_messages(keel, thread)
    assert f"<@{ALICE}>, <@{who}> answered your question above" in closing["text"]
    if who in (MEMBER, BACKUP):  # group membership comes from usergroups.users.list
        assert keel.emulator.calls("usergroups.users.list")


def test_when_slack_cannot_list_a_group_its_members_cannot_resolve(keel: Running) -> None:
    thread = ask(keel, QUESTION)
    keel.emulator.fail_next("usergroups.users.list", error="ratelimited", count=2)  # both groups
    reply(keel, "Yes, on a leash.", MEMBER, thread)
    assert handover(thread)["status"] == "pending"  # fail closed
    reply(keel, "Yes, on a leash.", MEMBER, thread)  # Slack answers again: not cached as "not a member"
    assert handover(thread)["resolved_by"] == MEMBER
