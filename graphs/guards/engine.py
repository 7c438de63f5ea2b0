"""The only module that imports guardrails-ai: validators, guards, and turning a run into verdicts.

Keel's own checks (:mod:`graphs.guards.checks`) are registered as guardrails validators (``keel/<check>``);
the hub validators published as packages are used where they fit: ``guardrails/valid_length`` (length
limits, cutting answers at a sentence end), ``guardrails/ban_list`` (toxic words), ``guardrails/web_sanitization`` (HTML in answers, narrowed
to real tags so Slack's ``<url|label>`` syntax passes). One ``Guard().use(...)`` per stage and policy,
built once and cached; validators run in order (``GUARDRAILS_RUN_SYNC``) so each fix sees the last one's
output. Policy actions map to ``on_fail``: redact/fix -> FIX, the rest -> NOOP, and the most severe
failing action decides the turn. Opened through :func:`graphs.guards.offline.open_engine`, which sets the
offline environment before guardrails is imported.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bleach
from guardrails import Guard, OnFailAction
from guardrails import logger as guardrails_logger
from guardrails.classes.rc import RC
from guardrails.settings import settings as guardrails_settings
from guardrails.validator_base import (
    ErrorSpan,
    FailResult,
    PassResult,
    ValidationResult,
    Validator,
    register_validator,
)
from guardrails_ai.ban_list.main import BanList
from guardrails_ai.valid_length.main import ValidLength
from guardrails_ai.web_sanitization.main import WebSanitization

from graphs.guards.banned_words import find_banned, without_banned
from graphs.guards.checks import INPUT_CHECKS, OUTPUT_CHECKS, Check
from graphs.guards.messages import user_message
from graphs.guards.types import CheckContext, GuardReport, OverallAction, Stage, Verdict
from graphs.policy import (
    ChannelPolicy,
    CheckPolicy,
    GuardsPolicy,
    LengthPolicy,
    OutputLengthPolicy,
    ToxicityPolicy,
)

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", module=r"guardrails.*")


# -- offline rc ---------------------------------------------------------------------------------------
def _pin_offline_rc() -> None:
    """Every rc guardrails loads (each ``Guard()`` reloads it) has metrics and remote inference off."""
    original = RC.load.__func__
    if getattr(original, "_keel_offline", False):
        return

    def offline_load(cls: type[RC], logger: logging.Logger | None = None) -> RC:
        rc = original(cls, logger)
        rc.enable_metrics = False
        rc.use_remote_inferencing = False
        return rc

    offline_load._keel_offline = True  # type: ignore[attr-defined]  # a mark on our own function, read above
    RC.load = classmethod(offline_load)
    guardrails_settings.rc = RC.load()
    # Local OTel spans would carry every question and answer (and cost ~10 ms a call serialising them).
    guardrails_settings.disable_tracing = True


_pin_offline_rc()
# The hub's length validator logs every text it checks at DEBUG ("Validating <text> is in length range"),
# passwords and keys included, and guardrails' own handler keeps every record in memory: INFO and up only.
guardrails_logger.set_level(logging.INFO)


# -- validators -----------------------------------------------------------------------------------------
def _keel_validator(name: str, check: Check) -> type[Validator]:
    """A guardrails validator ``keel/<name>`` around one of our check functions."""

    class KeelValidator(Validator):
        def validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
            finding = check(value, metadata["keel_context"])
            if finding.passed:
                return PassResult()
            return FailResult(
                error_message=finding.reason,
                fix_value=finding.fixed if finding.fixed is not None else value,
                # guardrails hands a result's metadata to the next validator: keep the run's metadata in it
                metadata={**metadata, "escalate": finding.escalate},
            )

    KeelValidator.__name__ = KeelValidator.__qualname__ = "Keel" + "".join(p.title() for p in name.split("_"))
    return register_validator(name=f"keel/{name}", data_type="string")(KeelValidator)


VALIDATORS: dict[str, type[Validator]] = {
    name: _keel_validator(name, check) for name, check in {**INPUT_CHECKS, **OUTPUT_CHECKS}.items()
}
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?\s*>")


@register_validator(name="keel/markup", data_type="string")
class SlackAwareWebSanitization(WebSanitization):
    """The hub's bleach-based sanitiser, limited to real HTML tags; the fix strips tags, keeps the text."""

    def validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        if not _HTML_TAG.search(value):
            return PassResult()  # '&' and Slack's <url|label>, <@U123>, <!date> are not web injection
        tags = len(_HTML_TAG.findall(value))
        cleaned = html.unescape(bleach.clean(value, tags=set(), strip=True, strip_comments=True))
        return FailResult(error_message=f"{tags} HTML tag(s) removed", fix_value=cleaned)


