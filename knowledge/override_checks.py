"""Skip the ``overrides`` package's import-time checks, which chromadb runs on about 160 methods.

chromadb marks methods with ``@override`` (from the ``overrides`` package). At import, that decorator
disassembles the bytecode of each class body to find its base classes and compares the method's
signature with the one it overrides: 0.15-0.4 s of importing chromadb and opening a client on this
machine, about a fifth of ``keel sources``. The check can only fail on a chromadb release whose own
classes disagree, which then fails at import, not later; it changes nothing once the classes exist.
:func:`skip` swaps the decorator, before chromadb is imported, for one that only sets the
``__override__`` mark that ``EnforceOverrides`` classes read (so their check that every override is
marked still runs). What is lost: a marked method without a docstring no longer copies its base
method's (``inspect.getdoc`` still finds it). ``tests/knowledge/test_override_checks.py`` imports
chromadb with the checks (they pass) and without (the same methods are marked). Called by
:func:`knowledge.store._chromadb`, before chromadb is imported; no other library Keel loads uses
``overrides``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any, TypeVar

Method = TypeVar("Method", bound=Callable[..., Any])
MARK = "__override__"  # what EnforceOverrides reads


def mark_override(method: Method | None = None, **_options: bool) -> Any:
    """``@override`` and ``@override(check_signature=...)`` without the checks: the method, marked."""
    if method is None:
        return mark_override
    setattr(method, MARK, True)
    return method


def skip() -> None:
    """Replace the decorator everywhere chromadb imports it from (nothing if overrides is not installed)."""
    if importlib.util.find_spec("overrides") is None:
        return
    import overrides
    import overrides.overrides as module

    for namespace in (overrides, module):
        vars(namespace).update(override=mark_override, overrides=mark_override)
