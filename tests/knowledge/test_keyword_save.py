"""Several Keel processes share KEEL_HOME, so they may save the BM25 index at the same moment."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from knowledge.keyword import KeywordIndex


def _save_repeatedly(folder: str, times: int) -> None:
    index = KeywordIndex.build([f"c{i}" for i in range(40)], [f"leave rule number {i}" for i in range(40)], ["hr"] * 40)
    for _ in range(times):
        index.save(Path(folder))


def test_processes_saving_at_once_all_succeed_and_leave_one_readable_index(tmp_path: Path) -> None:
    folder = tmp_path / "bm25"
    context = multiprocessing.get_context("spawn")
    savers = [context.Process(target=_save_repeatedly, args=(str(folder), 25)) for _ in range(4)]
    for saver in savers:
        saver.start()
    for saver in savers:
        saver.join(60)
    assert [s.exitcode for s in savers] == [0, 0, 0, 0]
    loaded = KeywordIndex.load(folder)
    assert loaded is not None and len(loaded.ids) == 40
    assert [p.name for p in tmp_path.iterdir()] == ["bm25"]  # no staging or swapped-out copies left behind
