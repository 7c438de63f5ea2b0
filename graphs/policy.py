"""The policy file (``keel.toml``): what each guard does, per channel, and who handles hand-overs.

Admins change behaviour here without a redeploy: :func:`load_policy` validates the file (pydantic, every
table with ``extra="forbid"`` so a typo is an error, not a silently ignored key) and re-reads it when its
modification time changes. With no file, the defaults below apply.

Shape::

    admins = ["U123"]
    banned_topics = ["salaries of colleagues"]
    allowed_link_domains = ["example.com"]

    [guards.injection]          # one table per check: action + thresholds
    action = "refuse"

    [defaults]                  # channel settings for channels not listed below
    collections = ["default"]

    [channels.C0123456789]      # per-channel settings, keyed by Slack channel id (names change; ids don't)
    experts = ["S0HRTEAM"]
    [channels.C0123456789.guards.pii]
    action = "log_only"

    [handover]
    reminder_minutes = 30
    working_hours = "09:00-18:00"
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

Action = Literal["redact", "fix", "refuse", "hand_over", "log_only"]
PiiEntity = Literal["EMAIL", "PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "IP_ADDRESS", "PERSON", "ADDRESS"]
ALL_PII: list[PiiEntity] = [
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN",
    "IP_ADDRESS",
    "PERSON",
    "ADDRESS",
]
# Languages the language check accepts: high-resource languages the embedder and common LLMs handle well.
# Messages in other languages are refused by default because translated attacks slip past English-only
# checks (docs/guards.md); set [guards.language] enabled = false to accept every language.
DEFAULT_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "pl", "cyrillic", "cjk"]
DEFAULT_TOXIC_WORDS = [
    "fuck",
    "fucking",
    "shit",
    "bullshit",
    "asshole",
    "bitch",
    "bastard",
    "dickhead",
    "cunt",
]


class PolicyError(ValueError):
    """The policy file cannot be used; the message names the file and each problem with its key path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- one table per check -------------------------------------------------------------------------------
class CheckPolicy(_Strict):
    action: Action = Field(description="What to do when the check fails.")
    enabled: bool = Field(default=True, description="Set false to skip the check entirely.")


class LengthPolicy(CheckPolicy):
    action: Action = "refuse"
    max_chars: int = Field(default=4000, gt=0, description="Longest question accepted, in characters.")


class LanguagePolicy(CheckPolicy):
    action: Action = "refuse"
    allowed: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LANGUAGES),
        description="Language codes accepted (en de fr es it pt nl sv da no pl), scripts (cyrillic cjk arabic "
        "greek hebrew devanagari), and 'unknown' to accept text in unrecognised languages, whole or in part.",
    )


class InjectionPolicy(CheckPolicy):
    action: Action = "refuse"
    pattern_threshold: float = Field(
        default=1.0, gt=0, description="Summed weight of attack-pattern signals that flags a text on its own."
    )
    similarity_threshold: float = Field(
        default=0.55, ge=0, le=1, description="Cosine to the nearest library attack that flags a text."
    )
    margin: float = Field(
        default=0.12,
        ge=0,
        le=1,
        description="The nearest attack must beat the nearest benign example by this much.",
    )


class PiiPolicy(CheckPolicy):
    action: Action = "redact"
    entities: list[PiiEntity] = Field(default_factory=lambda: list(ALL_PII), description="Entity types checked.")


class SecretsPolicy(CheckPolicy):
    action: Action = "redact"


class TopicsPolicy(CheckPolicy):
    action: Action = "refuse"
    similarity_threshold: float = Field(
        default=0.62,
        ge=0,
        le=1,
        description="Cosine between the question and a topic that counts as a match.",
    )


class ReservedTopicsPolicy(TopicsPolicy):
    action: Action = "hand_over"


class ToxicityPolicy(CheckPolicy):
    action: Action = "log_only"
    words: list[str] = Field(default_factory=lambda: list(DEFAULT_TOXIC_WORDS), description="Banned words.")
    max_edit_distance: int = Field(default=0, ge=0, le=2, description="Fuzzy matching distance (0 = exact).")


class OutputToxicityPolicy(ToxicityPolicy):
    action: Action = "hand_over"


