"""The Slack-free service: the real graph, the real log, per-channel settings from the policy file."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import COULD_NOT_ANSWER, AgentPool, KeelService, Question, StoreTurnLog
from bot.store.db import open_db
from bot.store.turns import reconstruct_turn
from bot.store.writer import LogWriter
from config.settings import Settings, get_settings
from graphs.policy import Policy, PolicySource, load_policy
from graphs.result import TurnResult
from knowledge.base import KnowledgeBase
from tests.knowledge.helpers import LEAVE, VPN, write_docs


def policy_of(settings: Settings) -> PolicySource:
    """The policy file ``settings`` name, as KeelService.from_settings reads it."""

    def policy() -> Policy:
        return load_policy(settings.policy)

    return policy


@pytest.fixture
def writer() -> Iterator[LogWriter]:
    with LogWriter(get_settings().log_path) as w:
        yield w


def test_a_question_is_answered_and_logged_with_its_slack_place(kb: KnowledgeBase, writer: LogWriter) -> None:
    service = KeelService(AgentPool(get_settings(), kb=kb), StoreTurnLog(writer), policy=policy_of(get_settings()))
    answer = service.ask(Question("How long is parental leave?", "U1", "C1", "1700000000.000100"))
    assert answer.result.decision == "answered" and "20 weeks" in answer.result.answer and not answer.failed
    writer.flush()
    turn = reconstruct_turn(open_db(get_settings().log_path), answer.turn_id)
    assert turn["where"] == {
        "channel": "C1",
        "thread_ts": "1700000000.000100",
        "thread_id": "slack:C1:1700000000.000100",
    }
    assert turn["answered"]["decision"] == "answered" and turn["user"] == "U1"


def test_follow_ups_in_the_same_thread_share_its_memory(kb: KnowledgeBase, writer: LogWriter) -> None:
    service = KeelService(AgentPool(get_settings(), kb=kb), StoreTurnLog(writer), policy=policy_of(get_settings()))
    service.ask(Question("How many vacation days do employees get?", "U1", "C1", "1.1"))
    follow_up = service.ask(Question("and for contractors?", "U1", "C1", "1.1"))
    elsewhere = service.ask(Question("and for contractors?", "U1", "C1", "2.2"))
    assert "15" in follow_up.result.answer
    assert "vacation" in follow_up.result.standalone_question.lower()
    assert "vacation" not in elsewhere.result.standalone_question.lower()


def test_each_channel_searches_the_collections_its_policy_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: LogWriter
) -> None:
    policy = tmp_path / "keel.toml"
    policy.write_text('[channels.C0ITHELP]\ncollections = ["it"]\n')
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    settings = get_settings(fresh=True)
    kb = KnowledgeBase(settings)
    assert kb.ingest([str(write_docs(tmp_path / "people", leave=LEAVE))], "people").ok
    assert kb.ingest([str(write_docs(tmp_path / "it", vpn=VPN))], "it").ok
    service = KeelService(AgentPool(settings, kb=kb), StoreTurnLog(writer), policy=policy_of(settings))

    in_it = service.ask(Question("How long is parental leave?", "U1", "C0ITHELP", "1.1"))
    anywhere = service.ask(Question("How long is parental leave?", "U1", "C0GENERAL", "1.2"))
    assert anywhere.result.decision == "answered"
    assert all("vpn" in c.source for c in in_it.result.citations)
    assert "20 weeks" not in in_it.result.answer


class Exploding:
    def stream(self, question: str, **_: object) -> Iterator[object]:
        raise RuntimeError("boom")
        yield  # pragma: no cover


def test_a_turn_that_breaks_becomes_a_logged_apology(writer: LogWriter) -> None:
    service = KeelService(lambda channel: Exploding(), StoreTurnLog(writer), policy=policy_of(get_settings()))
    answer = service.ask(Question("my card is 4111 1111 1111 1111, why was it declined?", "U1", "C1", "1.1"))
    assert answer.failed and answer.result.answer == COULD_NOT_ANSWER
    writer.flush()
    turn = reconstruct_turn(open_db(get_settings().log_path), answer.turn_id)
    assert turn["answered"]["route"] == "error" and turn["why"] == ["internal error: RuntimeError"]
    assert turn["asked"]["question"] == ""  # the raw question never reached the input guard: not stored


class BrokenLog:
    def record_turn(self, *args: object, **kwargs: object) -> str:
        raise OSError("disk full")


def test_a_log_that_cannot_write_does_not_cost_the_asker_the_answer(kb: KnowledgeBase) -> None:
    service = KeelService(AgentPool(get_settings(), kb=kb), BrokenLog(), policy=policy_of(get_settings()))  # type: ignore[arg-type]
    answer = service.ask(Question("How long is parental leave?", "U1", "C1", "1.1"))
    assert "20 weeks" in answer.result.answer and len(answer.turn_id) == 32


class Overlaps:
    """Records whether two turns of one thread ever ran at the same time."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.overlapped = False
        self.lock = threading.Lock()

    def stream(self, question: str, *, thread_id: str | None = None, **_: object) -> Iterator[TurnResult]:
        with self.lock:
            self.overlapped |= thread_id in self.running
            self.running.add(thread_id or "")
        time.sleep(0.05)
        with self.lock:
            self.running.discard(thread_id or "")
        yield TurnResult(decision="answered", answer="ok [1]", thread_id=thread_id or "")


def test_questions_in_one_thread_run_one_at_a_time(writer: LogWriter) -> None:
    answerer = Overlaps()
    service = KeelService(lambda channel: answerer, StoreTurnLog(writer), policy=policy_of(get_settings()))
    threads = [threading.Thread(target=service.ask, args=(Question(f"q{n}", "U1", "C1", "1.1"),)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not answerer.overlapped


def test_auto_answer_only_in_channels_the_policy_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer) -> None:
    policy = tmp_path / "keel.toml"
    policy.write_text('[channels.C0LISTED]\nexperts = ["U0EXPERT"]\n')
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    get_settings(fresh=True)
    service = KeelService(lambda channel: Exploding(), StoreTurnLog(writer), policy=policy_of(get_settings()))
    assert service.auto_answers("C0LISTED") and not service.auto_answers("C0OTHER")
    policy.write_text("[channels.C0LISTED]\nnot_a_key = 1\n")  # an admin's typo: no auto-answer anywhere
    assert not service.auto_answers("C0LISTED")
    assert service.channel_policy("C0LISTED").experts == []  # defaults, not a crash


def test_two_services_read_the_policy_files_their_own_settings_name(tmp_path: Path, kb: KnowledgeBase) -> None:
    services = []
    for name in ("hr", "it"):
        policy = tmp_path / f"{name}.toml"
        policy.write_text(f'[channels.C0HELP]\nexperts = ["U0{name.upper()}EXPERT"]\n')
        settings = get_settings().model_copy(update={"policy": policy, "home": tmp_path / name})
        services.append(KeelService.from_settings(settings, kb=kb))
    try:
        assert [s.channel_policy("C0HELP").experts for s in services] == [["U0HREXPERT"], ["U0ITEXPERT"]]
    finally:
        for service in services:
            service.close()
