"""Hostile files in one batch, through both doors: ``keel ingest`` (typer's runner, real Chroma and the
ONNX embedder) and a DM to the bot in Slack (the real Bolt app in HTTP mode, the Slack emulator serving
the downloads). Each bad file is named with a clear reason, the good ones in the same batch are added,
what was stored before is still there, memory stays bounded (a 2 GiB zip bomb is never inflated) and
Keel goes on answering.

The unit-level cases (one file each) are in tests/knowledge/test_loaders.py; these check the batch.
"""

from __future__ import annotations

import json
import random
import resource
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.uploads import MAX_UPLOAD_BYTES
from config.settings import get_settings
from knowledge.base import KnowledgeBase
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.knowledge.builders import docx_bomb, handbook_docx, padded_pdf, pdf_bytes
from tests.slack_emulator.events import dm_channel

MB = 1024 * 1024
GOOD = b"# Bike policy\n\nEmployees may park bicycles in the basement garage. Lockers are next to the showers.\n"
BROKEN_UTF8 = "# Canteen\n\nThe café serves crème brûlée on Fridays for 3 €. ".encode() + b"Cr\xc3" + b" and tea.\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(200)
NOISE = random.Random(8).randbytes(4096)  # binary data under a text name
# Pages whose content streams inflate past the per-page limits (see knowledge/converters.py PDF_MAX_*).
BLOATED_PDF = padded_pdf([(f"Page {n}", b" " * (11 * MB)) for n in range(6)] + [("Readable.", b"")])
# What a person sees for each file (a substring of the reason), and the added ones.
EXPECTED_FAILURES = {
    "broken.pdf": "corrupt PDF: ",
    "salaries.pdf": "password-protected PDF",
    "bomb.docx": "DOCX unpacks to 2,04",
    "bloated.pdf": "corrupt PDF: more than 5 pages cannot be read",
    "picture.md": "not a text file",
    "noise.txt": "not a text file",
    "empty.txt": "empty file",
}
EXPECTED_ADDED = {"bikes.md", "canteen.md"}


def hostile_batch() -> dict[str, bytes]:
    return {
        "bikes.md": GOOD,
        "canteen.md": BROKEN_UTF8,
        "broken.pdf": pdf_bytes([["Travel rules."]])[:400],
        "salaries.pdf": pdf_bytes([["Salaries by name."]], user_password="hunter2"),
        "bomb.docx": docx_bomb(),
        "bloated.pdf": BLOATED_PDF,
        "picture.md": PNG,
        "noise.txt": NOISE,
        "empty.txt": b"",
    }


