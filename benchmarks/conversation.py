"""Questions read in their thread: mtrag_dev conversations replayed into Keel threads.

    python benchmarks/conversation.py [--limit N]

Knowledge: the 350 mtrag_dev passages (../shared/data/qa/mtrag_dev/corpus.jsonl), chunked as ingestion
chunks them, embedded once into benchmarks/.cache/mtrag-kb (git-ignored). Three measurements, each
beside plain baselines in the same run:

1. **Retrieval in context.** Each of the 20 conversations is replayed, user turn by user turn, into one
   thread of the real answer graph (guards, checkpointer, Keel's own answers as the thread's history).
   For the 150 answerable/partial turns with gold passages: passage R@5 and MRR@10 of what Keel
   retrieved (distinct passages in rank order; the graph runs with k=10 chunks so that ten can be
   ranked). Baselines, with the plain hybrid retriever: the last question alone, the previous and last
   questions appended, and a person's standalone rewrite.
2. **Rewriting proxy.** For the 777 rewrite turns (110 conversations, replayed the same way): the share
   whose top-3 passages equal those of the person's rewrite, for Keel now and for the rule Keel used
   before (a yes/no follow-up detector that folded the question onto the previous standalone form).
   Only 150 of these turns come from conversations the corpus covers; both parts are reported.
3. **Redaction loss.** For the 159 turns: the share whose question reached retrieval with a word
   removed by PII redaction, and of those, with a word the corpus contains; now and without the
   knowledge-base check on names (the behaviour before).

Results: benchmarks/results/conversation.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, data_dir, machine_info, write_results
from config.settings import Settings
from graphs.evaluate import EvalQuestion, Outcome, metrics
from graphs.result import TurnResult
from graphs.thread import LEADS, QUESTION_START
from knowledge.base import KnowledgeBase
from knowledge.chunking import chunk_document
from knowledge.types import Document

CACHE = REPO / "benchmarks" / ".cache" / "mtrag-kb"
K_CHUNKS = 10
TARGET_R5 = 0.75


def _jsonl(path: Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def mtrag_knowledge(folder: Path) -> KnowledgeBase:
    kb = KnowledgeBase(Settings(home=CACHE, chroma_url=None))
    chunks = []
    for passage in _jsonl(folder / "corpus.jsonl"):
        doc = Document(f"mtrag/{passage['id']}", passage["title"], passage["text"], "text")
        chunks += chunk_document(doc, "mtrag")
    if kb.store.count() != len(chunks) or kb.sentences.store.count() != len(chunks):
        print(f"Embedding {len(chunks)} chunks into {CACHE} (once)...", flush=True)
        kb.add_chunks(chunks)
    return kb


def passage_of(source: str) -> str:
    return source.split("/", 1)[1]


def ranked_passages(sources: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(passage_of(s) for s in sources))


def recall_at(ranked: Sequence[str], gold: set[str], n: int = 5) -> float:
    return len(gold & set(ranked[:n])) / len(gold)


def reciprocal_rank(ranked: Sequence[str], gold: set[str], n: int = 10) -> float:
    return next((1.0 / r for r, p in enumerate(ranked[:n], start=1) if p in gold), 0.0)


def plain(kb: KnowledgeBase, query: str) -> list[str]:
    return ranked_passages([h.source for h in kb.search(query.strip(), k=30)])


# Keel's rule before this change, kept here only to measure against: a yes/no follow-up detector that
# folded the question onto the previous *standalone* question (folds chained across turns).
_REFERENCES = re.compile(r"\b(it|that|this|they|them|those|these)\b", re.IGNORECASE)


def previous_rule(question: str, standalone_before: Sequence[str]) -> str:
    if not standalone_before:
        return question
    words = re.findall(r"\w+", question)
    follow_up = (LEADS.match(question) and len(words) <= 10) or (len(words) <= 7 and bool(_REFERENCES.search(question)))
    follow_up = follow_up or (len(words) <= 3 and not QUESTION_START.match(question))
    if not follow_up:
        return question
    rest = LEADS.sub("", question).strip().rstrip("?.! ")
    base = standalone_before[-1].strip().rstrip("?.! ")
    if not rest:
        return standalone_before[-1]
    return f"{base}? {rest}?" if QUESTION_START.match(rest) else f"{base} {rest}?"


def keel_sources(agent, thread: str, question: str) -> tuple[list[str], TurnResult]:
    result = agent.ask(question, thread_id=thread)
    return [r["source"] for r in result.retrieved], result


def _outcome(task: dict, result: TurnResult) -> Outcome:
    """The turn as graphs/evaluate.py scores it: right when it cites a gold passage and holds enough of
    the reference answer; an unanswerable turn should be declined."""
    answerable = task["answerability"] in ("ANSWERABLE", "PARTIAL")
    item = EvalQuestion(
        task["question"],
        answerable,
        [f"mtrag/{g}" for g in task["gold_ids"]] if answerable else [],
        id=task["task_id"],
        reference_answer=(task.get("reference_answer") or "") if answerable else "",
    )
    return Outcome(item, result, 0.0)


def measure_retrieval(kb: KnowledgeBase, agent, tasks: list[dict]) -> dict:
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for task in tasks:
        by_conversation[task["conversation_id"]].append(task)
    scores: dict[str, list[tuple[float, float]]] = defaultdict(list)
    samples, outcomes = [], []
    rewrites = {row["id"]: row["rewrite"] for row in _jsonl(data_dir() / "qa" / "mtrag_dev" / "rewrites.jsonl")}
    for conversation, turns in by_conversation.items():
        turns.sort(key=lambda t: t["turn"])
        for task in turns:
            sources, turn = keel_sources(agent, f"mtrag:{conversation}", task["question"])
            result = turn.to_json()
            if task["answerability"] != "CONVERSATIONAL":
                outcomes.append(_outcome(task, turn))
            if task["answerability"] not in ("ANSWERABLE", "PARTIAL") or not task["gold_ids"]:
                continue
            gold = set(task["gold_ids"])
            users = [t["text"] for t in task["turns"] if t["speaker"] == "user"]
            ranked = {
                "keel": ranked_passages(sources),
                "last_question": plain(kb, task["question"]),
                "previous_and_last": plain(kb, " ".join(users[-2:])),
            }
            if task["task_id"] in rewrites:
                ranked["person_rewrite"] = plain(kb, rewrites[task["task_id"]])
            for name, passages in ranked.items():
                scores[name].append((recall_at(passages, gold), reciprocal_rank(passages, gold)))
            if len(samples) < 6 and len(users) > 1:
                samples.append({"question": task["question"], "searched": result["searched"]})
    summary = {
        name: {
            "turns": len(values),
            "recall_at_5": round(sum(r for r, _ in values) / len(values), 3),
            "mrr_at_10": round(sum(m for _, m in values) / len(values), 3),
        }
        for name, values in scores.items()
    }
    answers = {k: v for k, v in metrics(outcomes).items() if k not in ("reliability", "latency_ms")}
    return {"methods": summary, "answers": answers, "examples": samples}


def measure_rewriting(kb: KnowledgeBase, agent, rows: list[dict], covered: set[str]) -> dict:
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_conversation[row["id"].split("<::>")[0]].append(row)
    same: dict[str, dict[str, list[bool]]] = {"covered": defaultdict(list), "other": defaultdict(list)}
    for conversation, turns in by_conversation.items():
        turns.sort(key=lambda r: len(r["user_turns"]))
        part = "covered" if conversation in covered else "other"
        before: list[str] = []
        for row in turns:
            question = row["user_turns"][-1]
            target = set(plain(kb, row["rewrite"])[:3])
            sources, _ = keel_sources(agent, f"rewrite:{conversation}", question)
            standalone = previous_rule(question, before)
            before.append(standalone)
            same[part]["keel"].append(set(ranked_passages(sources)[:3]) == target)
            same[part]["previous_rule"].append(set(plain(kb, standalone)[:3]) == target)
            same[part]["last_question"].append(set(plain(kb, question)[:3]) == target)
    return {
        part: {name: {"turns": len(v), "same_top3": round(sum(v) / len(v), 3)} for name, v in methods.items()}
        for part, methods in same.items()
        if methods
    }


def measure_redaction(kb: KnowledgeBase, tasks: list[dict]) -> dict:
    from graphs import guards
    from graphs.nodes import without_placeholders
    from graphs.question import words

    vocabulary = kb.vocabulary()
    counts = {"now": [0, 0], "without_knowledge_base_check": [0, 0]}
    lost_examples = []
    for task in tasks:
        asked = set(words(task["question"]))
        for name, known in (("now", vocabulary.names), ("without_knowledge_base_check", None)):
            searched = without_placeholders(guards.check_input(task["question"], known_name=known).text)
            lost = asked - set(words(searched))
            in_corpus = [w for w in lost if vocabulary.document_frequency(w) > 0]
            counts[name][0] += bool(lost)
            counts[name][1] += bool(in_corpus)
            if name == "now" and in_corpus:
                lost_examples.append(task["question"])
    n = len(tasks)
    return {
        name: {"turns": n, "lost_a_word": round(a / n, 3), "lost_a_corpus_word": round(b / n, 3)}
        for name, (a, b) in counts.items()
    } | {"still_lost": lost_examples[:10]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N conversations of each set")
    args = parser.parse_args()
    from graphs.agent import Agent

    info = machine_info()
    folder = data_dir() / "qa" / "mtrag_dev"
    tasks = _jsonl(folder / "tasks.jsonl")
    rows = _jsonl(folder / "rewrites.jsonl")
    if args.limit:
        keep = list(dict.fromkeys(t["conversation_id"] for t in tasks))[: args.limit]
        tasks = [t for t in tasks if t["conversation_id"] in keep]
        keep_rows = list(dict.fromkeys(r["id"].split("<::>")[0] for r in rows))[: args.limit]
        rows = [r for r in rows if r["id"].split("<::>")[0] in keep_rows]
    kb = mtrag_knowledge(folder)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="keel-conversation-") as home:
        agent = Agent.from_settings(Settings(home=Path(home), chroma_url=None), kb=kb, k=K_CHUNKS)
        retrieval = measure_retrieval(kb, agent, tasks)
        rewriting = measure_rewriting(kb, agent, rows, {t["conversation_id"] for t in _jsonl(folder / "tasks.jsonl")})
    redaction = measure_redaction(kb, tasks)
    print("Retrieval in context (answerable/partial turns of mtrag_dev, passages):")
    for name, m in retrieval["methods"].items():
        print(f"  {name:<20} R@5 {m['recall_at_5']:.3f}   MRR@10 {m['mrr_at_10']:.3f}   ({m['turns']} turns)")
    keel_r5 = retrieval["methods"]["keel"]["recall_at_5"]
    print(f"  target R@5 >= {TARGET_R5}: {'met' if keel_r5 >= TARGET_R5 else 'MISSED'}")
    a = retrieval["answers"]
    print(
        f"Answers through the graph ({a['answerable_questions']} answerable, {a['unanswerable_questions']} unanswerable "
        f"turns): answered right {a['answered_right']:.3f} (gold cited {a['answered_with_gold']:.3f}, mean reference "
        f"recall {a['mean_reference_recall']}), unanswerable declined {a['unanswerable_declined']:.3f}, ECE {a['ece']:.3f}"
    )
    print("Same top-3 passages as a person's rewrite:")
    for part, methods in rewriting.items():
        if not methods:
            continue
        line = "   ".join(f"{name} {m['same_top3']:.3f}" for name, m in methods.items())
        print(f"  {part:<8} ({next(iter(methods.values()))['turns']} turns)  {line}")
    print("Questions that reached retrieval with a word removed by redaction:")
    for name in ("now", "without_knowledge_base_check"):
        m = redaction[name]
        print(
            f"  {name:<30} any word {m['lost_a_word']:.3f}   a word the corpus contains {m['lost_a_corpus_word']:.3f}"
        )
    write_results(
        "conversation",
        {
            "benchmark": "mtrag_dev conversations replayed into Keel threads (no LLM)",
            "knowledge": "350 mtrag_dev passages, chunked as ingestion chunks them",
            "k_chunks": K_CHUNKS,
            "target_recall_at_5": TARGET_R5,
            "retrieval": retrieval,
            "rewriting": rewriting,
            "redaction": redaction,
            "seconds": round(time.perf_counter() - started, 1),
            "machine": info,
        },
    )


if __name__ == "__main__":
    main()
