"""Drafting an answer with a chat model, and checking that what came back is usable.

Anything unusable (timeout, HTTP error, refusal, empty or uncited text) raises :class:`DraftFailure`
with a reason a person can read; the graph then falls back to the extractive answer or hands over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from graphs.prompts import (
    ANSWER_SYSTEM,
    ANSWER_USER,
    CONDENSE_SYSTEM,
    CONDENSE_USER,
    NO_ANSWER,
    SOURCE_TEMPLATE,
)
from graphs.result import Citation

_CITATION = re.compile(r"\[(\d{1,2})\]")
_COMPARISON = re.compile(
    r"\b(compare|comparison|difference|differences|versus|vs\.?|pros and cons|trade-?offs?)\b", re.I
)


class DraftFailure(Exception):
    """The model's draft cannot be used; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_complex(question: str, hits: Sequence[dict[str, Any]]) -> bool:
    """The routing rule for the strong model: a long question (> 30 words), several questions in one,
    a comparison, or evidence spread over 3+ different documents among the top 3 passages."""
    if len(question.split()) > 30 or question.count("?") >= 2 or _COMPARISON.search(question):
        return True
    return len({h["source"] for h in hits[:3]}) >= 3


def format_sources(hits: Sequence[dict[str, Any]]) -> str:
    return "\n".join(
        SOURCE_TEMPLATE.format(
            n=n,
            title=_attr(h.get("title", "")),
            section=_attr(h.get("section", "")),
            text=h["text"].replace("</source>", "</ source>"),
        )
        for n, h in enumerate(hits, start=1)
    )


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")


def draft_with_model(model: BaseChatModel, question: str, hits: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The model's cited answer, or None when it says the sources do not answer (NO_ANSWER)."""
    messages = [
        SystemMessage(ANSWER_SYSTEM),
        HumanMessage(ANSWER_USER.format(sources=format_sources(hits), question=question)),
    ]
    try:
        reply = model.invoke(messages)
    except Exception as exc:  # every provider raises its own types; all mean "no usable draft"
        raise DraftFailure(_describe_error(exc)) from exc
    if reply.additional_kwargs.get("refusal"):
        raise DraftFailure("the model refused to answer")
    text = reply.content if isinstance(reply.content, str) else _join_content(reply.content)
    text = text.strip()
    if not text:
        raise DraftFailure("the model returned an empty answer")
    if text.strip(" .") == NO_ANSWER or text.startswith(NO_ANSWER):
        return None
    return cited_answer(text, hits)


def cited_answer(text: str, hits: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Keep only citations that point to a retrieved chunk; an answer that cites nothing is unusable."""
    valid = {n for n in range(1, len(hits) + 1)}
    used: list[int] = []

    def keep(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in valid:
            return ""
        if n not in used:
            used.append(n)
        return match.group(0)

    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", _CITATION.sub(keep, text)).strip()
    if not used:
        raise DraftFailure("the model's answer cited no source")
    citations = [_citation(n, hits[n - 1]) for n in sorted(used)]
    return {"answer": cleaned, "citations": [c.__dict__ for c in citations]}


def _citation(n: int, hit: dict[str, Any]) -> Citation:
    return Citation(
        n=n,
        source=hit["source"],
        title=hit.get("title", ""),
        section=hit.get("section", ""),
        chunk_id=hit["chunk_id"],
        score=float(hit.get("score", 0.0)),
    )


def condense_with_model(model: BaseChatModel, question: str, history: Sequence[dict[str, Any]]) -> str:
    """The model's standalone rewrite of a follow-up; raises DraftFailure when unusable."""
    lines = [f"User: {t['question']}\nAssistant: {t['answer'][:400]}" for t in history]
    messages = [
        SystemMessage(CONDENSE_SYSTEM),
        HumanMessage(CONDENSE_USER.format(history="\n".join(lines), question=question)),
    ]
    try:
        reply = model.invoke(messages)
    except Exception as exc:
        raise DraftFailure(_describe_error(exc)) from exc
    text = reply.content if isinstance(reply.content, str) else _join_content(reply.content)
    text = text.strip().strip('"')
    if not text or len(text) > 4 * len(question) + 400:
        raise DraftFailure("the model's rewrite of the follow-up was unusable")
    return text


def _join_content(parts: list[Any]) -> str:
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts)


def _describe_error(exc: Exception) -> str:
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if "Timeout" in name:
        return "the language model timed out"
    if status == 429 or "RateLimit" in name:
        return "the language model is rate-limited"
    if isinstance(status, int) and status >= 500:
        return f"the language model failed (HTTP {status})"
    if "Connection" in name:
        return "the language model could not be reached"
    return f"the language model call failed ({name})"
