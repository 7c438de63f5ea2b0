"""Shared helpers for the benchmark scripts: evaluation data, splits, machine info, result files.

The evaluation data is public, third-party data kept outside the repository in ``../shared/data``
(resolved relative to the repository, overridable with ``KEEL_BENCH_DATA``). It is never downloaded:
when it is missing the scripts stop with a message that says where they looked.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from knowledge.types import Chunk

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
DEFAULT_DATA = REPO.parent / "shared" / "data"


def data_dir() -> Path:
    """The evaluation data folder, or exit with a clear message if it is not there."""
    folder = Path(os.environ.get("KEEL_BENCH_DATA") or DEFAULT_DATA).resolve()
    needed = [folder / "qa" / "clapnq" / "answerable.jsonl", folder / "qa" / "covid_faq" / "faq_covidbert.csv"]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        sys.exit(
            f"Evaluation data not found: {', '.join(str(p) for p in missing)}.\n"
            f"The benchmarks read the shared data set from {DEFAULT_DATA} (a folder 'shared/data' beside the "
            "repository). Put it there, or point KEEL_BENCH_DATA at a folder holding qa/clapnq and "
            "qa/covid_faq. Nothing is downloaded."
        )
    return folder


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    gold: frozenset[str]  # chunk ids that count as the right answer (identical duplicates included)


@dataclass(frozen=True)
class EvalSet:
    name: str
    chunks: list[Chunk]
    questions: list[Question]


def _chunk(chunk_id: str, text: str, source: str, title: str, section: str, collection: str) -> Chunk:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Chunk(chunk_id, text, source, title, section, collection, digest, 0)


def _jsonl(path: Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_clapnq(folder: Path) -> EvalSet:
    """All 600 passages (answerable and unanswerable rows) as knowledge; the 300 answerable questions.

    Gold is the question's own passage. Three passages appear twice with identical title and text; a
    question counts as found when either copy is retrieved, since they cannot be told apart.
    """
    base = folder / "qa" / "clapnq"
    answerable_rows = _jsonl(base / "answerable.jsonl")
    rows = answerable_rows + _jsonl(base / "unanswerable.jsonl")
    answerable = {row["id"] for row in answerable_rows}
    chunks, by_content = [], {}
    for row in rows:
        passage = row["passages"][0]
        chunk_id = f"clapnq-{row['id']}"
        chunks.append(_chunk(chunk_id, passage["text"].strip(), f"clapnq/{row['id']}", passage["title"], "", "clapnq"))
        by_content.setdefault((passage["title"], passage["text"].strip()), set()).add(chunk_id)
    questions = []
    for row in rows:
        if row["id"] in answerable:
            passage = row["passages"][0]
            gold = frozenset(by_content[(passage["title"], passage["text"].strip())])
            questions.append(Question(row["id"], row["input"], gold))
    return EvalSet("clapnq", chunks, questions)


def load_covid_faq(folder: Path) -> EvalSet:
    """The 213 FAQ entries as knowledge (one chunk each: the FAQ page name as title, the question as
    its section, the answer as text, as a Markdown FAQ with one heading per question would be chunked);
    the paraphrases marked similar=1 as questions, gold = the entry whose question they reword."""
    base = folder / "qa" / "covid_faq"
    with open(base / "faq_covidbert.csv", newline="") as f:
        entries = list(csv.DictReader(f))
    chunks, by_question = [], {}
    for n, entry in enumerate(entries):
        chunk_id = f"covid-{n:03d}"
        question = entry["question"].strip()
        chunks.append(_chunk(chunk_id, entry["answer"].strip(), entry["link"], entry["name"], question, "covid"))
        by_question.setdefault(question, set()).add(chunk_id)
    with open(base / "eval_question_similarity_en.csv", newline="") as f:
        pairs = [p for p in csv.DictReader(f) if p["similar"].strip() == "1"]
    questions = [
        Question(f"covid-q{n:03d}", p["question_2"].strip(), frozenset(by_question[p["question_1"].strip()]))
        for n, p in enumerate(pairs)
    ]
    return EvalSet("covid_faq", chunks, questions)


def is_tune(qid: str) -> bool:
    """A fixed split by a hash of the question id: about half the questions tune, the rest report."""
    return hashlib.sha256(qid.encode()).digest()[0] % 2 == 0


def split(questions: list[Question]) -> tuple[list[Question], list[Question]]:
    tune = [q for q in questions if is_tune(q.qid)]
    report = [q for q in questions if not is_tune(q.qid)]
    return tune, report


@contextmanager
def temporary_home() -> Iterator[Path]:
    """A throwaway KEEL_HOME so a benchmark never touches real data."""
    from config.settings import get_settings

    previous = os.environ.get("KEEL_HOME")
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as home:
        os.environ["KEEL_HOME"] = home
        os.environ.pop("KEEL_CHROMA_URL", None)
        get_settings(fresh=True)
        try:
            yield Path(home)
        finally:
            if previous is None:
                os.environ.pop("KEEL_HOME", None)
            else:
                os.environ["KEEL_HOME"] = previous
            get_settings(fresh=True)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    values = np.asarray(samples_ms)
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "mean_ms": round(float(values.mean()), 2),
        "n": len(samples_ms),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str | None:
    """A read-only git query, or None outside a checkout."""
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def machine_info() -> dict[str, object]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "git_commit": (_git("rev-parse", "HEAD") or "unknown").strip(),
        "git_uncommitted_changes": bool((_git("status", "--porcelain") or "").strip()),
        "packages": {p: _version(p) for p in ("chromadb", "bm25s", "onnxruntime", "tokenizers", "numpy", "PyStemmer")},
    }


def write_results(name: str, payload: dict[str, object]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
