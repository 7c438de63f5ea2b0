"""Keep guardrails-ai and its dependencies offline and private, without the user's help.

Found by reading guardrails-ai 0.11 and watching its sockets:
- hub telemetry (OpenTelemetry spans to an AWS endpoint) is on unless ``~/.guardrailsrc`` says
  ``enable_metrics=false``; every ``Guard()`` re-reads that file. We make ``RC.load`` return an rc with
  metrics and remote inference off (keeping the user's token, if any), and disable the OTel SDK;
- ``import guardrails`` with nltk installed downloads ``punkt``: we make ``nltk.download`` a no-op;
- LiteLLM fetches a model cost map on import unless ``LITELLM_LOCAL_MODEL_COST_MAP=True``;
- concurrent ``fix`` validators were seen to merge their fixes wrongly: ``GUARDRAILS_RUN_SYNC=true``.
We do not touch ``~/.guardrailsrc``. This module sets the environment when guardrails is first opened
(:func:`open_engine`, nothing happens at import); the rc override lives in :mod:`graphs.guards.engine`,
the only module that imports guardrails. A test proves that building and running the guards connects
nowhere.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from typing import TYPE_CHECKING, Protocol

from knowledge import iri_grammar

if TYPE_CHECKING:
    from graphs.guards.types import CheckContext, GuardReport, Stage
    from graphs.policy import ChannelPolicy

log = logging.getLogger(__name__)

ENVIRONMENT = {
    "OTEL_SDK_DISABLED": "true",
    "GUARDRAILS_RUN_SYNC": "true",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def prepare_environment() -> None:
    """Set before guardrails is imported. Values are forced: these are not the user's to turn back on."""
    os.environ.update(ENVIRONMENT)
    if importlib.util.find_spec("nltk") is not None:
        import nltk

        def _no_download(*args: object, **kwargs: object) -> bool:
            log.info("guards: refused an nltk download (%s); Keel runs offline", args[:1])
            return False

        nltk.download = _no_download


class GuardEngine(Protocol):
    """What the guards use of :mod:`graphs.guards.engine` (the module itself satisfies it)."""

    def run(self, text: str, context: CheckContext) -> GuardReport: ...

    def guard_for(self, stage: Stage, policy: ChannelPolicy) -> object: ...


def open_engine() -> GuardEngine:
    """:mod:`graphs.guards.engine`, the guardrails side of the guards, imported on first use (about a
    second) with the environment above set first. Every use of the engine goes through here."""
    prepare_environment()
    iri_grammar.defer()  # jsonschema, imported by guardrails, would compile a grammar Keel never uses
    from graphs.guards import engine

    return engine
