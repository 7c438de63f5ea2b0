"""Compile the IRI grammar of ``rfc3987_syntax`` when an IRI is first checked, not when jsonschema loads.

jsonschema registers its ``iri`` format checks by importing ``rfc3987_syntax`` whenever that package is
installed, and the package compiles a Lark grammar on import: 1.2-1.8 s on this machine, paid by every
process that imports chromadb or guardrails (both import jsonschema), i.e. by every ``keel`` command
that touches the knowledge base or the guards. Keel never validates an IRI itself. :func:`defer` puts a
stand-in for the package in ``sys.modules`` that forwards every attribute to the real module, importing
it (and compiling the grammar) on the first access after jsonschema's import, so a check that does run
behaves exactly as before. Called by the modules that open chromadb and guardrails, before they do.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

PACKAGE = "rfc3987_syntax"
HELPERS = f"{PACKAGE}.syntax_helpers"  # where the grammar is compiled (the package re-exports it)


def defer() -> None:
    """Install the stand-in, unless the package is already imported or not installed."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        return
    stand_in = importlib.util.module_from_spec(spec)  # created, not executed: its __path__ finds submodules

    def forward(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(HELPERS), name)

    def is_valid_syntax(term: str, value: str) -> bool:  # what jsonschema imports by name
        return bool(forward("is_valid_syntax")(term, value))

    vars(stand_in).update(__getattr__=forward, is_valid_syntax=is_valid_syntax)
    sys.modules[PACKAGE] = stand_in


def is_deferred() -> bool:
    """True while the grammar has not been compiled in this process."""
    module: ModuleType | None = sys.modules.get(PACKAGE)
    return module is not None and HELPERS not in sys.modules
