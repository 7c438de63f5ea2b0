"""Drafting an answer with a chat model, and making what came back checkable.

Real models, small ones above all, do not write what the prompt asks: they cite as ``[Source 1]``,
``(1)`` or ``【1】``, copy the prompt's ``<source>`` markup back, cite nothing at all, or run on past
the length asked. :func:`draft_with_model` reads every citation style as ``[n]``, strips the markup,
attributes each uncited sentence to the source that supports it (the output guard's groundedness
scoring, :mod:`graphs.guards.grounding`) and leaves out what no source supports. What cannot be made
checkable, and every failed call (timeout, deadline, HTTP error, refusal, empty text), raises
:class:`DraftFailure` with a reason naming the model and a ``kind`` the answer's note is chosen by.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage, SystemMessage

from graphs.llm import CallLimits, DeadlinePassed, call_within, with_token_limit
from graphs.prompts import (
    ANSWER_SYSTEM,
    ANSWER_USER,
    CONDENSE_SYSTEM,
    CONDENSE_USER,
    DEFAULT_TONE,
    NO_ANSWER,
    SOURCE_TEMPLATE,
    TONE_RULE,
)
from graphs.result import Citation

if TYPE_CHECKING:
    from graphs.thread import Turn

# Below this judge confidence the evidence is off-topic and the model is not asked (KEEL_LLM_MIN_CONFIDENCE
# overrides it). Between it and the judge's own threshold (graphs.evidence_model.THRESHOLD, 0.5) the
# evidence is weak but on-topic: the model reads it and answers or says NO_ANSWER. Re-measured with the judge
# fitted across data sets (issue 15): the largest value on a 0.01 grid that still sends, on average over
# ClapNQ, mtrag_dev, COVID FAQ and the handbook set, 95% of answerable questions to the model
# (docs/answering.md, "The LLM path"; the first calibration, on ClapNQ alone, gave 0.10).
LLM_MIN_CONFIDENCE = 0.12
# Of the uncited sentences that make a claim, at least this share must be supported by some source, else
# the draft is not trusted at all (the output guard's min_supported default for cited ones).
MIN_SUPPORTED_SHARE = 0.5

# A support analysis per sentence (graphs.guards.grounding.Support), from KeelContext.attribute.
Attribute = Callable[..., list[Any]]

_MARKUP = re.compile(r"</?\s*sources?\b[^>]*>", re.I)
_NUMBERS = r"(\d{1,3}(?:\s*(?:,|;|&|and)\s*(?:sources?\s*)?\d{1,3})*)"
_MARKER_STYLES = [
    re.compile(r"【\s*(\d{1,3})(?:[†:][^】]*)?】"),  # 【1】, 【1†source】
    re.compile(r"\[\^?\s*(?:sources?\s*:?\s*)?" + _NUMBERS + r"\s*\]", re.I),  # [1], [1, 2], [Source 1], [^1]
    re.compile(r"\(\s*sources?\s*:?\s*" + _NUMBERS + r"\s*\)", re.I),  # (Source 1), (sources 1 and 2)
    re.compile(r"(?<=\S)\s*\(" + _NUMBERS + r"\)(?=\s*(?:[.,;:!?]|\[|$))", re.M),  # "... leave (1)." not "(1) Do"
    re.compile(r"\bsources?\s+" + _NUMBERS + r"\b", re.I),  # "Source 1", "as Source 2 says"
]
_CITATION = re.compile(r"\[(\d{1,3})\]")
_SENTENCE_END = re.compile(r"[.!?](?:\s*\[\d{1,3}\])*[\"'”’)]*(?=\s|$)")
_COMPARISON = re.compile(
    r"\b(compare|comparison|difference|differences|versus|vs\.?|pros and cons|trade-?offs?)\b", re.I
)


# The line under an answer the extractive answerer wrote because the model's draft could not be used:
# what really happened, by DraftFailure.kind.
FALLBACK_NOTES = {
    "timeout": "The language model did not answer in time",
    "busy": "The language model was busy",
    "error": "The language model returned an error",
    "unreachable": "The language model could not be reached",
    "empty": "The language model returned no answer",
    "refused": "The language model declined to answer",
    "unchecked": "The language model's answer could not be checked against the sources",
}


def fallback_note(kind: str) -> str:
    what = FALLBACK_NOTES.get(kind, "The language model's answer could not be used")
    return f"_{what}, so this answer was put together from the sources._"


class DraftFailure(Exception):
    """The model's draft cannot be used; ``reason`` says why in plain words (naming the model), ``kind``
    what happened: timeout, busy, error, unreachable, empty, refused, unchecked."""

    def __init__(self, reason: str, kind: str = "error") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


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


def draft_with_model(
    model: BaseChatModel,
    question: str,
    hits: Sequence[dict[str, Any]],
    *,
    name: str = "",
    limits: CallLimits | None = None,
    attribute: Attribute | None = None,
    tone: str = DEFAULT_TONE,
) -> dict[str, Any] | None:
    """The model's answer with every sentence cited ``[n]`` (``dropped``: how many unsupported sentences
    were left out), or None when it says the sources do not answer (NO_ANSWER). ``tone`` is the channel
    policy's tone for the answer."""
    limits = limits or CallLimits()
    messages = [
        SystemMessage(answer_instructions(tone)),
        HumanMessage(ANSWER_USER.format(sources=format_sources(hits), question=question)),
    ]
    reply = _call(model, messages, name, limits.max_tokens, limits.deadline)
    if reply.additional_kwargs.get("refusal"):
        raise DraftFailure(f"{_who(name)} refused to answer", "refused")
    text = _text_of(reply)
    if not text:
        raise DraftFailure(f"{_who(name)} returned an empty answer", "empty")
    if text.strip(" .") == NO_ANSWER or text.startswith(NO_ANSWER):
        return None
    if reply.response_metadata.get("finish_reason") == "length":
        text = without_cut_sentence(text)
    return checkable_answer(text, hits, name=name, attribute=attribute)


