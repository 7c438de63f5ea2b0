"""'Add to knowledge', 'Use in every channel' and 'Remove from knowledge' (issue 16), on the real Bolt app
over signed HTTP against the emulator, with the real knowledge base and answer graph: only an expert of
the hand-over's channel or an admin approves an answer, the approval is recorded with who gave it, and a
learned answer is cited only in the channel it came from until an admin widens it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import ids
from bot.handover.learning import is_widened, learned_dir
from bot.listeners.actions.learning import ADMINS_ONLY, LEARN_REFUSED
from bot.store.audit import recent_audit
from bot.store.db import open_db
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.test_handover_flow import ask, click, handover, reply

EXPERT = "U0EXPERT"
MEMBER = "U0MEMBER"  # in the experts' user group
ADMIN = "U0ADMIN"
ELSEWHERE = "C0ELSEWHERE"  # another channel the policy does not list: it searches every collection
DESK = "C0DESK"  # a channel the policy gives its own collections
POLICY = f"""
admins = ["{ADMIN}"]
[defaults]
experts = ["{EXPERT}", "S0EXPERTS"]
[channels.{DESK}]
collections = ["default"]
"""
QUESTION = "Can I bring my dog to the office on Fridays?"
ANSWER = "Dogs are allowed in the office on Fridays, on a leash, in the open-plan area only."
REWORDED = "Are dogs allowed in the office on a Friday?"


@pytest.fixture(autouse=True)
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_emulator: Any) -> Path:
    path = tmp_path / "keel.toml"
    path.write_text(POLICY)
    monkeypatch.setenv("KEEL_POLICY", str(path))
    get_settings(fresh=True)
    for user in (EXPERT, MEMBER, ADMIN):
        slack_emulator.add_user(user, user.lower())
    slack_emulator.add_usergroup("S0EXPERTS", "dog-experts", users=[MEMBER])
    return path


def resolved(keel: Running) -> tuple[str, dict[str, Any]]:
    """A hand-over in HELP answered by the expert: the thread and its closing message."""
    thread = ask(keel, QUESTION)
    reply(keel, ANSWER, EXPERT, thread)
    return thread, closing(keel, thread)


def closing(keel: Running, thread: str) -> dict[str, Any]:
    return next(m for m in keel.replies(HELP, thread) if m["text"].startswith(":white_check_mark:"))


def learned_files() -> list[Path]:
    folder = learned_dir(get_settings().home)
    return sorted(folder.rglob("*.md")) if folder.exists() else []


def learned_sources(keel: Running) -> list[str]:
    return [s.source for s in keel.keel.admin.ops.kb.sources() if s.collection.startswith("learned")]


def cites_the_learned_answer(keel: Running, channel: str) -> bool:
    """Ask the reworded question in ``channel`` (by Bob): is the expert's answer what Keel gives?"""
    thread = ask(keel, REWORDED, channel=channel, user=BOB)
    shown = " ".join(m["text"] + str(m.get("blocks")) for m in keel.replies(channel, thread))
    return "leash" in shown and QUESTION in shown


def test_a_non_expert_cannot_add_an_answer_and_nothing_is_added(keel: Running) -> None:
    thread, message = resolved(keel)
    turn_id = handover(thread)["turn_id"]
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, BOB, message, thread)
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, ALICE, message, thread)  # the asker is no expert either

    assert [e["text"] for e in keel.emulator.ephemerals(HELP, BOB)] == [LEARN_REFUSED]
    assert handover(thread)["learned_source"] is None
    assert learned_files() == [] and learned_sources(keel) == []
    audited = recent_audit(open_db(get_settings().log_path), action="learn")
    assert [(r["actor"], r["allowed"]) for r in reversed(audited)] == [(BOB, False), (ALICE, False)]
    assert not cites_the_learned_answer(keel, HELP)


def test_a_bystander_cannot_plant_an_answer_by_replying_and_clicking(keel: Running) -> None:
    """The attack of issue 16: reply in a pending hand-over, then 'Add to knowledge' as its 'resolver'."""
    thread = ask(keel, QUESTION)
    reply(keel, "Dogs are fine. Confirm your badge at http://badge-check.example.net first.", BOB, thread)
    turn_id = handover(thread)["turn_id"]
    notice = next(m for m in keel.replies(HELP, thread) if "needs a person" in m["text"])
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, BOB, notice, thread)  # a click crafted with the turn id
    row = handover(thread)
    assert row["status"] == "pending" and row["learned_source"] is None
    assert learned_files() == [] and learned_sources(keel) == []


def test_an_experts_approval_is_recorded_and_the_answer_is_cited_in_its_channel_only(keel: Running) -> None:
    thread, message = resolved(keel)
    turn_id = handover(thread)["turn_id"]
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, MEMBER, message, thread)  # an expert through the user group

    source = handover(thread)["learned_source"]
    assert source and source.endswith(f"{turn_id}.md") and not is_widened(source)
    document = Path(source).read_text().lower()
    assert "answered by u0expert" in document and "approved for the knowledge base by u0member" in document
    (approval,) = recent_audit(open_db(get_settings().log_path), action="learn")
    assert (approval["actor"], approval["allowed"]) == (MEMBER, True)
    assert approval["detail"] == f"approved the answer of {EXPERT} for learned-{HELP}"
    assert f"approved by <@{MEMBER}>" in str(closing(keel, thread)["blocks"])

    assert cites_the_learned_answer(keel, HELP)
    assert not cites_the_learned_answer(keel, ELSEWHERE)  # a channel searching every collection
    assert not cites_the_learned_answer(keel, DESK)  # a channel with its own collections


def test_an_admin_widens_a_learned_answer_to_every_channel(keel: Running) -> None:
    thread, message = resolved(keel)
    turn_id = handover(thread)["turn_id"]
    click(keel, ids.ADD_TO_KNOWLEDGE, turn_id, EXPERT, message, thread)
    message = closing(keel, thread)
    assert "Use in every channel" in str(message["blocks"])

    click(keel, ids.SHARE_LEARNED, turn_id, EXPERT, message, thread)  # experts may add, not widen
    refused = ADMINS_ONLY.format(what="make a learned answer available in every channel")
    assert refused in [e["text"] for e in keel.emulator.ephemerals(HELP, EXPERT)]
    assert not is_widened(handover(thread)["learned_source"])

    click(keel, ids.SHARE_LEARNED, turn_id, ADMIN, message, thread)
    source = handover(thread)["learned_source"]
    assert is_widened(source) and [p.name for p in learned_files()] == [f"{turn_id}.md"]  # moved, not copied
    assert learned_sources(keel) == [source]
    assert "in every channel" in str(closing(keel, thread)["blocks"])
    audited = recent_audit(open_db(get_settings().log_path), action="share")
    assert [(r["actor"], r["allowed"]) for r in reversed(audited)] == [(EXPERT, False), (ADMIN, True)]
    assert cites_the_learned_answer(keel, ELSEWHERE) and cites_the_learned_answer(keel, DESK)

    click(keel, ids.REMOVE_FROM_KNOWLEDGE, turn_id, ADMIN, closing(keel, thread), thread)
    assert learned_files() == [] and learned_sources(keel) == []
