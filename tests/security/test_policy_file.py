"""The policy file (keel.toml: admins, guards, experts) cannot be changed from Slack, by anyone.

Keel has no Slack operation that writes it: admins change the file on disk and Keel re-reads it when it
changes (there is no reload command, and none is needed). These tests run every restricted operation of
tests/security/test_admin_only.py, as a non-admin and as an admin, plus the attempts that name the file
itself (a URL or path to it, an upload called keel.toml, a path-traversal file name), and check that the
file's bytes are unchanged and that Keel still enforces what it says.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, Running
from tests.bot.listeners.conftest import run_command
from tests.security.test_admin_only import OPERATIONS, PAGE
from tests.slack_emulator.events import dm_channel


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def send_file(keel: Running, user: str, name: str, content: bytes) -> str:
    file_id = f"F0{abs(hash(name)) % 10**8}"
    info = keel.emulator.add_file(file_id, content, name, user=user)
    # Slack URL-encodes the name in url_private; the emulator does not, so give it a plain one.
    info["url_private_download"] = info["url_private"] = f"{keel.emulator.url}/files/{file_id}/download"
    keel.emulator.workspace.files[file_id] = (info, content)
    payload = keel.emulator.payloads.event_message_im("", user)
    payload["event"].update(subtype="file_share", files=[{"id": file_id, "name": name}])
    payload["event"].pop("client_msg_id")
    keel.post(payload)
    return keel.replies(dm_channel(user), payload["event"]["ts"])[-1]["text"]


HIJACK = f'admins = ["{BOB}"]\n'.encode()  # what someone would like the policy to say


@pytest.mark.parametrize("user", [BOB, ALICE], ids=["non-admin", "admin"])
def test_nothing_in_slack_writes_the_policy_file(admin_keel: Running, web_page, user: str) -> None:
    policy = get_settings().policy
    assert policy is not None and policy.exists()
    before = fingerprint(policy)
    url = web_page("/desks", PAGE)
    for operation in OPERATIONS.values():
        assert operation(admin_keel, user, url).done == (user == ALICE)
        admin_keel.keel.admin.pause.set(False, ALICE)  # "/keel resume" as BOB leaves Keel paused
    for attempt in (f"add file://{policy}", f"add {policy}", f"remove {policy}", f"remove {policy.name}"):
        run_command(admin_keel, attempt, user)
    for name in ("keel.toml", f"..{os.sep}..{os.sep}keel.toml", f"{policy}", "keel.toml.md"):
        send_file(admin_keel, user, name, HIJACK)
    admin_keel.settle()

    assert fingerprint(policy) == before
    uploads = get_settings().home / "uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file() and p.resolve().parent == policy.parent]
    assert "only Keel's admins" in run_command(admin_keel, "status", BOB)[-1]  # the admins are still who they were


def test_an_upload_named_like_the_policy_cannot_land_outside_the_uploads_folder(admin_keel: Running) -> None:
    policy = get_settings().policy
    assert policy is not None
    before = fingerprint(policy)
    said = send_file(admin_keel, ALICE, f"../../../{policy.parent.name}/keel.toml", HIJACK)
    assert "I can't read `.toml` files" in said
    said = send_file(admin_keel, ALICE, f"../../{policy.name}.md", b"# Policy notes\n\nNothing to see.\n")
    assert "Added *keel.toml.md*" in said  # saved under uploads/default/, as a document like any other
    assert fingerprint(policy) == before
    saved = [p for p in (get_settings().home / "uploads").rglob("*.md")]
    assert [p.name for p in saved] == ["keel.toml.md"] and saved[0].parent.name == "default"


def test_admins_change_the_policy_on_disk_and_keel_follows(admin_keel: Running) -> None:
    """The only way in: an edit of the file by whoever runs Keel; Keel re-reads it, no command needed."""
    policy = get_settings().policy
    assert policy is not None
    assert "only Keel's admins" in run_command(admin_keel, "status", BOB)[-1]
    policy.write_text(f'admins = ["{ALICE}", "{BOB}"]\n')
    assert "*Answering*" in run_command(admin_keel, "status", BOB)[-1]
