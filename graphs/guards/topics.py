"""Does a question touch a topic the policy bans (refuse) or reserves for humans (hand over)?

A topic matches when all its content words appear in the question (stemmed), or when the question's
embedding is close to the topic's. The question's vector is shared with the injection check's cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from graphs.guards.text import content_terms

Embed = Callable[[list[str]], np.ndarray]


def matching_topic(question: str, topics: Sequence[str], threshold: float, embed: Embed) -> tuple[int, float] | None:
    """(index of the matching topic, score) or None. Scores: 1.0 for a word match, else the cosine."""
    if not topics or not question.strip():
        return None
    terms = set(content_terms(question))
    for i, topic in enumerate(topics):
        topic_terms = set(content_terms(topic))
        if topic_terms and topic_terms <= terms:
            return i, 1.0
    vectors = embed([question, *topics])
    scores = vectors[1:] @ vectors[0]
    best = int(np.argmax(scores))
    return (best, float(scores[best])) if scores[best] >= threshold else None
