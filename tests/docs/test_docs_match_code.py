"""The README and docs/ describe the code as it is: every path they name exists, every setting is listed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# a path into the repository: bot/…, graphs/…; "tests/reliability/test_slack_*.py" names a family of files
PATH = re.compile(r"(?<![\w/.-])((?:bot|graphs|knowledge|config|benchmarks|tests|scripts)/[\w/.-]*\w)(\*)?")


def named_paths(text: str) -> list[tuple[str, bool]]:
    return [(m.group(1), bool(m.group(2))) for m in PATH.finditer(text)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_a_document_names_exists(doc: Path):
    missing = []
    for path, is_prefix in named_paths(doc.read_text(encoding="utf-8")):
        if is_prefix:
            found = any((ROOT / path).parent.glob(Path(path).name + "*"))
        else:
            found = (ROOT / path).exists() or (ROOT / f"{path}.py").exists()
        if not found:
            missing.append(path)
    assert not missing, f"{doc.name} names paths that do not exist: {sorted(set(missing))}"


def test_the_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unlisted = []
    for name, field in Settings.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", None) or [f"KEEL_{name.upper()}"]
        if not any(str(alias) in readme for alias in aliases):
            unlisted.append(aliases[0])
    assert not unlisted, f"README's configuration table misses {unlisted}"


def test_a_path_that_does_not_exist_is_caught():
    assert named_paths("see `graphs/sentences.py` and tests/reliability/test_slack_*.py") == [
        ("graphs/sentences.py", False),
        ("tests/reliability/test_slack_", True),
    ]
    assert not (ROOT / "graphs/sentences.py").exists()
