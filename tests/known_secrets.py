"""The secrets the test suite hands Keel, in one place.

Each is distinctive (no other text in the suite contains it), so tests/secret_scan.py can look for any copy
of it after a run: in a log line, a database file, a message Keel posted or a request it sent. The Slack
emulator uses the Slack ones by default; tests that configure an LLM API key should use ``LLM_API_KEY``.
The formats are the real ones (``xoxb-``, ``xapp-``, ``sk-``), so Keel's scrubbers see what they would
see in production.
"""

from __future__ import annotations

SLACK_BOT_TOKEN = "xoxb-7310000000001-7310000000002-KeelTestBotTokenQ9f3aZ"
SLACK_APP_TOKEN = "xapp-1-A0KEEL001-7310000000003-KeelTestAppToken51c8e2"
SLACK_SIGNING_SECRET = "keel-test-signing-secret-3b7d9e21c4a6"
LLM_API_KEY = "sk-keel-test-llm-key-8e4f2a6c1d9b7350"

KNOWN_SECRETS: dict[str, str] = {
    "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
    "SLACK_APP_TOKEN": SLACK_APP_TOKEN,
    "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
    "LLM_API_KEY": LLM_API_KEY,
}
