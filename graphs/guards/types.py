"""The values the guards exchange: a check's finding, a verdict for the log, the report for the graph."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, NotRequired, TypedDict

from graphs.policy import ChannelPolicy

OverallAction = Literal["pass", "redact", "refuse", "hand_over", "log_only"]
Stage = Literal["input", "output"]


@dataclass(frozen=True)
class SourceText:
    """A numbered source the answer may cite as ``[n]``."""

    n: int
    text: str
    source: str = ""


class NumberedSource(TypedDict):
    """A :class:`SourceText` as a dict, the form the answer graph hands to the output check."""

    n: int
    text: NotRequired[str]
    source: NotRequired[str]


@dataclass(frozen=True)
class Verdict:
    """One check's outcome, kept with the turn for the audit log. ``reason`` never quotes the input."""

    check: str
    passed: bool
    action: str  # "pass", or the policy action taken: redact | fix | refuse | hand_over | log_only
    reason: str
    ms: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class GuardReport:
    """The overall result of the input or output checks."""

    action: OverallAction  # the most severe action taken
    text: str  # the text after redaction and fixes: what may go to the LLM, the log or Slack
    verdicts: list[Verdict]
    user_message: str | None = None  # plain words for the asker when refused or handed over

    def to_dict(self) -> dict[str, object]:
        """The report as the graph state stores it (verdicts as plain dicts)."""
        return {
            "action": self.action,
            "text": self.text,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "user_message": self.user_message,
        }

    @property
    def blocked(self) -> bool:
        return self.action in ("refuse", "hand_over")


@dataclass(frozen=True)
class Finding:
    """What a check function found. ``fixed`` is the repaired text when the check can repair it;
    ``escalate`` asks for a hand-over even when the policy action is a fix (e.g. too little survives)."""

    passed: bool
    reason: str = ""
    fixed: str | None = None
    escalate: bool = False


PASS = Finding(passed=True)


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at besides the text: the channel's policy and, for answers, the sources."""

    policy: ChannelPolicy
    stage: Stage = "input"
    sources: Sequence[SourceText] = field(default_factory=tuple)
    question: str = ""
    # On questions: does the knowledge base hold this name? A name it holds is the question's subject
    # ("What is Watson Assistant?", "the Prince of Wales"), not personal data, and is kept.
    known_name: Callable[[str], bool] | None = None

    @property
    def source_text(self) -> str:
        return "\n".join(s.text for s in self.sources)
