"""No secret and no unredacted PII reaches the log, whatever field it arrives in."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import (
    Database,
    audit,
    open_handover,
    record_feedback,
    record_ingest_run,
    record_turn,
    resolve_handover,
    scrub,
)
from graphs.result import GuardVerdict, TurnResult
from knowledge.ingest import IngestReport, SourceOutcome

SLACK_BOT = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-123456789012-123456789012-123456789012-0123456789abcdef0123456789abcdef"
SLACK_APP = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
OPENAI = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
AWS = "AKIAIOSFODNN7EXAMPLE"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----"
BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
SECRETS = [
    SLACK_BOT,
    SLACK_USER,
    SLACK_APP,
    OPENAI,
    AWS,
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo",
    "eyJzdWIi",
    EMAIL,
    CARD,
]
DIRTY = f"use {SLACK_BOT} or {SLACK_USER} / {SLACK_APP}, {OPENAI}, {AWS}, {BEARER}, mail {EMAIL}, card {CARD}\n{PRIVATE_KEY}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {SLACK_BOT} here", "token [SECRET] here"),
        (f"app token: {SLACK_APP}", "app token: [SECRET]"),
        (f"OPENAI_API_KEY={OPENAI}", "OPENAI_API_KEY=[SECRET]"),
        (f"key {AWS} leaked", "key [SECRET] leaked"),
        (f"before\n{PRIVATE_KEY}\nafter", "before\n[SECRET]\nafter"),
        (f"Authorization: {BEARER}", "Authorization: Bearer [SECRET]"),
        ("my password is hunter2!x", "my password is [SECRET]"),
        (f"write to {EMAIL} please", "write to [EMAIL] please"),
        (f"card {CARD} expires", "card [CREDIT_CARD] expires"),
        ("card 4111-1111-1111-1111", "card [CREDIT_CARD]"),
        ("write to 'alice@example.com' now", "write to '[EMAIL]' now"),
        ("paid with +4111111111111111", "paid with +[CREDIT_CARD]"),  # no phone recogniser in the log
    ],
)
def test_scrub_removes_secrets_and_pii(text: str, expected: str) -> None:
    assert scrub(text) == expected
    assert scrub(scrub(text)) == expected  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "How many vacation days do I get in 2025?",
        "Order 1234 5678 9012 3456 is not a card (Luhn fails)",
        "Call the helpdesk at ext 4455; the ticket is INC-20240311-0042.",
        "Slack thread 1712345678.123456 in C0123ABCD by U0123ABCD",
        "See [EMAIL] and [SECRET] placeholders from the guard",
        "How do I reset my password?",
    ],
)
def test_scrub_leaves_ordinary_text_alone(text: str) -> None:
    assert scrub(text) == text


def _all_text_cells(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    cells: list[str] = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            cells += [str(v) for v in row if v is not None]
    return "\n".join(cells)


def test_no_secret_or_pii_reaches_the_database_from_any_field(db: Database, db_path: Path) -> None:
    result = TurnResult(
        decision="handed_over",
        answer=f"Answer quoting {DIRTY}",
        reasons=[f"reason with {OPENAI}"],
        question=f"question with {DIRTY}",
        standalone_question=f"standalone {DIRTY}",
        verdicts=[GuardVerdict("output", "secrets", False, "redact", f"saw {AWS}")],
        retrieved=[{"chunk_id": "c1", "source": f"https://wiki/x?token={OPENAI}", "score": 0.5, "rank": 1}],
        thread_id="slack:C1:1.2",
    )
    turn_id = record_turn(db, result, channel="C1", user="U1", thread_ts="1.2")
    record_feedback(db, turn_id, "U2", -1, reason="other", comment=f"ping me at {EMAIL}, key {SLACK_BOT}")
    handover = open_handover(
        db,
        turn_id=turn_id,
        thread_id="slack:C1:1.2",
        channel="C1",
        thread_ts="1.2",
        question=DIRTY,
        reason=DIRTY,
    )
    resolve_handover(db, handover, resolved_by="U3", answer=f"use {PRIVATE_KEY} and card {CARD}")
    audit(db, actor="U3", action="add", target=f"https://x?api_key={OPENAI}", detail=DIRTY)
    report = IngestReport([SourceOutcome(f"/tmp/{EMAIL}.md", "failed", reason=f"401 with {BEARER}")])
    record_ingest_run(db, report, actor="U3", trigger="slack_url", collection="it", inputs=[f"u?token={OPENAI}"])
    db.close()

    stored = _all_text_cells(db_path)
    assert "[SECRET]" in stored and "[EMAIL]" in stored and "[CREDIT_CARD]" in stored
    leaked = [s for s in SECRETS if s in stored]
    assert leaked == []
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("keel.db*"))  # the file and its WAL, byte by byte
    assert [s for s in SECRETS if s.encode() in raw] == []
