"""Follow-up questions without an LLM: detect an elliptical follow-up and fold it into the last question.

"and for contractors?" after "How many vacation days do I get?" becomes
"How many vacation days do I get for contractors?". With an LLM the graph asks the model instead.
"""

from __future__ import annotations

import re

_LEADS = re.compile(
    r"^\s*(?:and|but|also|so|then|ok(?:ay)?|what about|how about|and what about|and how about|what if|"
    r"same for|is it the same for|does (?:that|this|it) apply to|and for|for)\b[\s,]*",
    re.IGNORECASE,
)
_REFERENCES = re.compile(r"\b(it|that|this|they|them|those|these)\b", re.IGNORECASE)
_QUESTION_WORDS = re.compile(r"^\s*(who|what|when|where|why|how|which|can|do|does|is|are|should|may)\b", re.I)


def is_follow_up(question: str, has_history: bool) -> bool:
    """An elliptical or referring message that only makes sense with the previous question."""
    if not has_history:
        return False
    words = re.findall(r"\w+", question)
    if _LEADS.match(question) and len(words) <= 10:
        return True
    short_with_reference = len(words) <= 7 and bool(_REFERENCES.search(question))
    fragment = len(words) <= 3 and not _QUESTION_WORDS.match(question)
    return short_with_reference or fragment


def fold_into_previous(question: str, previous: str) -> str:
    """Join a follow-up onto the previous standalone question."""
    rest = _LEADS.sub("", question).strip().rstrip("?.! ")
    base = previous.strip().rstrip("?.! ")
    if not rest:
        return previous
    if _QUESTION_WORDS.match(rest):  # a full question with a reference: keep both, the earlier first
        return f"{base}? {rest}?"
    return f"{base} {rest}?"