class GroundedPolicy(CheckPolicy):
    action: Action = "fix"
    lexical_threshold: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Share of a sentence's content words found in its sources: supported.",
    )
    lexical_floor: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Below this share a sentence is unsupported whatever its meaning.",
    )
    semantic_threshold: float = Field(
        default=0.62, ge=0, le=1, description="Cosine to a source sentence that supports a paraphrase."
    )
    min_supported: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="If fewer than this share of sentences are supported, hand over instead of fixing.",
    )


class CitationsPolicy(CheckPolicy):
    action: Action = "fix"


class OutputPiiPolicy(PiiPolicy):
    pass


class OutputSecretsPolicy(SecretsPolicy):
    pass


class PromptLeakPolicy(CheckPolicy):
    action: Action = "refuse"
    shingle_words: int = Field(default=8, ge=4, le=30, description="Words in a row shared with a prompt = a leak.")


class CredentialRequestsPolicy(CheckPolicy):
    """An answer asking the reader to send a password, a code, a card number or bank details somewhere
    (a planted phishing "policy"): handed over, never posted (graphs/guards/credential_requests.py)."""

    action: Action = "hand_over"


class SlackSafetyPolicy(CheckPolicy):
    action: Action = "fix"


class MarkupPolicy(CheckPolicy):
    action: Action = "fix"


class OutputLengthPolicy(CheckPolicy):
    action: Action = "fix"
    max_chars: int = Field(default=3500, gt=0, description="Longest answer posted, in characters.")


class DocumentInjectionPolicy(CheckPolicy):
    """At ingest, a document with a passage carrying instructions to an assistant: ``hand_over`` holds the
    whole document for an admin's review (stored, not answered from until approved); ``refuse`` stores it
    without the flagged passages; ``log_only`` stores them marked, and retrieval leaves them out."""

    action: Literal["hand_over", "refuse", "log_only"] = "hand_over"


class GuardsPolicy(_Strict):
    """Every check and its settings. Input checks run on the question, output checks on the draft."""

    length: LengthPolicy = LengthPolicy()
    language: LanguagePolicy = LanguagePolicy()
    injection: InjectionPolicy = InjectionPolicy()
    secrets: SecretsPolicy = SecretsPolicy()
    pii: PiiPolicy = PiiPolicy()
    banned_topics: TopicsPolicy = TopicsPolicy()
    reserved_topics: ReservedTopicsPolicy = ReservedTopicsPolicy()
    toxicity: ToxicityPolicy = ToxicityPolicy()
    slack_safety: SlackSafetyPolicy = SlackSafetyPolicy()
    markup: MarkupPolicy = MarkupPolicy()
    citations: CitationsPolicy = CitationsPolicy()
    grounded: GroundedPolicy = GroundedPolicy()
    output_secrets: OutputSecretsPolicy = OutputSecretsPolicy()
    output_pii: OutputPiiPolicy = OutputPiiPolicy()
    prompt_leak: PromptLeakPolicy = PromptLeakPolicy()
    credential_requests: CredentialRequestsPolicy = CredentialRequestsPolicy()
    output_toxicity: OutputToxicityPolicy = OutputToxicityPolicy()
    output_length: OutputLengthPolicy = OutputLengthPolicy()
    document_injection: DocumentInjectionPolicy = DocumentInjectionPolicy()


# -- channels --------------------------------------------------------------------------------------------
class ChannelSettings(_Strict):
    """What a channel does. Fields left unset in a ``[channels.<id>]`` table come from ``[defaults]``."""

    collections: list[str] | None = Field(default=None, description="Collections searched; None = all.")
    auto_answer: bool = Field(default=True, description="Answer without being mentioned.")
    experts: list[str] = Field(default_factory=list, description="User ids (U...) or user-group ids (S...).")
    backup_experts: list[str] = Field(default_factory=list, description="Asked when the experts do not reply.")
    tone: str = Field(
        default="neutral",
        description="Tone of model-written answers, e.g. 'neutral', 'friendly', 'formal' (a few words).",
    )
    reserved_topics: list[str] = Field(default_factory=list, description="Topics that always go to a human.")
    escalation_channel: str | None = Field(default=None, description="Channel id where hand-overs are posted.")
    banned_topics: list[str] | None = Field(default=None, description="Replaces the top-level list if set.")
    allowed_link_domains: list[str] | None = Field(default=None, description="Replaces the top-level list if set.")

    @field_validator("tone")
    @classmethod
    def _tone(cls, value: str) -> str:
        return _plain_tone(value)

    @field_validator("experts", "backup_experts")
    @classmethod
    def _slack_ids(cls, ids: list[str]) -> list[str]:
        return _slack_user_ids(ids)


