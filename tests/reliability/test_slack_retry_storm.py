"""A retry storm: Slack redelivering the same events (``X-Slack-Retry-Num`` 1..3), many copies of them at once,
and the same message arriving as two events. Every delivery is acknowledged at once, and every question
is answered exactly once: one 👀, one reply, one turn in the log. End to end over real HTTP: the real Bolt
app and slack_sdk client against the Slack emulator.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.bot.conftest import ALICE, HELP, Running
from tests.slack_emulator import Delivery

SLACK_ACK_DEADLINE = 3.0  # seconds Slack waits for the ack before it counts a delivery as failed
COPIES = 24  # concurrent copies of one event
QUESTIONS = [
    ("How long is parental leave?", "20 weeks"),
    ("How do I connect to the VPN?", "Pangolin"),
    ("How many vacation days do contractors get?", "15"),
    ("When are expense reports due?", "30 days"),
]


def deliver_all(keel: Running, deliveries: list[tuple[dict[str, Any], int | None]]) -> list[tuple[Delivery, float]]:
    """Post every (payload, retry number) at once, as Slack's retries pile up; (answer, seconds) each."""

    def post(delivery: tuple[dict[str, Any], int | None]) -> tuple[Delivery, float]:
        payload, retry_num = delivery
        sent = time.monotonic()
        answer = keel.emulator.sign_and_post(keel.url, payload, retry_num=retry_num)
        return answer, time.monotonic() - sent

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(post, deliveries))


def assert_all_acked_in_time(answers: list[tuple[Delivery, float]]) -> None:
    assert [d.status for d, _ in answers] == [200] * len(answers)
    slowest = max(seconds for _, seconds in answers)
    assert slowest < SLACK_ACK_DEADLINE, f"slowest ack took {slowest:.2f}s"


def test_retries_and_concurrent_copies_of_one_event_are_answered_once(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    thread = payload["event"]["ts"]
    keel.post(payload)
    retries = [(payload, n) for n in (1, 2, 3)]
    rng = random.Random(8)
    answers = deliver_all(keel, retries + [(payload, rng.choice([None, 1, 2, 3])) for _ in range(COPIES)])

    assert_all_acked_in_time(answers)
    (reply,) = keel.replies(HELP, thread)
    assert "20 weeks" in reply["text"]
    assert len(keel.turns()) == 1
    assert len(keel.emulator.calls("reactions.add")) == 1


def test_a_storm_of_several_questions_answers_each_exactly_once(keel: Running) -> None:
    payloads = [keel.emulator.payloads.event_app_mention(q, ALICE, HELP) for q, _ in QUESTIONS]
    # Each question: the first delivery, its three retries and, arriving with them, the same message as a
    # ``message`` event and its retry (Slack sends both for a mention in a channel), all shuffled together.
    deliveries: list[tuple[dict[str, Any], int | None]] = []
    for payload in payloads:
        event = payload["event"]
        twin = keel.emulator.payloads.event_message_channel(event["text"], ALICE, HELP, ts=event["ts"])
        twin["event"]["client_msg_id"] = event["client_msg_id"]
        deliveries += [(payload, None), (payload, 1), (payload, 2), (payload, 3), (twin, None), (twin, 1)]
    random.Random(8).shuffle(deliveries)
    answers = deliver_all(keel, deliveries)

    assert_all_acked_in_time(answers)
    for payload, (_, expected) in zip(payloads, QUESTIONS, strict=True):
        (reply,) = keel.replies(HELP, payload["event"]["ts"])
        assert expected in reply["text"]
    assert len(keel.turns()) == len(QUESTIONS)
    assert len(keel.emulator.calls("reactions.add")) == len(QUESTIONS)
    print(
        f"\n{len(deliveries)} deliveries of {len(QUESTIONS)} questions, slowest ack {max(s for _, s in answers):.3f}s"
    )


def test_a_retry_arriving_while_the_first_delivery_is_still_being_answered_is_dropped(keel: Running) -> None:
    # Slack retries when the first ack was slow or lost: the retry lands mid-answer, before any reply.
    payload = keel.emulator.payloads.event_app_mention("How do I connect to the VPN?", ALICE, HELP)
    keel.post(payload)
    keel.emulator.wait_for("reactions.add")  # Keel has taken the question and is answering it
    assert keel.post(payload, retry_num=1).status == 200
    (reply,) = keel.replies(HELP, payload["event"]["ts"])
    assert "Pangolin" in reply["text"]
    assert len(keel.turns()) == 1
