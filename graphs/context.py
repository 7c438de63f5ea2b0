"""Run settings for the answer graph, passed as LangGraph's runtime context (``context_schema``).

Nodes read everything they need from here: no environment reads inside nodes. ``build_context`` is the
one place that turns deployment settings into a context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel

from config.settings import Settings
from graphs.llm import CallLimits
from graphs.policy import PolicySource, default_policy
from knowledge.base import KnowledgeBase

if TYPE_CHECKING:
    from knowledge.ingest import FlaggedHandling

# A guard seam: (text, context-ish kwargs) -> dict(action, text, verdicts, user_message).
InputCheck = Callable[..., dict[str, Any]]
OutputCheck = Callable[..., dict[str, Any]]


def pass_input(text: str, **_: Any) -> dict[str, Any]:
    return {"action": "pass", "text": text, "verdicts": [], "user_message": None}


def pass_output(answer: str, sources: Sequence[Any], **_: Any) -> dict[str, Any]:
    return {"action": "pass", "text": answer, "verdicts": [], "user_message": None}


def attribute_lexically(answer: str, sources: Sequence[dict[str, Any]], **_: Any) -> list[Any]:
    """Which source supports each sentence of ``answer`` (graphs.guards.grounding.Support), by shared
    words only: the default when the guards are not wired in."""
    from graphs.guards import grounding

    return grounding.analyse(answer, _source_texts(sources), grounding.Thresholds(), None)


def pass_hits(hits: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    return list(hits), None


def guard_input(text: str, *, policy: PolicySource = default_policy, **kwargs: Any) -> dict[str, Any]:
    from graphs import guards

    return guards.check_input(text, policy=policy(), **kwargs).to_dict()


def guard_output(
    answer: str, sources: Sequence[Any], *, policy: PolicySource = default_policy, **kwargs: Any
) -> dict[str, Any]:
    from graphs import guards

    return guards.check_output(answer, sources, policy=policy(), **kwargs).to_dict()


def guard_hits(
    hits: Sequence[dict[str, Any]], *, policy: PolicySource = default_policy
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Drop passages flagged as carrying injected instructions at ingest; the verdict goes to the log."""
    from graphs import guards

    kept, verdict = guards.screen_hits(hits, policy=policy())
    return [dict(h) for h in kept], verdict.to_dict()


def guard_attribute(
    answer: str, sources: Sequence[dict[str, Any]], channel: str | None = None, *, policy: PolicySource = default_policy
) -> list[Any]:
    """The output guard's groundedness scoring (the channel's policy thresholds and its embedder for
    paraphrases), per sentence: used to cite a model's uncited sentences."""
    from graphs.guards import grounding
    from graphs.guards.injection import default_library

    grounded = policy().for_channel(channel).guards.grounded
    thresholds = grounding.Thresholds(grounded.lexical_threshold, grounded.lexical_floor, grounded.semantic_threshold)
    return grounding.analyse(answer, _source_texts(sources), thresholds, default_library().embed)


def _source_texts(sources: Sequence[dict[str, Any]]) -> list[Any]:
    from graphs.guards import SourceText

    return [SourceText(int(s["n"]), str(s.get("text", "")), str(s.get("source", ""))) for s in sources]


@dataclass
class KeelContext:
    """Everything a turn needs besides its state."""

    kb: KnowledgeBase = field(metadata={"description": "The knowledge base to retrieve from."})
    llm: BaseChatModel | None = field(default=None, metadata={"description": "Chat model; None = extractive."})
    llm_name: str = field(default="extractive", metadata={"description": "Name of `llm` for the log."})
    strong_llm: BaseChatModel | None = field(default=None, metadata={"description": "Model for complex questions."})
    strong_llm_name: str = field(default="", metadata={"description": "Name of `strong_llm` for the log."})
    llm_limits: CallLimits = field(
        default_factory=CallLimits, metadata={"description": "Token limits and deadline of each model call."}
    )
    llm_min_confidence: float | None = field(
        default=None, metadata={"description": "Judge confidence below which the model is not asked (None: default)."}
    )
    k: int = field(default=5, metadata={"description": "How many passages to retrieve."})
    collections: list[str] | None = field(default=None, metadata={"description": "Collections to search."})
    judge_threshold: float | None = field(default=None, metadata={"description": "Override the evidence bar."})
    max_history: int = field(default=6, metadata={"description": "Turns of thread history remembered."})
    check_input: InputCheck = field(default=pass_input, metadata={"description": "Input guard seam."})
    check_output: OutputCheck = field(default=pass_output, metadata={"description": "Output guard seam."})
    screen_hits: Callable[..., Any] = field(default=pass_hits, metadata={"description": "Retrieval guard seam."})
    attribute: Callable[..., list[Any]] = field(
        default=attribute_lexically, metadata={"description": "Which source supports each sentence of a draft."}
    )
    policy: PolicySource = field(
        default=default_policy,
        metadata={"description": "The policy file Settings.policy names (re-read on change); its tone is used."},
    )

    def tone(self, channel: str | None) -> str:
        """The tone the channel's policy asks of model-written answers."""
        return self.policy().for_channel(channel).tone


def policy_source(settings: Settings) -> PolicySource:
    """The policy ``settings`` name (``KEEL_POLICY``), re-read when the file changes; a file that became
    invalid keeps its last good version. Every consumer of the policy gets it from here, so two Settings
    naming two files run with two policies, even in one process."""
    from graphs import guards

    return partial(guards.current_policy, settings.policy)


def knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base with the ingest-time injection scan wired in: a document carrying instructions
    to an assistant is held for an admin's review (or as the policy says)."""
    from graphs import guards

    policy = policy_source(settings)

    def flagger(text: str) -> list[str]:
        return guards.scan_chunk(text, policy=policy())

    def flagged_handling() -> FlaggedHandling:
        return guards.flagged_handling(policy=policy())

    return KnowledgeBase(settings, flagger=flagger, flagged_handling=flagged_handling)


def build_context(settings: Settings, kb: KnowledgeBase | None = None, **overrides: Any) -> KeelContext:
    """A context from deployment settings: the configured LLMs (if any) and the knowledge base."""
    from graphs.llm import load_chat_model

    def model(spec: str | None) -> BaseChatModel | None:
        if not spec:
            return None
        return load_chat_model(
            spec,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
            timeout=min(settings.llm_timeout, settings.llm_deadline),  # no single wait outlasts the call
        )

    policy = policy_source(settings)
    values: dict[str, Any] = {
        "kb": kb or knowledge_base(settings),
        "policy": policy,
        "check_input": partial(guard_input, policy=policy),
        "check_output": partial(guard_output, policy=policy),
        "screen_hits": partial(guard_hits, policy=policy),
        "llm": model(settings.llm),
        "llm_name": settings.llm or "extractive",
        "strong_llm": model(settings.llm_strong),
        "strong_llm_name": settings.llm_strong or "",
        "llm_limits": CallLimits(settings.llm_max_tokens, settings.llm_rewrite_max_tokens, settings.llm_deadline),
        "llm_min_confidence": settings.llm_min_confidence,
        "attribute": partial(guard_attribute, policy=policy),
    }
    values.update(overrides)
    return KeelContext(**values)
