"""Files DMed to Keel: an admin's are added to the knowledge base and the outcome is said in the thread;
bad files get a clear reply and change nothing stored; a non-admin's are refused and audited."""

from __future__ import annotations

import io
from typing import Any

from bot.uploads import MAX_UPLOAD_BYTES
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, Running
from tests.bot.listeners.conftest import audit_rows
from tests.slack_emulator.events import dm_channel

HANDBOOK = b"# Bike policy\n\nEmployees may park bicycles in the basement garage. Lockers are next to the showers.\n"


def send_file(keel: Running, user: str, file_id: str, name: str, content: bytes, text: str = "", **meta: Any) -> str:
    """``user`` DMs Keel a file; returns the message ts (Keel replies in its thread)."""
    info = keel.emulator.add_file(file_id, content, name, user=user)
    info.update(meta)
    if meta:
        keel.emulator.workspace.files[file_id] = (info, content)
    payload = keel.emulator.payloads.event_message_im(text, user)
    event = payload["event"]
    event.update(subtype="file_share", files=[{"id": file_id, "name": name, "size": info["size"]}])
    event.pop("client_msg_id")
    keel.post(payload)
    return event["ts"]


def thread_replies(keel: Running, user: str, ts: str) -> list[str]:
    return [m["text"] for m in keel.replies(dm_channel(user), ts)]


def test_an_admin_adds_a_markdown_file_to_a_collection(admin_keel: Running) -> None:
    ts = send_file(admin_keel, ALICE, "F0BIKE", "bikes.md", HANDBOOK, text="collection: facilities")
    working, outcome = thread_replies(admin_keel, ALICE, ts)
    assert "Adding bikes.md to `facilities`" in working
    assert "Added *bikes.md* to `facilities`" in outcome and "chunks" in outcome
    saved = get_settings().home / "uploads" / "facilities" / "bikes.md"
    assert saved.read_bytes() == HANDBOOK
    hits = admin_keel.keel.admin.ops.kb.search("where can I park my bicycle", k=3, collections=["facilities"])
    assert hits and hits[0].source == str(saved)
    (download,) = admin_keel.emulator.file_downloads()
    assert download.token == admin_keel.emulator.bot_token
    assert [(r["action"], r["allowed"]) for r in audit_rows(admin_keel)] == [("upload", 1)]


def test_a_non_admin_upload_is_refused_and_audited(admin_keel: Running) -> None:
    ts = send_file(admin_keel, BOB, "F0BOB", "notes.md", HANDBOOK)
    (reply,) = thread_replies(admin_keel, BOB, ts)
    assert "only Keel's admins can add documents" in reply
    assert admin_keel.emulator.file_downloads() == []
    (row,) = audit_rows(admin_keel)
    assert row["actor"] == BOB and row["allowed"] == 0 and "notes.md" in row["target"]


def test_an_unsupported_type_is_refused_before_downloading(admin_keel: Running) -> None:
    ts = send_file(admin_keel, ALICE, "F0EXE", "setup.exe", b"MZ\x90\x00")
    assert "I can't read `.exe` files" in thread_replies(admin_keel, ALICE, ts)[-1]
    assert admin_keel.emulator.file_downloads() == []


def test_an_oversized_file_is_refused_before_downloading(admin_keel: Running) -> None:
    ts = send_file(admin_keel, ALICE, "F0BIG", "big.pdf", b"%PDF-1.4", size=MAX_UPLOAD_BYTES + 1)
    assert "too large" in thread_replies(admin_keel, ALICE, ts)[-1]
    assert admin_keel.emulator.file_downloads() == []


def test_an_empty_file_gets_a_clear_reply(admin_keel: Running) -> None:
    ts = send_file(admin_keel, ALICE, "F0EMPTY", "empty.txt", b"")
    reply = thread_replies(admin_keel, ALICE, ts)[-1]
    assert "Could not add *empty.txt*" in reply and "empty" in reply
    assert not (get_settings().home / "uploads" / "default" / "empty.txt").exists()


def test_a_corrupt_replacement_keeps_what_was_stored(admin_keel: Running) -> None:
    send_file(admin_keel, ALICE, "F0DOC1", "guide.docx", _docx("Visitors sign in at the front desk and wear a badge."))
    admin_keel.settle()
    saved = get_settings().home / "uploads" / "default" / "guide.docx"
    good = saved.read_bytes()
    ts = send_file(admin_keel, ALICE, "F0DOC2", "guide.docx", b"this is not a zip file at all")
    reply = thread_replies(admin_keel, ALICE, ts)[-1]
    assert "Could not add *guide.docx*" in reply and "Nothing stored was changed" in reply
    assert saved.read_bytes() == good  # the earlier upload is back in place
    hits = admin_keel.keel.admin.ops.kb.search("where do visitors sign in", k=3)
    assert hits and hits[0].source == str(saved)


def test_a_download_slack_refuses_is_reported(admin_keel: Running) -> None:
    admin_keel.emulator.add_file("F0GONE", HANDBOOK, "gone.md", user=ALICE)
    admin_keel.emulator.workspace.files["F0GONE"][0]["url_private_download"] = (
        admin_keel.emulator.url + "/files/F0NONE/x"
    )
    payload = admin_keel.emulator.payloads.event_message_im("", ALICE)
    payload["event"].update(subtype="file_share", files=[{"id": "F0GONE", "name": "gone.md"}])
    admin_keel.post(payload)
    reply = thread_replies(admin_keel, ALICE, payload["event"]["ts"])[-1]
    assert "Could not add *gone.md*" in reply and "HTTP 404" in reply


def _docx(text: str) -> bytes:
    """A minimal valid .docx with one paragraph."""
    from docx import Document  # python-docx, a dependency of the loaders

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()