def answer_instructions(tone: str = DEFAULT_TONE) -> str:
    """The system prompt for drafting: the rules, and the tone when the policy asks for one."""
    tone = tone.strip()
    return ANSWER_SYSTEM + (TONE_RULE.format(tone=tone) if tone and tone.lower() != DEFAULT_TONE else "")


def checkable_answer(
    text: str, hits: Sequence[dict[str, Any]], *, name: str = "", attribute: Attribute | None = None
) -> dict[str, Any]:
    """``text`` with its citations read as ``[n]`` (only numbers that name a passage kept), markup
    stripped, uncited sentences attributed; DraftFailure when nothing checkable is left."""
    cleaned = tidy(normalise_citations(text, len(hits)))
    dropped = 0
    if attribute is not None:
        cleaned, dropped = attribute_sentences(cleaned, hits, attribute, name)
    used = list(dict.fromkeys(int(n) for n in _CITATION.findall(cleaned)))
    if not used:
        raise DraftFailure(f"{_who(name)} wrote an answer that could not be checked against the sources", "unchecked")
    citations = [_citation(n, hits[n - 1]) for n in sorted(used)]
    return {"answer": cleaned, "citations": [c.__dict__ for c in citations], "dropped": dropped}


def normalise_citations(text: str, sources: int) -> str:
    """Every citation style as ``[n]`` (``[1, 2]`` as ``[1][2]``); numbers that name no passage and the
    prompt's ``<source>`` markup removed."""
    text = _MARKUP.sub(" ", text)

    def markers(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        found = "".join(f"[{n}]" for n in dict.fromkeys(numbers) if 1 <= n <= sources)
        return f" {found}" if found else ""

    for style in _MARKER_STYLES:
        text = style.sub(markers, text)
    return text


def tidy(text: str) -> str:
    """Spaces the marker edits leave: none before punctuation or between markers, single elsewhere."""
    text = re.sub(r"[ \t]+(?=[.,;:!?)]|\[)", "", text)
    text = re.sub(r"(\S)(\[\d)", r"\1 \2", text)
    text = re.sub(r"\] (?=\[)", "]", text)
    text = re.sub(r"(\[\d{1,3}\])(?=\w)", r"\1 ", text)
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.strip().splitlines()).strip()


