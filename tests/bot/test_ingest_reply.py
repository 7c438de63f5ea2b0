"""The Slack reply to an ingest says what happened to every source, pages left out over the limit too."""

from __future__ import annotations

from bot.admin_blocks import ingest_text
from knowledge.ingest import IngestReport, SourceOutcome


def test_the_reply_names_what_was_added_failed_and_left_out():
    report = IngestReport(
        outcomes=[
            SourceOutcome("https://intranet.example/policy", "added", chunks=3),
            SourceOutcome("https://intranet.example/broken.pdf", "failed", reason="timed out after 15 s"),
            SourceOutcome(
                "https://intranet.example/sitemap.xml",
                "skipped",
                reason="9,995 URLs skipped: over the limit of 5 per run",
            ),
        ]
    )
    text = ingest_text(report, "default")
    assert ":white_check_mark: Added *policy*" in text
    assert ":x: Could not add *broken.pdf*: timed out after 15 s" in text
    assert "Left out from *sitemap.xml*: 9,995 URLs skipped: over the limit of 5 per run" in text
