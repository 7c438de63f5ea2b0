"""Validate the handbook benchmark questions against the sample handbook Keel ingests.

    python benchmarks/data/check_handbook_questions.py [path/to/questions.jsonl]

Checks: one JSON object per line, required fields and types, unique ids, the minimum counts (total,
answerable, unanswerable, near misses, thread follow-ups), no file holding more than 15% of the
questions, that every ``source`` / ``near_miss_source`` is an ingested file in knowledge/samples, and
that every key fact appears in its source's text as Keel's own loader extracts it (case, whitespace,
``**`` and backticks ignored). Exits 1 and lists the problems if anything fails.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(REPO))

from knowledge.loaders import discover, load  # noqa: E402

QUESTIONS = Path(__file__).with_name("handbook_questions.jsonl")
SAMPLES = REPO / "knowledge" / "samples"
KINDS = {"fact", "table", "howto", "policy", "followup", "near_miss", "off_topic"}
REQUIRED = {"id": str, "question": str, "thread": list, "answerable": bool, "key_facts": list, "kind": str}
MINIMUM = {"total": 150, "answerable": 110, "unanswerable": 40, "near_miss": 15, "thread": 15}
MAX_SHARE_PER_FILE = 0.15


def normalise(text: str) -> str:
    """Lower-case, without Markdown emphasis and code marks, whitespace collapsed to single spaces."""
    return " ".join(text.replace("**", "").replace("`", "").casefold().split())


def handbook_texts() -> dict[str, str]:
    """File name -> normalised text of every file Keel ingests from the samples (``_build`` is skipped)."""
    paths, errors = discover([str(SAMPLES)])
    if errors:
        raise SystemExit(f"cannot list the samples: {errors}")
    texts: dict[str, str] = {}
    for path in paths:
        name = Path(path).name
        if name in texts:
            raise SystemExit(f"two sample files are called {name}; sources would be ambiguous")
        texts[name] = normalise(" ".join(doc.text for doc in load(path)))
    return texts


def check_row(row: dict[str, Any], texts: dict[str, str]) -> list[str]:
    problems = [
        f"{name} missing or not {kind.__name__}"
        for name, kind in REQUIRED.items()
        if not isinstance(row.get(name), kind)
    ]
    if problems:
        return problems
    if not re.fullmatch(r"hb-\d{3}", str(row["id"])):
        problems.append("id must look like hb-001")
    if row["kind"] not in KINDS:
        problems.append(f"unknown kind {row['kind']!r}")
    thread, facts, source = row["thread"], row["key_facts"], row.get("source")
    if not all(isinstance(turn, str) and turn.strip() for turn in thread):
        problems.append("thread must be a list of non-empty strings")
    if (row["kind"] == "followup") != bool(thread):
        problems.append("kind 'followup' and a non-empty thread go together")
    near = row.get("near_miss_source")
    if near is not None and near not in texts:
        problems.append(f"near_miss_source {near!r} is not an ingested sample file")
    if not row["answerable"]:
        if source is not None or facts:
            problems.append("unanswerable questions have source null and no key facts")
        return problems
    if row["kind"] in {"near_miss", "off_topic"}:
        problems.append("answerable questions cannot be near_miss or off_topic")
    if source not in texts:
        return [*problems, f"source {source!r} is not an ingested sample file"]
    if not 1 <= len(facts) <= 3 or not all(isinstance(fact, str) and fact.strip() for fact in facts):
        return [*problems, "answerable questions need 1 to 3 non-empty key facts"]
    problems += [f"key fact {fact!r} not found in {source}" for fact in facts if normalise(fact) not in texts[source]]
    return problems


def main(path: Path = QUESTIONS) -> int:
    texts = handbook_texts()
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {number}: not a JSON object")
            continue
        rows.append(row)
        problems += [f"line {number} ({row.get('id')}): {problem}" for problem in check_row(row, texts)]

    ids = Counter(row.get("id") for row in rows)
    problems += [f"id {row_id} used {n} times" for row_id, n in ids.items() if n > 1]
    counts = {
        "total": len(rows),
        "answerable": sum(row.get("answerable") is True for row in rows),
        "unanswerable": sum(row.get("answerable") is False for row in rows),
        "near_miss": sum(row.get("kind") == "near_miss" for row in rows),
        "thread": sum(bool(row.get("thread")) for row in rows),
    }
    problems += [
        f"only {counts[name]} {name} questions, need {least}" for name, least in MINIMUM.items() if counts[name] < least
    ]
    per_file = Counter(str(row.get("source") or row.get("near_miss_source")) for row in rows)
    per_file.pop("None", None)
    limit = MAX_SHARE_PER_FILE * len(rows)
    problems += [f"{name} has {n} questions, more than 15%" for name, n in per_file.items() if n > limit]

    print(", ".join(f"{name}: {n}" for name, n in counts.items()))
    print("by kind:", ", ".join(f"{kind}: {n}" for kind, n in sorted(Counter(row.get("kind") for row in rows).items())))
    print(
        f"files covered: {len(per_file)} of {len(texts)}; most questions on one file: {max(per_file.values(), default=0)}"
    )
    for problem in problems:
        print("PROBLEM:", problem)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS))