def attribute_sentences(
    text: str, hits: Sequence[dict[str, Any]], attribute: Attribute, name: str = ""
) -> tuple[str, int]:
    """Each uncited sentence that makes a claim gets the ``[n]`` of the source that supports it best,
    or is left out when none does; returns the text and how many sentences were left out. Too few
    supported (under MIN_SUPPORTED_SHARE) and the draft is not trusted: DraftFailure."""
    sources = [{"n": n, "text": h["text"], "source": h["source"]} for n, h in enumerate(hits, start=1)]
    uncited = [s for s in attribute(text, sources) if s.claim and not s.cited]
    if not uncited:
        return text, 0
    unsupported = [s for s in uncited if not (s.supported and s.best_source)]
    if len(unsupported) > len(uncited) * (1 - MIN_SUPPORTED_SHARE):
        why = f"{len(unsupported)} of its {len(uncited)} uncited sentences match no source"
        raise DraftFailure(
            f"{_who(name)} wrote an answer that could not be checked against the sources ({why})", "unchecked"
        )
    for support in sorted(uncited, key=lambda s: -s.sentence.start):  # from the end: offsets stay valid
        start, end = support.sentence.start, support.sentence.end
        repaired = "" if support in unsupported else _with_citation(support.sentence.text, support.best_source)
        text = text[:start] + repaired + text[end:]
    return tidy(text), len(unsupported)


def _with_citation(sentence: str, n: int) -> str:
    stripped = sentence.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]} [{n}]{stripped[-1]}"
    return f"{stripped} [{n}]"


def without_cut_sentence(text: str) -> str:
    """A reply stopped at the token limit ends mid-sentence: keep the sentences it finished (all of it
    when it finished none, so the checks can still judge it)."""
    ends = list(_SENTENCE_END.finditer(text))
    return text[: ends[-1].end()].rstrip() if ends else text


def _citation(n: int, hit: dict[str, Any]) -> Citation:
    return Citation(
        n=n,
        source=hit["source"],
        title=hit.get("title", ""),
        section=hit.get("section", ""),
        chunk_id=hit["chunk_id"],
        score=float(hit.get("score", 0.0)),
    )


def condense_with_model(
    model: BaseChatModel,
    question: str,
    history: Sequence[Turn],
    *,
    name: str | None = None,
    limits: CallLimits | None = None,
) -> str:
    """The model's standalone rewrite of a follow-up; raises DraftFailure when unusable. Inside a graph run
    the model's name and limits come from the run's context when not given."""
    if name is None or limits is None:
        run_name, run_limits = _run_model_settings()
        name, limits = name or run_name, limits or run_limits
    lines = [f"User: {t['question']}\nAssistant: {t['answer'][:400]}" for t in history]
    messages = [
        SystemMessage(CONDENSE_SYSTEM),
        HumanMessage(CONDENSE_USER.format(history="\n".join(lines), question=question)),
    ]
    reply = _call(model, messages, name, limits.rewrite_max_tokens, limits.deadline)
    text = _text_of(reply).strip('"')
    if not text or len(text) > 4 * len(question) + 400:
        raise DraftFailure(f"{_who(name)} rewrote the follow-up unusably", "unchecked")
    return text


def _run_model_settings() -> tuple[str, CallLimits]:
    """The model's name and limits from the LangGraph run this is called in (defaults outside one)."""
    from langgraph.runtime import get_runtime

    from graphs.context import KeelContext

    try:
        context = get_runtime(KeelContext).context
    except RuntimeError:
        return "", CallLimits()
    return context.llm_name, context.llm_limits


def _call(
    model: BaseChatModel, messages: list[BaseMessage], name: str, max_tokens: int, deadline: float
) -> AIMessageChunk:
    try:
        return call_within(with_token_limit(model, max_tokens), messages, deadline)
    except Exception as exc:  # every provider raises its own types; all mean "no usable reply"
        raise describe_failure(exc, name) from exc


def _text_of(reply: AIMessageChunk) -> str:
    content = reply.content
    text = (
        content
        if isinstance(content, str)
        else "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content)
    )
    return text.strip()


def _who(name: str) -> str:
    return f"the language model ({name})" if name else "the language model"


def describe_failure(exc: Exception, name: str = "") -> DraftFailure:
    """A failed call in plain words, naming the model: what the log and the reasons say."""
    who = _who(name)
    kind_name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if isinstance(exc, DeadlinePassed):
        return DraftFailure(f"{who} timed out after {exc.seconds:g} s", "timeout")
    if "Timeout" in kind_name:
        return DraftFailure(f"{who} timed out", "timeout")
    if status == 429 or "RateLimit" in kind_name:
        return DraftFailure(f"{who} is rate-limited", "busy")
    if isinstance(status, int):
        return DraftFailure(f"{who} failed (HTTP {status})", "error")
    if "Connection" in kind_name:
        return DraftFailure(f"{who} could not be reached", "unreachable")
    return DraftFailure(f"{who} call failed ({kind_name})", "error")
