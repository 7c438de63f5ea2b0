"""``docs/schema.md``, generated: migrate an empty log and an empty Slack state file and describe them.

The words come from :data:`TABLES` and :data:`STATE_TABLES` below; the tables, columns, types, keys and
indexes come from SQLite itself, so the document cannot drift from the code (a test regenerates it and
compares).
"""

from __future__ import annotations

from sqlite_utils import Database

from bot.store.db import migrate
from bot.store.migrations import migrations
from bot.store.state import migrate_state
from bot.store.state_migrations import state_migrations

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "threads": (
        "One Slack thread (or one local session) that Keel took part in.",
        {
            "id": "The graph's thread id: `slack:{channel}:{thread_ts}`, or `local:{turn id}`.",
            "channel": "Slack channel id.",
            "thread_ts": "Slack timestamp of the thread's first message.",
            "started_by": "Slack user id of the first asker.",
            "created_at": "First turn (UTC ISO 8601).",
            "last_turn_at": "Latest turn (UTC ISO 8601).",
        },
    ),
    "turns": (
        "One question and Keel's response. Text is stored after redaction and a last secret/PII scrub.",
        {
            "id": "Turn id (uuid4 hex); travels in the feedback buttons' values.",
            "thread_id": "The thread.",
            "channel": "Slack channel id.",
            "user": "Slack user id of the asker.",
            "thread_ts": "Slack thread timestamp, when in a thread.",
            "question": "The question as asked, after redaction.",
            "standalone_question": "The reading of the question the judge kept: as asked, or read with its thread (docs/answering.md).",
            "answer": "What Keel said (Slack Markdown, `[n]` citations).",
            "decision": "`answered`, `handed_over` or `refused`.",
            "confidence": "Evidence confidence, 0..1.",
            "model": "Model that drafted the answer (`extractive` when none).",
            "route": "How the answer was drafted (e.g. `extractive`, `fast`, `strong`).",
            "prompt_version": "Prompt templates version, when an LLM drafted the answer.",
            "fallback": "1 when the LLM failed and the extractive answer stood in.",
            "reasons": "JSON list: why Keel decided as it did.",
            "total_ms": "Whole-turn latency in milliseconds.",
            "created_at": "When the turn happened (UTC ISO 8601).",
        },
    ),
    "turn_timings": (
        "Milliseconds per pipeline stage of a turn (one row per stage: p50/p95 is a GROUP BY away).",
        {
            "turn_id": "The turn.",
            "stage": "Stage name (e.g. `check_input`, `retrieve`, `draft`).",
            "ms": "Duration.",
        },
    ),
    "retrievals": (
        "Passages retrieved for a turn, in rank order.",
        {
            "turn_id": "The turn.",
            "rank": "1 = best.",
            "chunk_id": "Chunk id in the vector store.",
            "source": "The chunk's source document (path or URL).",
            "score": "Retrieval score.",
            "cited": "1 when the answer cited this passage.",
        },
    ),
    "citations": (
        "The numbered sources an answer showed as `[n]`.",
        {
            "turn_id": "The turn.",
            "n": "The citation number in the answer.",
            "chunk_id": "Cited chunk.",
            "source": "Cited document.",
            "title": "Document title.",
            "section": "Heading path of the passage.",
            "score": "Retrieval score of the passage.",
        },
    ),
    "guard_verdicts": (
        "What each guard check said about the question (`input`) or the draft (`output`).",
        {
            "turn_id": "The turn.",
            "seq": "Order in which the checks ran.",
            "stage": "`input`, `retrieval` or `output`.",
            "check_name": "The check (e.g. `pii`, `prompt_injection`, `grounded`).",
            "passed": "1 when the check passed.",
            "action": "`pass`, or the action taken: redact, fix, refuse, hand_over, log_only.",
            "reason": "Why, in words (never quotes the input).",
            "ms": "Check duration.",
        },
    ),
    "feedback": (
        "Every 👍/👎 click and reaction. Counts use each user's last vote per turn (`feedback_last_votes`).",
        {
            "id": "Row id; a higher id is a later vote.",
            "turn_id": "The turn voted on.",
            "user": "Slack user id of the voter.",
            "vote": "+1 (👍), -1 (👎), or 0 (vote withdrawn, e.g. reaction removed).",
            "reason": "For 👎: wrong, outdated, incomplete, not_what_i_asked, other.",
            "comment": "Free text from the 👎 modal (scrubbed).",
            "source": "`button` or `reaction`.",
            "created_at": "When (UTC ISO 8601).",
        },
    ),
    "handovers": (
        "Questions handed over to people, from `pending` to `resolved`.",
        {
            "id": "Hand-over id.",
            "turn_id": "The turn that was handed over (one hand-over per turn).",
            "thread_id": "The graph's thread id (resumed when an expert answers).",
            "channel": "Slack channel id.",
            "thread_ts": "Slack thread timestamp.",
            "question": "The question, after redaction.",
            "reason": "Why Keel handed over.",
            "experts": "JSON list of the Slack user/group ids that were asked.",
            "status": "`pending` or `resolved`.",
            "created_at": "When Keel handed over.",
            "reminded_at": "When the experts were reminded (NULL: not yet).",
            "backup_notified_at": "When the backup group was told (NULL: not yet).",
            "resolved_at": "When a person answered.",
            "resolved_by": "Slack user id of who answered.",
            "answer": "The person's answer (scrubbed).",
            "learned_source": "The knowledge source the answer was saved as, if any.",
            "asker": "Slack user id of who asked the question.",
            "question_ts": "The question's message ts (🆘, then ✅, go on it).",
            "announcement_ts": "The hand-over message in the thread (set once: a re-run does not post again).",
            "mirror_ts": "The mirror post in the escalation channel, if any.",
            "resolution_ts": "The message in the thread that closed the hand-over.",
            "resolution_kind": "`expert_reply`, `button` or `asker_solved`.",
        },
    ),
    "ingest_runs": (
        "One ingest: from the CLI, a file shared in Slack, `/keel add` or `/keel remove`.",
        {
            "id": "Run id.",
            "actor": "Slack user id, or `cli:<login>`.",
            "trigger": "What started it: cli, slack_file, slack_url, slack_remove, slack_approve, cli_approve, ...",
            "collection": "Target collection.",
            "inputs": "JSON list of the files/URLs given.",
            "started_at": "Start (UTC ISO 8601).",
            "finished_at": "End (UTC ISO 8601).",
            "added": "Sources added.",
            "updated": "Sources re-ingested because they changed.",
            "unchanged": "Sources skipped as unchanged.",
            "removed": "Sources removed.",
            "failed": "Sources that failed.",
            "chunks": "Chunks written.",
            "ok": "1 when nothing failed.",
            "held": "Sources held for review (a passage reads like instructions to an assistant).",
            "skipped": "Web pages left out by the run's limit (KEEL_INGEST_MAX_URLS).",
        },
    ),
    "ingest_run_sources": (
        "Each source's outcome in an ingest run.",
        {
            "run_id": "The run.",
            "source": "Path or URL.",
            "status": "added, updated, held, unchanged, removed, failed, skipped or approved.",
            "chunks": "Chunks written.",
            "reason": "Why it failed or is held, in words.",
        },
    ),
    "knowledge_sources": (
        "Sources as Keel last saw them: who added each and when (the vector store holds the chunks).",
        {
            "collection": "Collection name.",
            "source": "Path or URL.",
            "status": "`active`, `held` (for review: not answered from), `removed`, or `failed` (never ingested).",
            "chunks": "Chunks stored.",
            "added_by": "Who first added it.",
            "added_at": "When it was first added.",
            "updated_at": "Last successful (re-)ingest.",
            "removed_at": "When it was removed.",
            "last_run_id": "The latest run that touched it.",
            "last_error": "The latest failure, if the last attempt failed.",
            "approved_by": "The admin who released it from review.",
            "approved_at": "When it was released.",
        },
    ),
    "audit": (
        "Admin actions, allowed or refused (refusals are recorded too).",
        {
            "id": "Row id.",
            "actor": "Slack user id, or `cli:<login>`.",
            "action": "e.g. add, remove, pause, resume, upload, prune.",
            "target": "What it acted on (source, collection, ...).",
            "allowed": "1 when permitted, 0 when refused.",
            "detail": "Outcome or refusal reason.",
            "created_at": "When (UTC ISO 8601).",
        },
    ),
    "_sqlite_migrations": (
        "Migrations applied (sqlite-utils); do not edit.",
        {
            "id": "Row id.",
            "migration_set": "Always `keel`.",
            "name": "Migration name.",
            "applied_at": "When it was applied.",
        },
    ),
}
VIEWS = {"feedback_last_votes": "Each user's last vote on each turn: the votes that count."}

