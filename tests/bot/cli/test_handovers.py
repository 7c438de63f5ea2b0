"""``keel handovers``: every hand-over with its age and status; ``--pending`` only the waiting ones."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from bot.cli import app
from bot.store.db import open_db, utc_now
from bot.store.handovers import open_handover, resolve_handover


def test_handovers_lists_age_and_status() -> None:
    db = open_db()
    old = open_handover(
        db, turn_id="t-old", thread_id="slack:C1:1.0", channel="C1", thread_ts="1.0",
        question="Can I bring my dog?", reason="weak evidence", created_at=utc_now() - timedelta(hours=3),
    )  # fmt: skip
    open_handover(db, turn_id="t-new", thread_id="slack:C1:2.0", channel="C1", thread_ts="2.0", question="Payday?")
    resolve_handover(db, old, resolved_by="U0EXPERT", answer="Yes, on Fridays.")
    db.close()

    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["handovers", "--json"]).stdout)
    assert [(h["turn_id"], h["status"]) for h in listed] == [("t-new", "pending"), ("t-old", "resolved")]
    assert listed[1]["age"].startswith("3h") and listed[1]["resolved_by"] == "U0EXPERT"
    pending = json.loads(runner.invoke(app, ["handovers", "--pending", "--json"]).stdout)
    assert [h["turn_id"] for h in pending] == ["t-new"]
    table = runner.invoke(app, ["handovers"])
    assert table.exit_code == 0 and "3h" in table.stdout and "resolved" in table.stdout
