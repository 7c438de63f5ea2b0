"""The scale-out benchmark's log check, small: several processes writing one SQLite log at once through
Keel's log writer lose no turn (each process is spawned fresh, as Keel's answer workers are)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.log_capacity import log_capacity


def test_two_processes_writing_one_log_at_once_store_every_turn(tmp_path: Path) -> None:
    measured = log_capacity(tmp_path, processes=2, turns_each=25)
    assert measured["turns"] == 50
    assert measured["turns_per_s"] > 0
