"""What the asker says in a hand-over thread when they no longer need a person."""

from __future__ import annotations

import re

from graphs.triage import normalise

_SOLVED = re.compile(
    r"\b(?:solved|resolved|sorted(?: out)?|never ?mind|nvm|figured it out|found it|got it(?: working)?|"
    r"works now|working now|all good|no longer need|don't need (?:help|it) any ?more|not needed any ?more)\b"
)


def says_solved(text: str) -> bool:
    """ "thanks, solved", "never mind, got it", "all good now": the asker closes their own request."""
    return bool(_SOLVED.search(normalise(text)))