class ChannelOverride(_Strict):
    """A ``[channels.<id>]`` table: the channel settings it sets (``None``: from ``[defaults]``) plus partial
    guard tables merged over ``[guards]``. Its own model, not a subclass of :class:`ChannelSettings`: every
    field here may be unset, which a subclass could not say of a field typed ``bool`` or ``list``."""

    collections: list[str] | None = None
    auto_answer: bool | None = None
    experts: list[str] | None = None
    backup_experts: list[str] | None = None
    tone: str | None = None
    reserved_topics: list[str] | None = None
    escalation_channel: str | None = None
    banned_topics: list[str] | None = None
    allowed_link_domains: list[str] | None = None
    guards: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("tone")
    @classmethod
    def _tone(cls, value: str | None) -> str | None:
        return None if value is None else _plain_tone(value)

    @field_validator("experts", "backup_experts")
    @classmethod
    def _slack_ids(cls, ids: list[str] | None) -> list[str] | None:
        return None if ids is None else _slack_user_ids(ids)


def _plain_tone(value: str) -> str:
    # The tone goes into the model's instructions: a few plain words, never a paragraph of prompt.
    if not re.fullmatch(r"[A-Za-z][A-Za-z ,'-]{0,39}", value.strip()):
        raise ValueError("use a few plain words (letters, spaces, commas; at most 40 characters), e.g. 'friendly'")
    return value.strip()


def _slack_user_ids(ids: list[str]) -> list[str]:
    for value in ids:
        if not re.fullmatch(r"[USW][A-Z0-9]{2,}", value):
            raise ValueError(f"{value!r} is not a Slack user id (U...) or user-group id (S...)")
    return ids


class HandoverPolicy(_Strict):
    reminder_minutes: int = Field(default=30, gt=0, description="Remind the experts after this many minutes.")
    working_hours: str = Field(default="09:00-18:00", description="Local hours when experts are pinged.")

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)", value.strip())
        if not match or match.group(1, 2) >= match.group(3, 4):
            raise ValueError("use 'HH:MM-HH:MM' with the start before the end, e.g. '09:00-18:00'")
        return value.strip()


class ChannelPolicy(_Strict):
    """The merged policy for one channel: what check_input / check_output and the hand-over use."""

    channel_id: str | None
    guards: GuardsPolicy
    collections: list[str] | None
    auto_answer: bool
    experts: list[str]
    backup_experts: list[str]
    tone: str
    reserved_topics: list[str]
    escalation_channel: str | None
    banned_topics: list[str]
    allowed_link_domains: list[str]
    admins: list[str]
    handover: HandoverPolicy


