"""The labelled data sets the evidence judge is fitted and measured on, each with its own knowledge base.

Four sets from different worlds, so that a judge fitted on some is measured on one it never saw:
- **clapnq**: 600 Wikipedia questions, half unanswerable (their passage looks relevant but does not
  answer); one chunk per passage; reference answers (``output``).
- **mtrag_dev**: 152 labelled last turns of multi-turn conversations over government pages, cloud docs,
  finance Q&A and Wikipedia (145 answerable or partial, 7 unanswerable); 350 passages chunked as
  ingestion chunks them; reference answers. The question is judged as the graph reads it in its thread
  (benchmarks/conversation.py measures the whole replay).
- **covid_faq**: paraphrased questions against a helpdesk FAQ (one chunk per entry). A third of the
  FAQ questions are left *out* of the knowledge base (chosen by a hash of the question), with every
  other page's entry asking the same thing (question cosine >= 0.8, or the same answer), so their
  paraphrases are unanswerable near misses: the FAQ still covers the topic. Gold for an answerable
  paraphrase is every kept entry asking the same.
- **handbook**: benchmarks/data/handbook_questions.jsonl over the bundled sample handbook (written
  before the judge was refitted; see benchmarks/data/README.md), with key facts.

Every question has a fixed fit/report half (benchmarks/common.py:is_tune). Knowledge bases are built
once under benchmarks/.cache/ (git-ignored).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import REPO, _chunk, load_clapnq
from config.settings import Settings
from graphs.evaluate import EvalQuestion
from knowledge.base import KnowledgeBase
from knowledge.chunking import chunk_document
from knowledge.embed import default_embedder
from knowledge.types import Chunk, Document

CACHE = REPO / "benchmarks" / ".cache"
HANDBOOK_QUESTIONS = REPO / "benchmarks" / "data" / "handbook_questions.jsonl"
SAMPLES = REPO / "knowledge" / "samples"
COVID_LEFT_OUT = 3  # one FAQ question in three (with its paraphrases) is not in the knowledge base...
SAME_FAQ_QUESTION = 0.8  # ...nor are other pages' entries asking the same (question cosine >= this)


@dataclass
class JudgeSet:
    name: str
    kb: KnowledgeBase
    questions: list[EvalQuestion]
    is_gold: Callable[[EvalQuestion, str, str], bool]  # (question, hit source, hit chunk id) -> holds the answer
    threads: dict[str, list[str]]  # question id -> earlier user turns of its thread (oldest first)


def _kb(home: Path, chunks: list[Chunk]) -> KnowledgeBase:
    kb = KnowledgeBase(Settings(home=home, chroma_url=None))
    if kb.store.count() != len(chunks) or kb.sentences.store.count() != len(chunks):
        print(f"Embedding {len(chunks)} chunks into {home} (once)...", flush=True)
        kb.add_chunks(chunks)
    return kb


def _jsonl(path: Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _by_source(item: EvalQuestion, source: str, chunk_id: str) -> bool:
    return source in item.gold_sources


def clapnq_set(data: Path) -> JudgeSet:
    eval_set = load_clapnq(data)
    kb = _kb(CACHE / "answers-kb", eval_set.chunks)
    source_of = {c.chunk_id: c.source for c in eval_set.chunks}
    gold = {q.qid: sorted(source_of[c] for c in q.gold) for q in eval_set.questions}
    questions = []
    for name in ("answerable", "unanswerable"):
        for row in _jsonl(data / "qa" / "clapnq" / f"{name}.jsonl"):
            reference = row.get("output") or ""
            if isinstance(reference, list):
                reference = " ".join(str(o.get("answer", "")) for o in reference if isinstance(o, dict))
            questions.append(
                EvalQuestion(
                    row["input"],
                    name == "answerable",
                    gold.get(row["id"], []),
                    id=row["id"],
                    reference_answer=reference if name == "answerable" else "",
                )
            )
    return JudgeSet("clapnq", kb, questions, _by_source, {})


def mtrag_set(data: Path) -> JudgeSet:
    base = data / "qa" / "mtrag_dev"
    chunks = []
    for passage in _jsonl(base / "corpus.jsonl"):
        doc = Document(f"mtrag/{passage['id']}", passage["title"], passage["text"], "text")
        chunks += chunk_document(doc, "mtrag")
    kb = _kb(CACHE / "mtrag-kb", chunks)
    questions, threads = [], {}
    for task in _jsonl(base / "tasks.jsonl"):
        if task["answerability"] == "CONVERSATIONAL":
            continue
        turns = _literal(task["turns"])
        earlier = [t["text"] for t in turns[:-1] if t["speaker"] == "user"]
        gold = [f"mtrag/{g}" for g in _literal(task["gold_ids"])]
        answerable = task["answerability"] in ("ANSWERABLE", "PARTIAL")
        item = EvalQuestion(
            task["question"],
            answerable,
            gold if answerable else [],
            id=task["task_id"],
            reference_answer=task.get("reference_answer") or "" if answerable else "",
        )
        questions.append(item)
        threads[item.id] = earlier
    return JudgeSet("mtrag_dev", kb, questions, _by_source, threads)


def _literal(text: str | list) -> list:
    import ast

    return text if isinstance(text, list) else ast.literal_eval(text)


def covid_set(data: Path) -> JudgeSet:
    base = data / "qa" / "covid_faq"
    with open(base / "faq_covidbert.csv", newline="") as f:
        entries = list(csv.DictReader(f))
    with open(base / "eval_question_similarity_en.csv", newline="") as f:
        pairs = [p for p in csv.DictReader(f) if p["similar"].strip() == "1"]
    questions_of = [e["question"].strip() for e in entries]
    vectors = default_embedder().embed(questions_of)
    alike = (vectors @ vectors.T) >= SAME_FAQ_QUESTION  # the same question asked by several FAQ pages
    answers = [e["answer"].strip() for e in entries]
    same = alike | (np.array(answers)[:, None] == np.array(answers)[None, :])
    seeds = [n for n, q in enumerate(questions_of) if _hash_share(q) % COVID_LEFT_OUT == 0]
    left_out = set(np.flatnonzero(same[seeds].any(axis=0))) if seeds else set()
    chunks = [
        _chunk(f"covid-{n:03d}", answers[n], f"covid/{n:03d}", entry["name"], questions_of[n], "covid")
        for n, entry in enumerate(entries)
        if n not in left_out
    ]
    kb = _kb(CACHE / "covid-kb", chunks)
    first = {}
    for n, q in enumerate(questions_of):
        first.setdefault(q, n)
    questions = []
    for n, pair in enumerate(pairs):
        asked, about = pair["question_2"].strip(), first[pair["question_1"].strip()]
        gold = [f"covid-{m:03d}" for m in np.flatnonzero(same[about]) if m not in left_out]
        answerable = about not in left_out
        questions.append(
            EvalQuestion(
                asked,
                answerable,
                gold if answerable else [],
                id=f"covid-q{n:03d}",
                reference_answer=answers[about] if answerable else "",
            )
        )
    return JudgeSet("covid_faq", kb, questions, lambda item, source, chunk_id: chunk_id in item.gold_sources, {})


def _hash_share(text: str) -> int:
    return hashlib.sha256(text.lower().encode()).digest()[0]


def handbook_set() -> JudgeSet:
    kb = KnowledgeBase(Settings(home=CACHE / "handbook-kb", chroma_url=None))
    if kb.is_empty():
        print("Ingesting the sample handbook (once)...", flush=True)
        kb.ingest([str(SAMPLES)])
    questions, threads = [], {}
    for row in _jsonl(HANDBOOK_QUESTIONS):
        source = row.get("source")
        item = EvalQuestion(
            row["question"],
            bool(row["answerable"]),
            [source, *(row.get("also_sources") or [])] if source else [],
            id=row["id"],
            key_facts=list(row.get("key_facts") or []),
        )
        questions.append(item)
        threads[item.id] = list(row.get("thread") or [])
    return JudgeSet(
        "handbook", kb, questions, lambda item, source, chunk_id: Path(source).name in item.gold_sources, threads
    )


SET_NAMES = ("clapnq", "mtrag_dev", "covid_faq", "handbook")


def all_sets(data: Path, names: tuple[str, ...] = SET_NAMES) -> list[JudgeSet]:
    makers = {
        "clapnq": lambda: clapnq_set(data),
        "mtrag_dev": lambda: mtrag_set(data),
        "covid_faq": lambda: covid_set(data),
        "handbook": handbook_set,
    }
    return [makers[name]() for name in names if name != "handbook" or HANDBOOK_QUESTIONS.is_file()]
