"""Start-up stays fast because heavy libraries load only where they are used, and importing Keel changes
no environment variable. Checked in fresh processes through ``sys.modules`` and ``os.environ``, not by
timing (benchmarks/startup.py times it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fresh_process import python_json

# Each costs from a tenth of a second to over a second to import (guardrails with its grammar, 2 s).
HEAVY = ("chromadb", "onnxruntime", "guardrails", "langgraph", "langchain", "langchain_core", "bm25s", "wordfreq")


def run_python(code: str, keel_home: Path, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line last, which is returned."""
    return python_json(code, *args, env={"KEEL_HOME": str(keel_home)})


KEEL_COMMAND = """
    import json, sys
    from bot.cli import app
    sys.argv = ["keel", *sys.argv[1:]]
    try:
        app()
    except SystemExit as stop:
        assert not stop.code, stop.code
    heavy = HEAVY_NAMES
    print(json.dumps(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy})))
""".replace("HEAVY_NAMES", repr(HEAVY))


@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"], ["serve", "--help"], ["ingest", "--help"]])
def test_help_imports_no_heavy_library(args: list[str], keel_home: Path) -> None:
    assert run_python(KEEL_COMMAND, keel_home, *args) == []


def test_listing_sources_opens_chroma_and_nothing_else_heavy(keel_home: Path) -> None:
    # no embedder (onnxruntime), no guards, no graph: the store's collection is named without the model
    assert run_python(KEEL_COMMAND, keel_home, "sources", "--json") == ["chromadb"]


def test_importing_keel_changes_no_environment_variable(keel_home: Path) -> None:
    changed = run_python(
        """
        import json, os
        before = dict(os.environ)
        import bot.cli, bot.serving, config.settings, graphs.guards, graphs.guards.offline
        import knowledge.base, knowledge.embed, knowledge.store
        after = dict(os.environ)
        print(json.dumps(sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))))
        """,
        keel_home,
    )
    assert changed == []


def test_each_library_is_opened_with_its_telemetry_off_and_onnxruntime_only_by_the_embedder(
    keel_home: Path,
) -> None:
    found = run_python(
        """
        import json, os, sys
        from knowledge import store
        store._chromadb()
        chroma = os.environ.get("ANONYMIZED_TELEMETRY")
        from graphs.guards.offline import ENVIRONMENT, open_engine
        open_engine()
        guards = all(os.environ.get(k) == v for k, v in ENVIRONMENT.items())
        import graphs.agent  # the graph, langgraph and LangChain
        onnx_before_embedder = "onnxruntime" in sys.modules
        from knowledge.embed import default_embedder
        default_embedder()
        print(json.dumps([chroma, guards, onnx_before_embedder, os.environ.get("ORT_DISABLE_TELEMETRY")]))
        """,
        keel_home,
    )
    assert found == ["False", True, False, "1"]


def test_the_iri_grammar_compiles_only_when_an_iri_is_checked_and_checks_as_before(keel_home: Path) -> None:
    found = run_python(
        """
        import json
        from knowledge import iri_grammar, store
        store._chromadb()  # imports jsonschema, which registers the iri format checks
        deferred = iri_grammar.is_deferred()
        from jsonschema import Draft202012Validator as V
        iri = V({"type": "string", "format": "iri"}, format_checker=V.FORMAT_CHECKER)
        checks = [iri.is_valid("https://example.com/Ünïcode?q=1"), iri.is_valid("not an iri")]
        print(json.dumps([deferred, checks, iri_grammar.is_deferred()]))
        """,
        keel_home,
    )
    assert found == [True, [True, False], False]
