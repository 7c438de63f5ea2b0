"""``keel serve --http`` killed with SIGKILL (no handler runs: a crash, an out-of-memory kill) while a
hand-over is pending and an answer is in flight (the LLM stub is still "thinking"), then started again
on the same KEEL_HOME.

After the restart: the pending hand-over is intact (its row, its paused graph, its reminder, its "Mark
resolved" button all work), and the asker whose answer was lost is told in the thread to ask again (the
log has the turn, with the reason); asking again in that thread is answered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot import ids
from bot.handover.desk import Handovers
from bot.handover.monitor import HandoverMonitor
from bot.inflight import INTERRUPTED, INTERRUPTED_REASON, InFlight
from bot.store.state import StateDB
from config.settings import Settings, get_settings
from graphs.policy import load_policy
from knowledge.base import KnowledgeBase
from tests.bot.conftest import ALICE, HELP
from tests.llm_stub import LLMStub, Reply, point_llm_at
from tests.reliability.faults_helpers import KeelServe, log_rows, wait_until
from tests.servers import free_port
from tests.slack_emulator import SlackEmulator

pytestmark = pytest.mark.server

EXPERT = "U0EXPERT"
HANDED_OVER = "Can I bring my dog to the office on Fridays?"
ANSWERABLE = "How long is parental leave?"
ANSWER = "Parents receive 20 weeks of paid parental leave [1]."


@pytest.fixture
def serve(
    slack_env: Settings,
    kb: KnowledgeBase,
    llm_stub: LLMStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> KeelServe:
    """``keel serve`` set up on the test's KEEL_HOME: the emulator, the stub LLM, an expert for hand-overs."""
    policy = tmp_path / "keel.toml"
    policy.write_text(f'[defaults]\nexperts = ["{EXPERT}"]\n[handover]\nreminder_minutes = 30\n')
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    point_llm_at(llm_stub, monkeypatch, timeout=60)  # the stalled answer must still be in flight at the kill
    return KeelServe(free_port(), tmp_path / "serve.log", "--workers", "1")


def mention(emulator: SlackEmulator, serve: KeelServe, text: str) -> str:
    payload = emulator.payloads.event_app_mention(text, ALICE, HELP)
    assert emulator.sign_and_post(serve.url, payload).status == 200
    return payload["event"]["ts"]


def thread_texts(emulator: SlackEmulator, thread: str) -> list[str]:
    return [m["text"] for m in emulator.bot_messages(HELP, thread) if m["ts"] != thread]


def reactions(emulator: SlackEmulator, ts: str) -> set[str]:
    (message,) = [m for m in emulator.messages(HELP) if m["ts"] == ts]
    return {r["name"] for r in message.get("reactions", [])}


