"""Exactly once: the first claim on a delivery wins, in one process or across several."""

from __future__ import annotations

import multiprocessing
import random
import threading
from pathlib import Path

from bot.dedupe import EventLedger, delivery_keys
from bot.store.state import StateDB


def test_a_delivery_is_claimed_once_under_any_of_its_keys(tmp_path: Path) -> None:
    ledger = EventLedger(StateDB(tmp_path / "slack.sqlite"))
    first = delivery_keys("Ev1", "C1", "1700000000.000100", "msg-1")
    assert ledger.claim(first)
    assert not ledger.claim(first)  # a retry: same event id
    assert not ledger.claim(delivery_keys("Ev2", "C1", "1700000000.000100"))  # the same message, other event
    assert not ledger.claim(delivery_keys("Ev3", client_msg_id="msg-1"))
    assert ledger.claim(delivery_keys("Ev4", "C1", "1700000000.000200"))


def test_claims_survive_a_restart(tmp_path: Path) -> None:
    EventLedger(StateDB(tmp_path / "slack.sqlite")).claim(["event:Ev1"])
    assert not EventLedger(StateDB(tmp_path / "slack.sqlite")).claim(["event:Ev1"])


def test_old_claims_are_pruned(tmp_path: Path) -> None:
    ledger = EventLedger(StateDB(tmp_path / "slack.sqlite"), keep_seconds=-1)
    ledger.claim(["event:Ev1"])
    ledger.prune()
    assert ledger.claim(["event:Ev1"])


def test_threads_racing_for_the_same_deliveries_win_each_once(tmp_path: Path) -> None:
    ledger = EventLedger(StateDB(tmp_path / "slack.sqlite"))
    wins: list[str] = []
    lock = threading.Lock()

    def race() -> None:
        for n in range(100):
            if ledger.claim([f"event:Ev{n}"]):
                with lock:
                    wins.append(f"Ev{n}")

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(f"Ev{n}" for n in range(100))


def _claim_all(path: str, seed: int, results: multiprocessing.Queue) -> None:
    ledger = EventLedger(StateDB(Path(path)))
    keys = [f"event:Ev{n}" for n in range(60)]
    random.Random(seed).shuffle(keys)
    results.put([k for k in keys if ledger.claim([k])])


def test_processes_sharing_the_file_never_both_take_a_delivery(tmp_path: Path) -> None:
    """Two Keel workers behind a load balancer get the same retried event: one answers it."""
    path = str(tmp_path / "slack.sqlite")
    EventLedger(StateDB(Path(path)))  # create the file first, as the app does at start-up
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_claim_all, args=(path, seed, results)) for seed in range(3)]
    for p in processes:
        p.start()
    won = [results.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(timeout=30)
    claimed = [key for keys in won for key in keys]
    assert sorted(claimed) == sorted(f"event:Ev{n}" for n in range(60))
