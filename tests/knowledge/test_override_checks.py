"""chromadb is imported without the ``overrides`` package's import-time signature checks
(knowledge/override_checks.py). The checks pass on the installed chromadb, and skipping them marks the
same methods as overrides, so nothing but their time is saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.fresh_process import python_json

MARKED_METHODS = """
    import inspect, json, os, sys
    from knowledge import iri_grammar, override_checks
    if sys.argv[1] == "skip":
        override_checks.skip()
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    iri_grammar.defer()
    import chromadb  # with the checks on, a class whose override disagrees with its base raises here
    from knowledge.store import _chroma_settings
    client = chromadb.PersistentClient(path=sys.argv[2], settings=_chroma_settings())
    client.get_or_create_collection("probe").add(ids=["1"], embeddings=[[0.1, 0.2]], documents=["x"])
    marked = sorted(
        f"{name}.{cls.__qualname__}.{attr}"
        for name, module in list(sys.modules.items()) if name.startswith("chromadb")
        for cls in vars(module).values() if inspect.isclass(cls) and cls.__module__ == name
        for attr, value in vars(cls).items()
        if getattr(getattr(value, "__func__", getattr(value, "fget", value)), "__override__", False)
    )
    print(json.dumps(marked))
"""


def marked_methods(mode: str, path: Path) -> list[str]:
    return list(python_json(MARKED_METHODS, mode, str(path)))


def test_skipping_the_checks_marks_the_same_chromadb_methods_and_the_checks_pass(tmp_path: Path) -> None:
    checked = marked_methods("check", tmp_path / "checked")  # the checks ran and found nothing wrong
    skipped = marked_methods("skip", tmp_path / "skipped")
    assert len(checked) > 100
    assert skipped == checked


def test_keel_opens_chromadb_with_the_checks_skipped(keel_home: Path) -> None:
    code = (
        "import json, overrides\n"
        "from knowledge import store\n"
        "store._chromadb()\n"
        "from knowledge.override_checks import mark_override\n"
        "print(json.dumps(overrides.override is mark_override))\n"
    )
    env = {**os.environ, "KEEL_HOME": str(keel_home)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) is True