class Policy(_Strict):
    admins: list[str] = Field(default_factory=list, description="User ids allowed to run admin commands.")
    banned_topics: list[str] = Field(default_factory=list, description="Topics Keel refuses everywhere.")
    allowed_link_domains: list[str] = Field(
        default_factory=list, description="Domains answers may link to (subdomains included)."
    )
    guards: GuardsPolicy = GuardsPolicy()
    defaults: ChannelSettings = ChannelSettings()
    channels: dict[str, ChannelOverride] = Field(default_factory=dict)
    handover: HandoverPolicy = HandoverPolicy()
    source: str = Field(default="(defaults)", description="Where this policy was read from.", exclude=True)
    _merged: dict[str, ChannelPolicy] = PrivateAttr(default_factory=dict)
    _default: ChannelPolicy | None = PrivateAttr(default=None)

    @field_validator("channels")
    @classmethod
    def _channel_ids(cls, channels: dict[str, ChannelOverride]) -> dict[str, ChannelOverride]:
        for channel_id in channels:
            if not re.fullmatch(r"[CDG][A-Z0-9]{2,}", channel_id):
                raise ValueError(f"{channel_id!r} is not a Slack channel id (C..., G... or D...); use ids, not names")
        return channels

    def model_post_init(self, _: Any) -> None:
        # Merge every channel once now, so a bad override fails at load time rather than mid-conversation.
        self._merged = {channel_id: self._merge(channel_id) for channel_id in self.channels}
        self._default = self._merge(None)

    def for_channel(self, channel_id: str | None) -> ChannelPolicy:
        """The merged settings for a channel; unknown channels (and ``None``) get the defaults."""
        return self._merged.get(channel_id or "") or self._default or self._merge(None)

    def _merge(self, channel_id: str | None) -> ChannelPolicy:
        override = self.channels.get(channel_id or "")
        base = self.defaults.model_dump()
        guards = self.guards
        if override is not None:
            base.update({k: v for k, v in override.model_dump(exclude={"guards"}).items() if v is not None})
            if override.guards:
                guards = _merge_guards(self.guards, override.guards, channel_id or "")
        return ChannelPolicy(
            channel_id=channel_id,
            guards=guards,
            collections=base["collections"],
            auto_answer=base["auto_answer"],
            experts=base["experts"],
            backup_experts=base["backup_experts"],
            tone=base["tone"],
            reserved_topics=base["reserved_topics"],
            escalation_channel=base["escalation_channel"],
            banned_topics=base["banned_topics"] if base["banned_topics"] is not None else self.banned_topics,
            allowed_link_domains=(
                base["allowed_link_domains"] if base["allowed_link_domains"] is not None else self.allowed_link_domains
            ),
            admins=self.admins,
            handover=self.handover,
        )


def _merge_guards(base: GuardsPolicy, override: dict[str, dict[str, Any]], channel_id: str) -> GuardsPolicy:
    data = base.model_dump()
    for check, values in override.items():
        if check not in data:
            raise ValueError(f"channels.{channel_id}.guards.{check}: unknown check (known: {', '.join(data)})")
        data[check] = {**data[check], **values}
    try:
        return GuardsPolicy.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_describe(exc, prefix=f"channels.{channel_id}.guards.")) from None


# -- loading ---------------------------------------------------------------------------------------------
def parse_policy(text: str, source: str = "<string>") -> Policy:
    """Validate policy TOML; raise :class:`PolicyError` listing every problem with its key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise PolicyError(f"{source}: invalid policy:\n{_describe(exc)}") from None
    except ValueError as exc:  # raised while merging channel overrides
        raise PolicyError(f"{source}: invalid policy:\n  {exc}") from None


def _describe(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for error in exc.errors():
        where = prefix + ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ").strip()
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/guards.md for every key)"
        lines.append(f"  {where}: {message}" if where else f"  {message}")
    return "\n".join(lines)


class _PolicyCache:
    """Remembers the last policy per path with the file's (mtime, size), so edits are picked up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[tuple[int, int], Policy]] = {}

    def get(self, path: Path) -> Policy:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise PolicyError(f"{path}: policy file not found (KEEL_POLICY points here)") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._entries.get(path)
            if cached and cached[0] == stamp:
                return cached[1]
        policy = parse_policy(path.read_text(encoding="utf-8"), source=str(path))
        with self._lock:
            self._entries[path] = (stamp, policy)
        return policy


_CACHE = _PolicyCache()
DEFAULT_POLICY = Policy()
# Where a running Keel gets its policy: called at each use, so an edited file is picked up (graphs.context).
PolicySource = Callable[[], Policy]


def load_policy(path: Path | str | None) -> Policy:
    """The policy at ``path`` (``Settings.policy``), re-read when the file changes; the defaults when
    ``path`` is None. The caller says which file: nothing here reads the environment.

    Raises :class:`PolicyError` with a readable list of problems when the file is invalid.
    """
    if path is None:
        return DEFAULT_POLICY
    return _CACHE.get(Path(path).expanduser().resolve())


def default_policy() -> Policy:
    """A :data:`PolicySource` for the built-in defaults (no policy file)."""
    return DEFAULT_POLICY