STATE_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "claims": (
        "Slack deliveries taken, under every key each is known by (exactly once across processes).",
        {
            "key": "`event:{event_id}`, `message:{channel}:{ts}` or `client_msg:{client_msg_id}`.",
            "claimed_at": "When it was claimed (epoch seconds); pruned after a day.",
        },
    ),
    "switches": (
        "Switches an admin sets in Slack: `paused` (`/keel pause`, `/keel resume`).",
        {
            "name": "The switch (`paused`).",
            "value": "1 on, 0 off.",
            "set_by": "Slack user id of who set it.",
            "set_at": "When (epoch seconds).",
        },
    ),
    "threads": (
        "Slack threads Keel replied in: a follow-up there is answered without a mention.",
        {
            "channel": "Slack channel id.",
            "thread_ts": "The thread's first message ts.",
            "joined_at": "When Keel first replied there (epoch seconds).",
        },
    ),
    "answers": (
        "Keel's answer messages and their turns: a 👍/👎 reaction names only the message it is on.",
        {
            "channel": "Slack channel id.",
            "ts": "The answer message's ts.",
            "thread_ts": "Its thread.",
            "turn_id": "The turn in the log (`turns.id` of `keel.db`).",
            "posted_at": "When it was posted (epoch seconds).",
        },
    ),
    "in_flight": (
        "Questions accepted and not answered yet; a restart tells the askers of a process that is gone. "
        "Never the question's text.",
        {
            "channel": "Slack channel id.",
            "message_ts": "The question's message ts.",
            "thread_ts": "Where the answer goes.",
            "user": "Slack user id of the asker.",
            "assistant": "1 in an assistant thread (the progress sign is its status, not a 👀).",
            "owner": "`host:pid:incarnation` of the process answering.",
            "started_at": "When it was accepted (epoch seconds).",
            "draft_ts": "The message a draft is being streamed into, if any (a restart replaces it).",
        },
    ),
    "opened_views": (
        "Modals Keel opened: only their submissions are accepted, once each; kept a day.",
        {
            "view_id": "Slack's view id.",
            "user": "Who it was opened for.",
            "callback_id": "The modal's callback id.",
            "private_metadata": "Its private metadata, as Slack returned it.",
            "opened_at": "When (epoch seconds).",
        },
    ),
    "seen_signatures": (
        "Signatures of the signed HTTP requests taken: a replay within its five minutes is refused.",
        {
            "signature": "The `X-Slack-Signature` value.",
            "forget_after": "When it may be dropped (epoch seconds: its timestamp plus 6 minutes).",
        },
    ),
    "_sqlite_migrations": (
        "Migrations applied (sqlite-utils); do not edit.",
        {
            "id": "Row id.",
            "migration_set": "Always `slack_state`.",
            "name": "Migration name.",
            "applied_at": "When it was applied.",
        },
    ),
}