def next_weekday_10am(after: datetime) -> datetime:
    day = (after + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_killed_processes_keep_the_hand_over_and_tell_each_asker_whose_answer_was_lost(
    serve: KeelServe, llm_stub: LLMStub, slack_emulator: SlackEmulator
) -> None:
    emulator = slack_emulator
    serve.start()
    try:
        # A question handed over to the expert: pending, announced.
        handed = mention(emulator, serve, HANDED_OVER)
        wait_until(lambda: log_rows("handovers", "announcement_ts IS NOT NULL"), 30, "the hand-over's announcement")

        # 1. The answer worker process dies (the kernel's OOM killer picks the biggest process) while the model
        #    is still writing: the asker is told at once, and fresh workers answer the next question.
        llm_stub.queue(Reply(text=ANSWER, delay=120))
        first_lost = mention(emulator, serve, ANSWERABLE)
        wait_until(lambda: llm_stub.chat_requests, 30, "the model call")
        (worker,) = serve.answer_workers()
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_until(lambda: thread_texts(emulator, first_lost) == [INTERRUPTED], 10, "the asker to be told")
        worker_told_after = time.monotonic() - killed_at
        wait_until(lambda: ids.WORKING_REACTION not in reactions(emulator, first_lost), 5, "👀 taken down")
        llm_stub.queue(Reply(text=ANSWER))
        next_question = mention(emulator, serve, ANSWERABLE)
        wait_until(lambda: thread_texts(emulator, next_question), 60, "an answer from the new worker")
        assert "20 weeks" in thread_texts(emulator, next_question)[0]

        # 2. The whole of keel serve is killed while the model is writing an answer.
        llm_stub.queue(Reply(text=ANSWER, delay=120))
        lost = mention(emulator, serve, ANSWERABLE)
        wait_until(lambda: len(llm_stub.chat_requests) == 3, 30, "the model call of the next question")
        serve.kill()
        killed_at = time.monotonic()
    finally:
        serve.stop()
    assert thread_texts(emulator, lost) == [] and ids.WORKING_REACTION in reactions(emulator, lost)  # silence so far

    serve.start()
    try:
        restarted_after = time.monotonic() - killed_at
        # The asker whose answer was lost is told, the 👀 comes down, the log has the turn and why.
        assert thread_texts(emulator, lost) == [INTERRUPTED]
        wait_until(lambda: ids.WORKING_REACTION not in reactions(emulator, lost), 5, "👀 taken down")
        turns = wait_until(lambda: log_rows("turns", "route = 'error'"), 10, "the interrupted turns")
        assert sorted(t["thread_ts"] for t in turns) == sorted([first_lost, lost])
        assert all(INTERRUPTED_REASON in t["reasons"] for t in turns)

        # The hand-over is intact: row pending, its graph paused, reminded by the monitor when due.
        (handover,) = log_rows("handovers")
        assert handover["thread_ts"] == handed and handover["status"] == "pending"
        announcement = next(m for m in emulator.bot_messages(HELP, handed) if "needs a person" in m["text"])
        monitor = HandoverMonitor(handovers_of(emulator), tz=UTC)
        due = next_weekday_10am(datetime.fromisoformat(handover["created_at"]))
        assert monitor.tick(due) == [(handover["turn_id"], "reminded")]
        assert any(":bell: Reminder" in t for t in thread_texts(emulator, handed))

        # "Mark resolved" on the announcement, clicked after the restart, closes it once.
        click = emulator.payloads.block_action(
            ids.MARK_RESOLVED, handover["turn_id"], EXPERT, HELP, announcement["ts"], thread_ts=handed
        )
        assert emulator.sign_and_post(serve.url, click).status == 200
        wait_until(lambda: log_rows("handovers", "resolution_kind IS NOT NULL"), 30, "the hand-over to be resolved")
        (handover,) = log_rows("handovers")
        assert handover["resolved_by"] == EXPERT and handover["resolution_kind"] == "button"
        wait_until(lambda: [t for t in thread_texts(emulator, handed) if t.startswith(":white_check_mark:")], 10, "")

        # Asking again in the thread of the lost answer works.
        llm_stub.queue(Reply(text=ANSWER))
        again = emulator.payloads.event_message_channel(ANSWERABLE, ALICE, HELP, thread_ts=lost)
        assert emulator.sign_and_post(serve.url, again).status == 200
        wait_until(lambda: any("20 weeks" in t for t in thread_texts(emulator, lost)), 30, "the answer asked again")
    finally:
        code = serve.stop()
    assert code == 0, serve.output
    assert len([m for m in emulator.bot_messages(HELP, handed) if "needs a person" in m["text"]]) == 1
    assert thread_texts(emulator, lost).count(INTERRUPTED) == 1
    assert thread_texts(emulator, first_lost) == [INTERRUPTED]  # told once, not again by the restart
    print(
        f"worker killed: asker told after {worker_told_after:.1f}s; "
        f"keel serve killed: asker told {restarted_after:.1f}s after the kill (includes the new start-up)"
    )


def handovers_of(emulator: SlackEmulator) -> Handovers:
    """The hand-over desk as a restarted process builds it (same KEEL_HOME, same emulator)."""
    settings = get_settings(fresh=True)
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    return Handovers(settings, client, lambda channel: load_policy(settings.policy).for_channel(channel))


_RECORD_AND_WAIT = """
import sys, time
from bot.answering import Asked
from bot.store.state import StateDB
from bot.inflight import InFlight
from bot.service import Question
InFlight(StateDB(__import__("pathlib").Path(sys.argv[1]))).started(
    Asked(Question("q", "U0ALICE", "C0HELP", "1.1"), "1.1")
)
print("recorded", flush=True)
time.sleep(60)
"""


def test_a_starting_process_leaves_the_questions_of_a_live_one_alone(tmp_path: Path) -> None:
    """Several Keel processes may share KEEL_HOME: one starting must not tell the askers of another's
    answers in progress, only those of a process that is gone."""
    path = tmp_path / "slack.sqlite"
    other = subprocess.Popen([sys.executable, "-c", _RECORD_AND_WAIT, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "recorded"
        in_flight = InFlight(StateDB(path))
        assert in_flight.take_interrupted() == []  # the other process is still answering
    finally:
        other.kill()
        other.wait()
    (lost,) = in_flight.take_interrupted()
    assert (lost.channel, lost.thread_ts, lost.user) == ("C0HELP", "1.1", "U0ALICE")
    assert in_flight.take_interrupted() == []  # told once