@register_validator(name="keel/length", data_type="string")
class LengthLimit(ValidLength):
    """The hub's length check; the fix cuts at the last sentence end that fits instead of mid-word."""

    def validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        result = super().validate(value, metadata)
        if isinstance(result, FailResult) and self._max is not None and len(value) > self._max:
            head = value[: self._max]
            cut = max(head.rfind(". "), head.rfind(".\n"), head.rfind("? "), head.rfind("! "))
            result.fix_value = (head[: cut + 1] if cut > self._max // 2 else head.rsplit(" ", 1)[0]) + " …"
            result.error_message = f"{len(value)} characters, longer than {self._max}"
        return result


class ToxicWords(BanList):
    """The hub's ban list, matching whole words (and spelled-out or leetspeak ones) instead of searching the
    text with its spaces deleted ("was hit" is not "shit"); the reason names how many words matched, not which."""

    def validate(self, value: Any, metadata: dict[str, Any] = {}) -> ValidationResult:  # noqa: B006
        matches = find_banned(str(value), self._banned_words, self._max_l_dist)
        if not matches:
            return PassResult()
        spans = [ErrorSpan(start=m.start, end=m.end, reason="banned word") for m in matches]
        return FailResult(
            error_message=f"{len(matches)} banned word(s)", error_spans=spans, fix_value=without_banned(value, matches)
        )


# -- building guards --------------------------------------------------------------------------------
# Secrets are masked first, so that no later check (nor its reason) works on a pasted key, and a random-looking
# token is not taken for words of an unknown language.
INPUT_ORDER = ["length", "secrets", "language", "pii", "injection", "banned_topics", "reserved_topics", "toxicity"]
# Leaks, secrets, personal data and toxicity are judged on the draft as written (so the audit log shows
# them even when the grounding fix would have dropped the sentence); the length cut comes last.
OUTPUT_ORDER = [
    "prompt_leak",
    "credential_requests",
    "output_secrets",
    "output_pii",
    "output_toxicity",
    "slack_safety",
    "markup",
    "citations",
    "grounded",
    "output_length",
]
FIXING_ACTIONS = ("redact", "fix")
# A check's action as the report's: both fixing actions read "redact".
OVERALL_ACTION: dict[str, OverallAction] = {
    "pass": "pass",
    "log_only": "log_only",
    "redact": "redact",
    "fix": "redact",
    "hand_over": "hand_over",
    "refuse": "refuse",
}


def _on_fail(action: str) -> OnFailAction:
    return OnFailAction.FIX if action in FIXING_ACTIONS else OnFailAction.NOOP


def _make_validator(name: str, config: CheckPolicy) -> Validator:
    on_fail = _on_fail(config.action)
    # Told apart by their settings' type: length and output_length, toxicity and output_toxicity (a subclass).
    if isinstance(config, LengthPolicy | OutputLengthPolicy):
        return LengthLimit(max=config.max_chars, on_fail=on_fail)
    if isinstance(config, ToxicityPolicy):
        return ToxicWords(banned_words=config.words, max_l_dist=config.max_edit_distance, on_fail=on_fail)
    if name == "markup":
        return SlackAwareWebSanitization(on_fail=on_fail)
    return VALIDATORS[name](on_fail=on_fail)


@dataclass
class BuiltGuard:
    guard: Guard
    checks: dict[int, str]  # validator instance id -> check name
    lock: threading.Lock


_guards: dict[tuple[Stage, str], BuiltGuard] = {}
_build_lock = threading.Lock()


def _enabled(stage: Stage, guards: GuardsPolicy, policy: ChannelPolicy) -> list[str]:
    order = INPUT_ORDER if stage == "input" else OUTPUT_ORDER
    names = [n for n in order if getattr(guards, n).enabled]
    # topic checks with no topics, or toxicity with no words, would only cost time
    if not policy.banned_topics:
        names = [n for n in names if n != "banned_topics"]
    if not policy.reserved_topics:
        names = [n for n in names if n != "reserved_topics"]
    return [n for n in names if not (n.endswith("toxicity") and not getattr(guards, n).words)]


def guard_for(stage: Stage, policy: ChannelPolicy) -> BuiltGuard:
    """The cached guard for this stage and these check settings (channels with equal settings share one)."""
    names = _enabled(stage, policy.guards, policy)
    key = (stage, policy.guards.model_dump_json() + "|" + ",".join(names))
    built = _guards.get(key)
    if built is not None:
        return built
    with _build_lock:
        built = _guards.get(key)
        if built is None:
            validators = [(name, _make_validator(name, getattr(policy.guards, name))) for name in names]
            guard = Guard(name=f"keel-{stage}").use(*(v for _, v in validators))
            built = BuiltGuard(guard, {id(v): name for name, v in validators}, threading.Lock())
            _guards[key] = built
    return built


# -- running --------------------------------------------------------------------------------------------
SEVERITY: dict[str, int] = {"pass": 0, "log_only": 1, "redact": 2, "fix": 2, "hand_over": 3, "refuse": 4}


def run(text: str, context: CheckContext) -> GuardReport:
    """Run every enabled check of ``context.stage`` on ``text``; never raises (a crash hands over)."""
    try:
        built = guard_for(context.stage, context.policy)
        with built.lock:  # the guard's history is shared state; one validation at a time per guard
            outcome = built.guard.validate(text, metadata={"keel_context": context})
            logs = list(built.guard.history.last.iterations.last.validator_logs)
    except Exception as exc:  # noqa: BLE001 - a broken check must not answer unguarded
        log.exception("guards: %s checks failed", context.stage)
        verdict = Verdict(
            "guard_error", False, "hand_over", f"the {context.stage} checks failed: {type(exc).__name__}", 0.0
        )
        return GuardReport("hand_over", text, [verdict], user_message("guard_error", "hand_over", context))
    verdicts = [_verdict(entry, built, context) for entry in logs]
    # After a NOOP failure guardrails returns no validated output; the last log holds the fixed text.
    final = logs[-1].value_after_validation if logs else outcome.validated_output
    final = final if isinstance(final, str) else text
    return _report(final.strip() if final != text else final, verdicts, context)


def _verdict(entry: Any, built: BuiltGuard, context: CheckContext) -> Verdict:
    name = built.checks.get(entry.instance_id, entry.registered_name)
    result = entry.validation_result
    ms = round((entry.end_time - entry.start_time).total_seconds() * 1000, 2) if entry.end_time else 0.0
    if result is None or result.outcome == "pass":
        return Verdict(name, True, "pass", "", ms)
    action = getattr(context.policy.guards, name).action
    reason = result.error_message or "failed"
    if action in FIXING_ACTIONS and (result.metadata or {}).get("escalate"):
        action, reason = "hand_over", reason + "; too little left after the fix"
    return Verdict(name, False, action, reason, ms)


def _report(final: str, verdicts: list[Verdict], context: CheckContext) -> GuardReport:
    worst = max(verdicts, key=lambda v: SEVERITY[v.action], default=None)
    action: OverallAction = "pass" if worst is None else OVERALL_ACTION[worst.action]
    message = user_message(worst.check, action, context) if worst and action in ("refuse", "hand_over") else None
    return GuardReport(action, final, verdicts, message)


def reset() -> None:
    """Forget built guards (tests that change validators or settings)."""
    with _build_lock:
        _guards.clear()


def built_guards() -> Sequence[str]:
    return [f"{stage}:{len(b.checks)} checks" for (stage, _), b in _guards.items()]