HEADER = """# The log's schema

<!-- Generated by scripts/gen_schema_doc.py from bot/store/migrations.py and bot/store/state_migrations.py;
do not edit by hand. -->

Keel's log is one SQLite file, `KEEL_HOME/keel.db` (WAL mode). Open it with `sqlite3`, any SQLite
tool, or `datasette keel.db`. Timestamps are UTC ISO 8601 text, so they sort as time; booleans are 0/1.

Migrations: {migrations}.
"""

STATE_HEADER = """
# The Slack state file's schema

`KEEL_HOME/slack.sqlite` (WAL mode) holds what every Keel process sharing `KEEL_HOME` must see at once
(docs/scaling.md). It has its own migrations, apart from the log's. Times are epoch seconds (REAL).

Migrations: {migrations}.
"""


def render_schema_markdown() -> str:
    """The schema document for a freshly migrated log and a freshly migrated state file."""
    db = Database(memory=True)
    migrate(db)
    parts = [HEADER.format(migrations=", ".join(f"`{m.name}`" for m in migrations.applied(db)))]
    parts += _tables(db, TABLES)
    for name in db.view_names():
        parts.append(f"\n## view `{name}`\n\n{VIEWS[name]}\n\n```sql\n{db[name].schema}\n```")
    state = Database(memory=True)
    migrate_state(state)
    parts.append(STATE_HEADER.format(migrations=", ".join(f"`{m.name}`" for m in state_migrations.applied(state))))
    parts += _tables(state, STATE_TABLES)
    return "\n".join(parts) + "\n"


def _tables(db: Database, described: dict[str, tuple[str, dict[str, str]]]) -> list[str]:
    """Each table in migration order, the bookkeeping table last: columns, types, keys and indexes."""
    parts = []
    for name in sorted(db.table_names(), key=lambda n: n.startswith("_")):
        table = db.table(name)
        about, notes = described[name]
        fks = {fk.column: f"{fk.other_table}.{fk.other_column}" for fk in table.foreign_keys}
        parts.append(f"\n## `{name}`\n\n{about}\n\n| column | type | key | notes |\n|---|---|---|---|")
        pks = table.pks
        for column in table.columns:
            key = "PK" if column.name in pks else ""
            if column.name in fks:
                key = f"{key} → `{fks[column.name]}`".strip()
            notnull = " NOT NULL" if column.notnull else ""
            parts.append(f"| `{column.name}` | {column.type}{notnull} | {key} | {notes[column.name]} |")
        indexes = [i for i in table.indexes if not i.name.startswith("sqlite_autoindex")]
        if indexes:
            parts.append(
                "\nIndexes: "
                + "; ".join(f"`{', '.join(i.columns)}`{' (unique)' if i.unique else ''}" for i in indexes)
                + "."
            )
    return parts
