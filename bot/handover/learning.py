"""Learning from hand-overs: a resolved question and its human answer become a Markdown document, with
where it came from (thread permalink, who answered, who approved it, when), so the next asker gets it
with a citation. An admin can take it out again.

A learned answer is searched only where it was given (issue 16): it goes into the collection
``learned-<channel id>``, which only that channel searches. An admin can widen it to every channel: it
then moves to the ``learned`` collection, which every channel searches (answers learned before issue 16
are there too). The file is written under ``KEEL_HOME/learned/<channel id>/<turn_id>.md`` (widened:
``KEEL_HOME/learned/<turn_id>.md``) and ingested like any other source, so ``keel sources`` lists it and
``keel remove`` removes it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.learned_scope import LEARNED, channel_part, learned_collection
from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)


class LearningError(RuntimeError):
    """The answer could not be saved or removed; the message is safe to show."""


def learned_dir(home: Path) -> Path:
    """Where learned answers are written under the data directory ``home``."""
    return home / LEARNED


def is_widened(source: str) -> bool:
    """Whether a learned answer is searched by every channel: it sits directly in the learned folder, not in
    a channel's folder below it."""
    return Path(source).parent.name == LEARNED


def learned_document(
    handover: dict[str, Any], *, expert_name: str, permalink: str | None, approved_by: str = ""
) -> str:
    """The Markdown a learned answer is stored as: the question as its title, the answer, provenance."""
    question = " ".join((handover.get("question") or "").split()) or "A question answered in Slack"
    when = datetime.fromisoformat(handover["resolved_at"]).date().isoformat() if handover.get("resolved_at") else ""
    where = f" in Slack ({permalink})" if permalink else " in Slack"
    approval = f"; approved for the knowledge base by {approved_by}" if approved_by else ""
    return (
        f"# {question}\n\n"
        f"{(handover.get('answer') or '').strip()}\n\n"
        f"_Answered by {expert_name} on {when}{where}{approval}; saved from a hand-over._\n"
    )


class Learning:
    """Adds, widens and removes learned answers in a knowledge base (the one the answer graph searches)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.folder = learned_dir(kb.settings.home)

    def _is_learned_file(self, path: Path) -> bool:
        return self.folder.resolve() in path.resolve().parents

    def add(self, handover: dict[str, Any], *, expert_name: str, permalink: str | None, approved_by: str = "") -> str:
        """Write and ingest the document for the hand-over's channel only; returns its source id."""
        if not (handover.get("answer") or "").strip():
            raise LearningError("There is no written answer in this hand-over to save.")
        channel = channel_part(handover.get("channel"))
        folder = self.folder / channel if channel else self.folder
        text = learned_document(handover, expert_name=expert_name, permalink=permalink, approved_by=approved_by)
        return self._write(folder / f"{handover['turn_id']}.md", text, learned_collection(channel))

    def widen(self, source: str) -> str:
        """Make a channel's learned answer searched by every channel; returns its new source id."""
        path = Path(source)
        if is_widened(source):
            return source
        if not path.is_file() or not self._is_learned_file(path):
            raise LearningError("This learned answer is no longer stored, so it cannot be shared.")
        widened = self._write(self.folder / path.name, path.read_text(encoding="utf-8"), LEARNED)
        self.remove(source)  # only once the widened copy is stored: nothing is lost if that failed
        return widened

    def remove(self, source: str) -> int:
        removed = self.kb.remove(source)
        path = Path(source)
        if path.is_file() and self._is_learned_file(path):
            path.unlink()
        return removed

    def _write(self, path: Path, text: str, collection: str) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        report = self.kb.ingest([str(path)], collection=collection)
        if not report.ok or not report.outcomes:
            log.error("ingesting the learned answer failed: %s", [o.reason for o in report.failed])
            path.unlink(missing_ok=True)
            raise LearningError("The answer could not be added to the knowledge base; the log says why.")
        return report.outcomes[0].source
