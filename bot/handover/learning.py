"""Learning from hand-overs: a resolved question and its human answer become a Markdown document in the
``learned`` collection, with where it came from (thread permalink, who answered, when), so the next asker
gets it with a citation. An admin can take it out again.

The file is written under ``KEEL_HOME/learned/<turn_id>.md`` and ingested like any other source, so
``keel sources`` lists it and ``keel remove`` removes it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from knowledge.base import KnowledgeBase
from knowledge.settings import keel_home

log = logging.getLogger(__name__)

LEARNED = "learned"


class LearningError(RuntimeError):
    """The answer could not be saved or removed; the message is safe to show."""


def learned_dir() -> Path:
    return keel_home() / LEARNED


def learned_document(handover: dict[str, Any], *, expert_name: str, permalink: str | None) -> str:
    """The Markdown a learned answer is stored as: the question as its title, the answer, provenance."""
    question = " ".join((handover.get("question") or "").split()) or "A question answered in Slack"
    when = datetime.fromisoformat(handover["resolved_at"]).date().isoformat() if handover.get("resolved_at") else ""
    where = f" in Slack ({permalink})" if permalink else " in Slack"
    return (
        f"# {question}\n\n"
        f"{(handover.get('answer') or '').strip()}\n\n"
        f"_Answered by {expert_name} on {when}{where}; saved from a hand-over._\n"
    )


class Learning:
    """Adds and removes learned answers in a knowledge base (the one the answer graph searches)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def add(self, handover: dict[str, Any], *, expert_name: str, permalink: str | None) -> str:
        """Write and ingest the document; returns its source id."""
        if not (handover.get("answer") or "").strip():
            raise LearningError("There is no written answer in this hand-over to save.")
        folder = learned_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{handover['turn_id']}.md"
        path.write_text(learned_document(handover, expert_name=expert_name, permalink=permalink), encoding="utf-8")
        report = self.kb.ingest([str(path)], collection=LEARNED)
        if not report.ok or not report.outcomes:
            log.error("ingesting the learned answer failed: %s", [o.reason for o in report.failed])
            raise LearningError("The answer could not be added to the knowledge base; the log says why.")
        return report.outcomes[0].source

    def remove(self, source: str) -> int:
        removed = self.kb.remove(source)
        path = Path(source)
        if path.is_file() and path.parent == learned_dir():
            path.unlink()
        return removed
