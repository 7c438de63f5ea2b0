"""Guardrails on every question and every answer, offline.

    check_input(text, channel=...)            -> GuardReport  (before retrieval and any LLM)
    check_output(answer, sources, ...)        -> GuardReport  (on the draft)
    scan_chunk(text)                          -> ["injection"] for documents carrying instructions
    flagged_handling()                        -> "hold" | "refuse" | "mark": what ingest does with them
    load_policy(path)                         -> Policy       (keel.toml, validated, reloaded on change)

Every check takes the policy to apply (``policy=``); without one the built-in defaults apply. The
running bot passes the policy its Settings name (graphs.context.policy_source).

Importing this package is cheap; guardrails and the embedder load on the first check (``warm_up()`` does
it ahead of time). See docs/guards.md for the checks, the policy keys and the measured figures.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from graphs.guards.leak import protect as protect_prompt
from graphs.guards.offline import open_engine
from graphs.guards.types import CheckContext, GuardReport, NumberedSource, SourceText, Verdict
from graphs.policy import ChannelPolicy, Policy, PolicyError, load_policy

if TYPE_CHECKING:
    from knowledge.ingest import FlaggedHandling

__all__ = [
    "GuardReport",
    "Policy",
    "PolicyError",
    "SourceText",
    "Verdict",
    "check_input",
    "check_output",
    "current_policy",
    "load_policy",
    "protect_prompt",
    "flagged_handling",
    "scan_chunk",
    "screen_hits",
    "warm_up",
]
log = logging.getLogger(__name__)
_last_good: dict[Path, Policy] = {}
_policy_lock = threading.Lock()


def current_policy(path: Path | None = None) -> Policy:
    """The policy at ``path`` (``Settings.policy``; None: the defaults) to run with: a file that became
    invalid keeps its last good version (and logs why), so an admin's typo does not take the bot down.
    ``load_policy`` itself always raises."""
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        last_good = _last_good.get(Path(path)) if path is not None else None
        if last_good is None:
            raise
        log.error("guards: policy not reloaded, keeping the last valid one: %s", exc)
        return last_good
    if path is not None:
        with _policy_lock:
            _last_good[Path(path)] = policy
    return policy


def _channel_policy(channel: str | None, policy: Policy | None) -> ChannelPolicy:
    return (policy or current_policy()).for_channel(channel)


def check_input(
    text: str,
    *,
    channel: str | None = None,
    policy: Policy | None = None,
    known_name: Callable[[str], bool] | None = None,
) -> GuardReport:
    """Checks a question before retrieval and before any LLM sees it. ``report.text`` is safe to log.
    ``known_name`` says whether the knowledge base holds a name; such names are not redacted."""
    engine = open_engine()

    return engine.run(text, CheckContext(_channel_policy(channel, policy), "input", known_name=known_name))


def check_output(
    answer: str,
    sources: Sequence[SourceText | NumberedSource],
    *,
    question: str = "",
    channel: str | None = None,
    policy: Policy | None = None,
) -> GuardReport:
    """Checks a draft answer against the numbered sources it may cite as ``[n]``."""
    engine = open_engine()

    texts = tuple(_source(s) for s in sources)
    return engine.run(answer, CheckContext(_channel_policy(channel, policy), "output", texts, question))


def _source(item: SourceText | NumberedSource) -> SourceText:
    if isinstance(item, SourceText):
        return item
    return SourceText(int(item["n"]), str(item.get("text", "")), str(item.get("source", "")))


def scan_chunk(text: str, *, policy: Policy | None = None) -> list[str]:
    """Flags for a knowledge chunk at ingest, e.g. ``["injection"]`` when it carries instructions to an AI."""
    from graphs.guards.injection import scan_document

    config = (policy or current_policy()).guards.document_injection
    if not config.enabled:
        return []
    return ["injection"] if scan_document(text) else []


def flagged_handling(*, policy: Policy | None = None) -> FlaggedHandling:
    """What ingest does with a document that has a flagged chunk (``[guards.document_injection] action``):
    ``hand_over`` (default) holds the whole document for an admin's review, ``refuse`` stores it without
    its flagged passages, ``log_only`` stores them marked (retrieval leaves them out)."""
    config = (policy or current_policy()).guards.document_injection
    if config.action == "hand_over":
        return "hold"
    return "refuse" if config.action == "refuse" else "mark"


def screen_hits(
    hits: Sequence[Mapping[str, object]], *, policy: Policy | None = None
) -> tuple[list[Mapping[str, object]], Verdict]:
    """Retrieved chunks minus those of documents held for review and those flagged at ingest (unless an
    admin approved them), and a verdict for the log. Their text never reaches the LLM or an answer."""
    import time

    from knowledge.types import APPROVED, HELD, flag_set

    started = time.perf_counter()
    config = (policy or current_policy()).guards.document_injection
    flags = [flag_set(str(h.get("flags", ""))) for h in hits]
    held = [h for h, f in zip(hits, flags, strict=True) if HELD in f]
    flagged = [h for h, f in zip(hits, flags, strict=True) if HELD not in f and f - {APPROVED}]
    left_out = held + (flagged if config.enabled else [])
    kept = [h for h in hits if h not in left_out]
    ms = round((time.perf_counter() - started) * 1000, 2)
    if not left_out:
        return kept, Verdict("flagged_sources", True, "pass", "", ms)
    parts = []
    if held:
        parts.append(f"{len(held)} passage(s) of documents held for review")
    if flagged and config.enabled:
        parts.append(f"{len(flagged)} passage(s) flagged at ingest as carrying instructions")
    return kept, Verdict("flagged_sources", False, "fix", " and ".join(parts) + " were left out", ms)


def warm_up(policy: Policy | None = None) -> None:
    """Build the guards and load the embeddings and name lists now rather than on the first question."""
    from graphs.guards import language, secrets
    from graphs.guards.injection import default_library
    from graphs.guards.names import name_lists

    engine = open_engine()
    name_lists()
    language.identify("warm up the English vocabulary and its stems")
    secrets.find_secrets("warm up")
    default_library()
    channel_policy = _channel_policy(None, policy)
    engine.guard_for("input", channel_policy)
    engine.guard_for("output", channel_policy)
