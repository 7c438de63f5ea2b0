"""Several Keel processes (instances behind a load balancer, or one instance's answer workers) share one
thread memory: questions asked in one Slack thread at the same moment, answered by different processes,
must all stay in that thread's memory. Each service here stands for one process: its own graph, its own
checkpointer connection, its own in-process locks; only ``KEEL_HOME`` is shared."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.service import KeelService, Question
from config.settings import get_settings
from knowledge.base import KnowledgeBase

THREAD = ("C0HELP", "1700000000.000100")
QUESTIONS = [
    "How long is parental leave?",
    "How do I connect to the VPN?",
    "How many vacation days do employees get?",
    "What is the deadline for expenses?",
]


def test_questions_in_one_thread_answered_by_two_processes_all_stay_in_its_memory(kb: KnowledgeBase) -> None:
    processes = [KeelService.from_settings(get_settings(), kb=kb) for _ in range(2)]
    for service in processes:
        service.warm_up()
    start = threading.Barrier(len(QUESTIONS))

    def ask(n: int) -> str:
        start.wait()  # all at once, as a burst of messages in one thread would arrive
        channel, thread_ts = THREAD
        return processes[n % 2].ask(Question(QUESTIONS[n], f"U0ASKER{n}", channel, thread_ts)).turn_id

    try:
        with ThreadPoolExecutor(len(QUESTIONS)) as askers:
            turn_ids = list(askers.map(ask, range(len(QUESTIONS))))
        agent = processes[0].answerer_for(processes[0].channel_policy(THREAD[0]))
        remembered = [turn["question"] for turn in agent.history(f"slack:{THREAD[0]}:{THREAD[1]}")]
    finally:
        for service in processes:
            service.close()
    assert len(set(turn_ids)) == len(QUESTIONS)
    assert sorted(remembered) == sorted(QUESTIONS)  # no answer overwrote another's place in the thread
