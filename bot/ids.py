"""Every Slack action id, callback id, command and reaction name Keel uses, in one place.

The block builders put these ids on elements; the listeners register handlers for the same constants,
so a renamed id cannot leave a button without a handler.
"""

from __future__ import annotations

# -- actions on an answer ---------------------------------------------------------------------------
FEEDBACK = "keel_feedback"  # the feedback_buttons element (👍/👎) in the answer's context_actions block
ASK_HUMAN = "keel_ask_human"  # the "Ask a human" button under an answer

# Values of the two feedback buttons are "<turn id>:<vote>"; the vote part is one of these.
VOTE_UP = "up"
VOTE_DOWN = "down"

# -- block ids (prefixes: Slack wants block ids unique per message, so the turn id is appended) ---------
ANSWER_BLOCK = "keel_answer"
SOURCES_BLOCK = "keel_sources"
META_BLOCK = "keel_meta"
ACTIONS_BLOCK = "keel_actions"
FEEDBACK_BLOCK = "keel_feedback"

# -- slash command ----------------------------------------------------------------------------------
COMMAND = "/keel"

# -- views (modals); the feedback-reason modal of issue 7 will register here --------------------------
FEEDBACK_REASON_VIEW = "keel_feedback_reason"

# -- reactions ----------------------------------------------------------------------------------------
WORKING_REACTION = "eyes"  # 👀 on the question while Keel works on it, removed when the reply is out
