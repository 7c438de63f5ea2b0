"""The hand-over graph on the real LangGraph runtime and SQLite checkpointer: pause, survive a restart,
resume once."""

from __future__ import annotations

import threading

from graphs.checkpoint import open_checkpointer
from graphs.handover import HandoverDesk, HandoverState, Resolution


class Recorder:
    def __init__(self) -> None:
        self.announced: list[str] = []
        self.closed: list[tuple[str, str]] = []

    def announce(self, handover: HandoverState) -> None:
        self.announced.append(handover["turn_id"])

    def resolved(self, handover: HandoverState, resolution: Resolution) -> None:
        self.closed.append((handover["turn_id"], resolution["answer"]))


def handover(turn_id: str = "t1") -> HandoverState:
    return HandoverState(
        turn_id=turn_id,
        thread_id="slack:C1:1.0",
        channel="C1",
        thread_ts="1.0",
        asker="U1",
        question="Can I expense a standing desk?",
        reason="no passage answers the question",
    )


def reply(answer: str = "Yes, up to 300 EUR.") -> Resolution:
    return Resolution(by="UEXPERT", kind="expert_reply", answer=answer, at="2026-11-23T10:00:00+00:00")


def test_pending_handover_survives_a_restart_and_resolves_once(keel_home):
    path = keel_home / "threads.sqlite"
    first = Recorder()
    desk = HandoverDesk(open_checkpointer(path), first)
    assert desk.start(handover())
    assert desk.status("t1") == "pending" and first.announced == ["t1"]
    assert not desk.start(handover())  # a duplicate start announces nothing
    assert first.announced == ["t1"]

    second = Recorder()
    restarted = HandoverDesk(open_checkpointer(path), second)  # a new process on the same data
    assert restarted.status("t1") == "pending"
    assert restarted.resolve("t1", reply())
    assert second.closed == [("t1", "Yes, up to 300 EUR.")]
    assert second.announced == []  # resuming does not announce again
    assert restarted.status("t1") == "resolved"
    assert restarted.get("t1")["resolution"]["by"] == "UEXPERT"

    assert not restarted.resolve("t1", reply("a second answer"))
    assert second.closed == [("t1", "Yes, up to 300 EUR.")]


def test_concurrent_replies_resolve_once(keel_home):
    recorder = Recorder()
    desk = HandoverDesk(open_checkpointer(keel_home / "threads.sqlite"), recorder)
    desk.start(handover("t2"))
    outcomes: list[bool] = []
    threads = [threading.Thread(target=lambda: outcomes.append(desk.resolve("t2", reply()))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False] * 7 + [True]
    assert len(recorder.closed) == 1


def test_unknown_handover_cannot_be_resolved(keel_home):
    desk = HandoverDesk(open_checkpointer(keel_home / "threads.sqlite"), Recorder())
    assert desk.status("nope") is None
    assert not desk.resolve("nope", reply())