def peak_rss_mb() -> float:
    """This process's high-water mark (Linux reports KiB): inflating the bomb would add 2,048 MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the command line ----------------------------------------------------------------------------------


def test_keel_ingest_reports_each_hostile_file_and_keeps_the_rest(tmp_path: Path, kb_folder: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(cli, ["ingest", str(kb_folder), "--json"], catch_exceptions=False)
    assert before.exit_code == 0, before.output
    stored = {s.source: s.chunks for s in KnowledgeBase().sources()}

    folder = tmp_path / "batch"
    folder.mkdir()
    for name, content in hostile_batch().items():
        (folder / name).write_bytes(content)
    with (folder / "huge.txt").open("wb") as huge:
        huge.truncate(51 * MB)  # sparse: over the 50 MB file limit without using the disk
    rss_before = peak_rss_mb()
    result = runner.invoke(cli, ["ingest", str(folder), "--json"], catch_exceptions=False)
    grown = peak_rss_mb() - rss_before

    assert result.exit_code == 1  # failures make the exit code non-zero, for scripts
    outcomes = {Path(o["source"]).name: o for o in json.loads(result.stdout)["sources"]}
    failed = {name: o["reason"] for name, o in outcomes.items() if o["status"] == "failed"}
    assert set(failed) == {*EXPECTED_FAILURES, "huge.txt"}, outcomes
    for name, reason in EXPECTED_FAILURES.items():
        assert reason in failed[name], (name, failed[name])
    assert failed["huge.txt"] == "file too large (51 MB > 50 MB)"
    assert {name for name, o in outcomes.items() if o["status"] == "added"} == EXPECTED_ADDED
    assert grown < 300, f"ingesting the batch grew the process by {grown:.0f} MB"

    base = KnowledgeBase()
    after = {s.source: s.chunks for s in base.sources()}
    assert {source: after.get(source) for source in stored} == stored  # nothing stored before was lost
    assert base.search("where can I park my bicycle", k=1)[0].source == str(folder / "bikes.md")
    canteen = base.search("crème brûlée on Fridays", k=1)[0]
    assert canteen.source == str(folder / "canteen.md") and "café serves crème brûlée" in canteen.text


# --- a DM to the bot ---------------------------------------------------------------------------------


def send_files(keel: Running, user: str, files: dict[str, bytes], **declared_sizes: int) -> str:
    """``user`` DMs Keel several files in one message; ``declared_sizes`` overrides what files.info says."""
    shared = []
    for number, (name, content) in enumerate(files.items()):
        file_id = f"F0HOSTILE{number}"
        info = keel.emulator.add_file(file_id, content, name, user=user)
        key = name.replace(".", "_")
        if key in declared_sizes:
            info["size"] = declared_sizes[key]
            keel.emulator.workspace.files[file_id] = (info, content)
        shared.append({"id": file_id, "name": name, "size": info["size"]})
    payload = keel.emulator.payloads.event_message_im("", user)
    payload["event"].update(subtype="file_share", files=shared)
    payload["event"].pop("client_msg_id")
    keel.post(payload)
    return payload["event"]["ts"]


def test_a_dm_with_hostile_files_names_each_problem_and_adds_the_rest(admin_keel: Running) -> None:
    uploads = get_settings().home / "uploads" / "default"
    # An earlier upload whose name the zip bomb reuses: it must survive the failed replacement.
    first = send_files(admin_keel, ALICE, {"bomb.docx": handbook_docx()})
    assert "Added *bomb.docx*" in admin_keel.replies(dm_channel(ALICE), first)[-1]["text"]
    handbook = (uploads / "bomb.docx").read_bytes()
    stored = {s.source: s.chunks for s in admin_keel.keel.admin.ops.kb.sources()}

    batch = hostile_batch()
    batch["huge.txt"] = b"too big to download"  # files.info says 21 MB: refused before any download
    batch["liar.md"] = b"a" * (MAX_UPLOAD_BYTES + MB)  # files.info says 1 KB: the download is cut at 20 MB
    rss_before = peak_rss_mb()
    ts = send_files(admin_keel, ALICE, batch, huge_txt=21 * MB, liar_md=1024)
    said = admin_keel.replies(dm_channel(ALICE), ts)
    assert len(said) == 2, said
    working, outcome = (m["text"] for m in said)
    grown = peak_rss_mb() - rss_before

    assert "Adding bikes.md, canteen.md, broken.pdf" in working
    lines = {line.split("*")[1]: line for line in outcome.splitlines()}
    assert set(lines) == set(batch)  # one line per file, each named
    for name, reason in EXPECTED_FAILURES.items():
        assert lines[name].startswith(f":x: Could not add *{name}*:") and reason in lines[name], lines[name]
        assert lines[name].endswith("Nothing stored was changed.")
    assert "too large (21 MB); the limit is 20 MB" in lines["huge.txt"]
    assert "larger than the 20 MB limit" in lines["liar.md"]
    for name in EXPECTED_ADDED:
        assert lines[name].startswith(f":white_check_mark: Added *{name}* to `default`")
    assert grown < 300, f"the batch grew Keel by {grown:.0f} MB"

    assert (uploads / "bomb.docx").read_bytes() == handbook  # the earlier upload is back in place
    assert sorted(p.name for p in uploads.iterdir()) == ["bikes.md", "bomb.docx", "canteen.md"]
    after = {s.source: s.chunks for s in admin_keel.keel.admin.ops.kb.sources()}
    assert {source: after.get(source) for source in stored} == stored
    downloaded = {c.method.split("/")[-1] for c in admin_keel.emulator.file_downloads()}
    assert "F0HOSTILE9" not in downloaded  # huge.txt (the 10th file) was never fetched

    # Keel is still up and answering.
    question = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    admin_keel.post(question)
    replies = admin_keel.replies(HELP, question["event"]["ts"])
    assert len(replies) == 1 and "20 weeks" in replies[0]["text"], replies


@pytest.mark.parametrize("name", ["bomb.docx", "bloated.pdf"])
def test_a_non_admin_cannot_make_keel_open_hostile_files(admin_keel: Running, name: str) -> None:
    ts = send_files(admin_keel, BOB, {name: hostile_batch()[name]})
    (reply,) = admin_keel.replies(dm_channel(BOB), ts)
    assert "only Keel's admins can add documents" in reply["text"]
    assert admin_keel.emulator.file_downloads() == []
