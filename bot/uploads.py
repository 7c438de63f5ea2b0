"""Files admins send Keel in Slack: checked, downloaded with the bot token and saved under
``KEEL_HOME/uploads/<collection>/``, then ingested.

Checks come before the download where Slack's ``files.info`` allows (type by name, size), so an
oversized or unsupported file costs no transfer. A file that replaces an earlier upload of the same name
keeps the earlier one until the new one is in: if ingesting fails, the old file is put back (and the
knowledge base never dropped its chunks), so nothing stored is lost.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import httpx

from bot.knowledge_ops import KnowledgeOps
from knowledge.ingest import IngestReport, SourceOutcome
from knowledge.loaders import SUPPORTED_SUFFIXES

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 20 * MB
DOWNLOAD_TIMEOUT_S = 60.0
SUPPORTED_NAMES = "PDF, DOCX, Markdown, text, HTML and CSV"


class UploadError(Exception):
    """A file Keel will not take; the message is for the person who sent it."""


@dataclass(frozen=True)
class Upload:
    file_id: str
    name: str
    size: int
    url: str
    mimetype: str


def upload_from(info: dict[str, Any]) -> Upload:
    """Check a file as ``files.info`` describes it; raises :class:`UploadError` if Keel cannot take it."""
    name = safe_name(str(info.get("name") or info.get("title") or info.get("id") or "file"))
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"`{suffix}` files" if suffix else "files without an extension"
        raise UploadError(f"I can't read {kind}. I can add {SUPPORTED_NAMES} files.")
    size = int(info.get("size") or 0)
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(f"it is too large ({size / MB:.0f} MB); the limit is {MAX_UPLOAD_BYTES // MB} MB.")
    if info.get("mode") in ("external", "snippet") or info.get("is_external"):
        raise UploadError("it is not a file stored in Slack (external files and snippets cannot be added).")
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise UploadError("Slack did not give me a download link for it.")
    return Upload(str(info.get("id")), name, size, str(url), str(info.get("mimetype") or ""))


def safe_name(name: str) -> str:
    """A file name that stays inside the uploads folder."""
    cleaned = re.sub(r"[^\w.\- ]", "_", PurePath(name.replace("\\", "/")).name).strip(" .")
    return cleaned[:120] or "file"


def download(upload: Upload, token: str, target: Path) -> None:
    """Fetch ``url_private`` with the bot token into ``target``, at most :data:`MAX_UPLOAD_BYTES`."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + DOWNLOAD_TIMEOUT_S  # the timeout bounds each read, not a byte-by-byte drip
    try:
        with httpx.stream("GET", upload.url, headers=headers, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True) as r:
            if not r.is_success:
                raise UploadError(f"Slack answered HTTP {r.status_code} when I downloaded it.")
            media = r.headers.get("content-type", "").split(";")[0].strip().lower()
            if media == "text/html" and not upload.name.lower().endswith((".html", ".htm")):
                # Slack's sign-in page instead of the file: the token lacks files:read, or the file is gone
                raise UploadError("Slack did not let me download it (I may be missing the files:read permission).")
            written = 0
            with target.open("wb") as out:
                for piece in r.iter_bytes():
                    written += len(piece)
                    if written > MAX_UPLOAD_BYTES:
                        raise UploadError(f"it is larger than the {MAX_UPLOAD_BYTES // MB} MB limit.")
                    if time.monotonic() > deadline:
                        raise UploadError(
                            f"the download from Slack took over {DOWNLOAD_TIMEOUT_S:g} s; please try again."
                        )
                    out.write(piece)
    except httpx.HTTPError as exc:
        raise UploadError("the download from Slack failed; please try again.") from exc


def ingest_upload(ops: KnowledgeOps, upload: Upload, token: str, collection: str, actor: str) -> IngestReport:
    """Download, put in place and ingest one file; on failure the previous file of that name stays."""
    folder = ops.settings.home / "uploads" / collection
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / upload.name
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".incoming-") as incoming:
        fresh = Path(incoming) / upload.name
        try:
            download(upload, token, fresh)
        except UploadError as exc:
            return IngestReport([SourceOutcome(str(final), "failed", reason=str(exc).rstrip("."))])
        backup = Path(incoming) / (upload.name + ".previous")
        had_previous = final.exists()
        if had_previous:
            shutil.copy2(final, backup)
        os.replace(fresh, final)
        report = ops.ingest([str(final)], collection, actor=actor, trigger="slack_file")
        if not report.ok:
            if had_previous:
                os.replace(backup, final)
            else:
                final.unlink(missing_ok=True)
    return report
