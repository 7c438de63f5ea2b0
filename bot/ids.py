"""Every Slack action id, callback id, command and reaction name Keel uses, in one place.

The block builders put these ids on elements; the listeners register handlers for the same constants,
so a renamed id cannot leave a button without a handler.
"""

from __future__ import annotations

# -- actions on an answer ---------------------------------------------------------------------------
FEEDBACK = "keel_feedback"  # the feedback_buttons element (👍/👎) in the answer's context_actions block
ASK_HUMAN = "keel_ask_human"  # the "Ask a human" button under an answer

# -- actions on a hand-over (the turn id is each button's value) ----------------------------------------
MARK_RESOLVED = "keel_handover_resolved"  # experts and admins close a hand-over by hand
ADD_TO_KNOWLEDGE = "keel_handover_learn"  # turn the question and the human answer into a document
REMOVE_FROM_KNOWLEDGE = "keel_handover_unlearn"  # an admin takes a learned answer out again
SHARE_LEARNED = "keel_handover_share"  # an admin widens a learned answer from its channel to every channel
ACCEPT_HUMAN_OFFER = "keel_accept_human"  # "Yes, ask a person" after a 👎 (the feedback modal offers it)
HANDOVER_BLOCK = "keel_handover"

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
FEEDBACK_REASON_BLOCK = "keel_reason"  # the modal's radio buttons (block id = action id)
FEEDBACK_COMMENT_BLOCK = "keel_comment"  # the modal's free text (block id = action id)

# -- reactions on Keel's answers that count as votes (skin tones are stripped first) -----------------
VOTE_REACTIONS = {"+1": VOTE_UP, "thumbsup": VOTE_UP, "-1": VOTE_DOWN, "thumbsdown": VOTE_DOWN}

# -- reactions ----------------------------------------------------------------------------------------
WORKING_REACTION = "eyes"  # 👀 on the question while Keel works on it, removed when the reply is out
HANDOVER_REACTION = "sos"  # 🆘 on a question handed over to people
RESOLVED_REACTION = "white_check_mark"  # ✅ on it once a person resolved it
FAILED_REACTION = "warning"  # ⚠️ on a question when Slack took neither the answer nor the apology
