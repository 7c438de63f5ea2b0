"""Hand-over to people in Slack, end to end on the real Bolt app, graph, checkpointer and log against the
emulator: each trigger brings the experts into the thread; an expert's reply (or a click, or the asker)
resolves it once; it survives a restart; reminders fire once; a learned answer is cited next time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from bot.handover.monitor import HandoverMonitor
from bot.store.db import open_db
from bot.store.handovers import handover_for_turn
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running

EXPERT = "U0EXPERT"
BACKUP = "U0BACKUP"
ADMIN = "U0ADMIN"
HR = "C0HRCASES"  # a channel with reserved topics, a user-group of experts and an escalation channel
ESCALATIONS = "C0ESCALATE"
POLICY = f"""
admins = ["{ADMIN}"]
[defaults]
experts = ["{EXPERT}"]
backup_experts = ["{BACKUP}"]
[channels.{HR}]
experts = ["S0HRTEAM"]
reserved_topics = ["disciplinary action against an employee"]
escalation_channel = "{ESCALATIONS}"
[handover]
reminder_minutes = 30
working_hours = "09:00-18:00"
"""
WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_emulator: Any) -> Path:
    path = tmp_path / "keel.toml"
    path.write_text(POLICY)
    monkeypatch.setenv("KEEL_POLICY", str(path))
    get_settings(fresh=True)
    for user in (EXPERT, BACKUP, ADMIN):
        slack_emulator.add_user(user, user.lower())
    slack_emulator.add_usergroup("S0HRTEAM", "hr-team", users=[EXPERT])
    return path


def ask(keel: Running, text: str, channel: str = HELP, user: str = ALICE) -> str:
    mention = keel.emulator.payloads.event_app_mention(text, user, channel)
    keel.post(mention)
    keel.settle()
    return mention["event"]["ts"]


def reply(keel: Running, text: str, user: str, thread: str, channel: str = HELP) -> dict[str, Any]:
    event = keel.emulator.payloads.event_message_channel(text, user, channel, thread_ts=thread)
    keel.post(event)
    keel.settle()
    return event


def click(
    keel: Running, action_id: str, value: str, user: str, message: dict[str, Any], thread: str, channel: str = HELP
) -> None:
    keel.post(
        keel.emulator.payloads.block_action(
            action_id, value, user, channel, message["ts"], thread_ts=thread, message=message
        )
    )
    keel.settle()


def handover(thread: str, channel: str = HELP) -> dict[str, Any]:
    db = open_db(get_settings().log_path)
    row = db.execute("SELECT turn_id FROM handovers WHERE thread_ts = ? AND channel = ?", [thread, channel]).fetchone()
    assert row is not None, "no hand-over was recorded"
    return handover_for_turn(db, row[0])  # type: ignore[return-value]


def announcement(keel: Running, thread: str, channel: str = HELP) -> dict[str, Any]:
    found = [m for m in keel.replies(channel, thread) if "needs a person" in m["text"]]
    assert len(found) == 1, [m["text"] for m in keel.replies(channel, thread)]
    (message,) = found
    return message


def reactions(keel: Running, channel: str, ts: str) -> set[str]:
    (question,) = [m for m in keel.emulator.messages(channel) if m["ts"] == ts]
    return {r["name"] for r in question.get("reactions", [])}


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id
    )


def test_weak_evidence_hands_over_and_an_experts_reply_resolves_it_once(keel: Running) -> None:
    thread = ask(keel, "Can I bring my dog to the office on Fridays?")
    notice = announcement(keel, thread)
    text = " ".join(b.get("text", {}).get("text", "") for b in notice["blocks"] if b["type"] == "section")
    assert f"<@{EXPERT}>" in text and "Can I bring my dog" in text and f"<@{ALICE}>, I've asked" in text
    assert button(notice, ids.MARK_RESOLVED)["value"] == handover(thread)["turn_id"]
    assert reactions(keel, HELP, thread) == {ids.HANDOVER_REACTION}
    assert handover(thread)["status"] == "pending" and handover(thread)["announcement_ts"] == notice["ts"]

    first = reply(keel, "Yes, dogs are welcome on Fridays if they are calm.", EXPERT, thread)
    keel.post(first)  # Slack redelivers the same reply
    reply(keel, "Actually, only small dogs.", BOB, thread)  # a second person replying later
    keel.settle()

    row = handover(thread)
    assert row["status"] == "resolved" and row["resolved_by"] == EXPERT and row["resolution_kind"] == "expert_reply"
    assert row["answer"] == "Yes, dogs are welcome on Fridays if they are calm."
    assert reactions(keel, HELP, thread) == {ids.RESOLVED_REACTION}
    closing = [m for m in keel.replies(HELP, thread) if m["text"].startswith(":white_check_mark:")]
    assert len(closing) == 1 and f"Thanks <@{EXPERT}>" in closing[0]["text"]
    assert "Mark resolved" not in str(announcement(keel, thread)["blocks"])  # the button is gone
    assert keel.emulator.rejected_calls() == []


def test_asking_for_a_person_hands_over_without_searching(keel: Running) -> None:
    thread = ask(keel, "can I talk to someone please?")
    (turn,) = keel.turns()
    assert turn["decision"] == "handed_over" and "asked for a person" in turn["reasons"]
    assert "asked for a person" in str(announcement(keel, thread)["blocks"])
    reply(keel, "thanks, solved", ALICE, thread)  # the asker closes it
    assert handover(thread)["resolution_kind"] == "asker_solved"


def test_a_reserved_topic_tags_the_user_group_and_mirrors_to_the_escalation_channel(keel: Running) -> None:
    thread = ask(keel, "What happens in a disciplinary action against an employee?", channel=HR)
    notice = announcement(keel, thread, HR)
    assert "<!subteam^S0HRTEAM>" in str(notice["blocks"])
    (mirror,) = keel.emulator.bot_messages(ESCALATIONS)
    assert f"<#{HR}>" in mirror["text"] and "http" in mirror["text"]
    # Only the experts (the group's members) or admins may mark it resolved.
    click(keel, ids.MARK_RESOLVED, handover(thread, HR)["turn_id"], BOB, notice, thread, HR)
    assert any("Only the experts" in e["text"] for e in keel.emulator.ephemerals(HR, BOB))
    assert handover(thread, HR)["status"] == "pending"
    click(keel, ids.MARK_RESOLVED, handover(thread, HR)["turn_id"], EXPERT, notice, thread, HR)
    click(keel, ids.MARK_RESOLVED, handover(thread, HR)["turn_id"], EXPERT, notice, thread, HR)  # double click
    row = handover(thread, HR)
    assert row["status"] == "resolved" and row["resolution_kind"] == "button"
    assert len([m for m in keel.replies(HR, thread) if m["text"].startswith(":white_check_mark:")]) == 1
    assert any("already resolved" in e["text"] for e in keel.emulator.ephemerals(HR, EXPERT))
    audited = [(r["actor"], r["action"], r["allowed"]) for r in open_db(get_settings().log_path)["audit"].rows]
    assert audited[:2] == [(BOB, "resolve", 0), (EXPERT, "resolve", 1)]  # refusals and clicks, like /keel


def test_ask_a_human_brings_the_experts_in_once(keel: Running) -> None:
    thread = ask(keel, "How long is parental leave?")
    (answer,) = keel.replies(HELP, thread)
    turn_id = button(answer, ids.ASK_HUMAN)["value"]
    click(keel, ids.ASK_HUMAN, turn_id, ALICE, answer, thread)
    click(keel, ids.ASK_HUMAN, turn_id, ALICE, answer, thread)
    notice = announcement(keel, thread)
    assert f"<@{ALICE}> asked for a person" in str(notice["blocks"]) and "Unverified draft" in str(notice["blocks"])
    assert any("already" in e["text"] for e in keel.emulator.ephemerals(HELP, ALICE))
    reply(keel, "It is 20 weeks, and you can split it.", EXPERT, thread)
    assert handover(thread)["status"] == "resolved"


def test_accepting_the_offer_of_a_person_after_a_thumbs_down_hands_over(keel: Running) -> None:
    thread = ask(keel, "How long is parental leave?")
    (answer,) = keel.replies(HELP, thread)
    turn_id = button(answer, ids.ASK_HUMAN)["value"]
    click(keel, ids.ACCEPT_HUMAN_OFFER, turn_id, ALICE, answer, thread)
    assert "unhelpful" in str(announcement(keel, thread)["blocks"])


def test_a_restart_between_hand_over_and_reply_resumes(start_keel: Callable[..., Running]) -> None:
    first = start_keel()
    thread = ask(first, "Can I bring my dog to the office on Fridays?")
    assert handover(thread)["status"] == "pending"
    first.app.keel.close()

    second = start_keel()  # a new app, service and desk on the same KEEL_HOME
    reply(second, "Yes, on Fridays.", EXPERT, thread)
    row = handover(thread)
    assert row["status"] == "resolved" and row["answer"] == "Yes, on Fridays."
    assert len([m for m in second.replies(HELP, thread) if "needs a person" in m["text"]]) == 1  # announced once


def test_reminders_fire_once_then_the_backup_and_survive_a_restart(start_keel: Callable[..., Running]) -> None:
    first = start_keel()
    first.keel.handovers.clock = lambda: WEDNESDAY_10AM
    thread = ask(first, "Can I bring my dog to the office on Fridays?")
    monitor = HandoverMonitor(first.keel.handovers, tz=UTC)
    assert monitor.tick(WEDNESDAY_10AM + timedelta(minutes=29)) == []
    assert [a for _, a in monitor.tick(WEDNESDAY_10AM + timedelta(minutes=31))] == ["reminded"]
    assert monitor.tick(WEDNESDAY_10AM + timedelta(minutes=32)) == []
    first.app.keel.close()

    second = start_keel()
    restarted = HandoverMonitor(second.keel.handovers, tz=UTC)
    assert restarted.tick(WEDNESDAY_10AM + timedelta(minutes=45)) == []  # reminded already; backup not due
    assert restarted.tick(WEDNESDAY_10AM + timedelta(hours=9)) == []  # 19:00: outside working hours
    assert [a for _, a in restarted.tick(WEDNESDAY_10AM + timedelta(minutes=62))] == ["backup"]
    assert restarted.tick(WEDNESDAY_10AM + timedelta(minutes=90)) == []
    texts = [m["text"] for m in second.replies(HELP, thread)]
    assert sum(":bell: Reminder" in t for t in texts) == 1
    assert sum(f"<@{BACKUP}>" in t and "nobody has picked" in t for t in texts) == 1


def test_a_learned_answer_is_cited_for_a_reworded_question_and_can_be_removed(keel: Running) -> None:
    thread = ask(keel, "Can I bring my dog to the office on Fridays?")
    reply(keel, "Dogs are allowed in the office on Fridays, on a leash, in the open-plan area only.", EXPERT, thread)
    (closing,) = [m for m in keel.replies(HELP, thread) if m["text"].startswith(":white_check_mark:")]
    turn_id = handover(thread)["turn_id"]
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, BOB, closing, thread)  # neither admin nor the expert
    assert handover(thread)["learned_source"] is None
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, EXPERT, closing, thread)
    source = handover(thread)["learned_source"]
    assert source and source.endswith(f"{turn_id}.md")
    learned = Path(source).read_text()
    assert "Answered by" in learned and "http" in learned  # provenance: who, when, the thread's permalink

    again = ask(keel, "Are dogs allowed in the office on a Friday?", user=BOB)
    answer = keel.replies(HELP, again)[0]
    assert "leash" in answer["text"] and "Can I bring my dog" in str(answer["blocks"])  # cited by its title

    closing = next(m for m in keel.replies(HELP, thread) if m["text"].startswith(":white_check_mark:"))
    click(keel, ids.REMOVE_FROM_KNOWLEDGE, turn_id, EXPERT, closing, thread)  # admins only
    assert handover(thread)["learned_source"] == source
    click(keel, ids.REMOVE_FROM_KNOWLEDGE, turn_id, ADMIN, closing, thread)
    assert not handover(thread)["learned_source"] and not Path(source).exists()
