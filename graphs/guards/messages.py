"""What the asker reads when a turn is refused or handed over: plain words, never the attack echoed."""

from __future__ import annotations

from graphs.guards.types import CheckContext

REFUSALS = {
    "injection": "I can't help with that: your message asks me to change how I work or to reveal how I'm set "
    "up. Please ask your question directly.",
    "language": "I can only answer in the languages this workspace supports. Please ask again in English "
    "(or another supported language).",
    "length": "Your message is too long for me to handle. Please shorten it and ask again.",
    "banned_topics": "I'm not able to help with that topic here.",
    "secrets": "Your message seems to contain a password, key or token, so I didn't use it. Please remove it "
    "and ask again, and consider changing that secret.",
    "pii": "Your message contains personal data I can't process. Please remove it and ask again.",
    "toxicity": "Let's keep it respectful. Please rephrase your question.",
    "prompt_leak": "I can't share that.",
    "output_toxicity": "I can't share that answer.",
}
HAND_OVERS = {
    "reserved_topics": "This topic is handled by people, so I'm passing your question to someone who can help.",
    "grounded": "I couldn't back up an answer with our sources, so I'm passing your question to a person.",
    "citations": "I couldn't back up an answer with our sources, so I'm passing your question to a person.",
    "guard_error": "Something went wrong while checking the answer, so I'm passing your question to a person.",
}
GENERIC_REFUSAL = "I can't help with that request."
GENERIC_HAND_OVER = "I'm passing your question to a person who can help."


def user_message(check: str, action: str, context: CheckContext) -> str:
    if action == "refuse":
        return REFUSALS.get(check, GENERIC_REFUSAL)
    return HAND_OVERS.get(check, GENERIC_HAND_OVER)
