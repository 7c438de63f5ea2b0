"""The conversion worker: a budget per file, and a file that breaks the worker does not break the next."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from knowledge import converters
from knowledge.converters import UnreadableContent
from knowledge.sandbox import Budget, ConversionFailed, SandboxedConverter
from tests.knowledge.builders import handbook_docx, inflating_docx


@pytest.fixture
def worker() -> SandboxedConverter:
    with SandboxedConverter(Budget(timeout_s=2, max_memory_mb=400)) as converter:
        yield converter


def test_a_conversion_past_its_deadline_is_killed_and_the_next_file_converts(worker: SandboxedConverter) -> None:
    started = time.monotonic()
    with pytest.raises(ConversionFailed, match=r"conversion took over 2 s and was stopped"):
        # ~16 s to parse in process on this machine (60,000 levels took 2-4 s: too close to the deadline)
        worker("html", b"<table><tr><td>cell " * 240000, None)
    assert time.monotonic() - started < 5
    assert worker("html", b"<h1>Bikes</h1><p>In the basement.</p>", None).title == "Bikes"


def test_a_conversion_past_its_memory_budget_is_refused_and_the_next_file_converts(
    worker: SandboxedConverter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "budget", Budget(timeout_s=20, max_memory_mb=400, docx_max_unpacked_mb=200))
    with pytest.raises(ConversionFailed, match=r"out of memory \(limit 400 MB\)"):
        worker("docx", inflating_docx(95 * 1024 * 1024), None)  # 320 KB; python-docx needs GBs for it
    assert worker("markdown", b"# Leave\n\n25 days.", None).text == "# Leave\n\n25 days."


def test_unreadable_content_keeps_its_reason_and_the_worker(worker: SandboxedConverter) -> None:
    with pytest.raises(UnreadableContent, match="not a text file") as raised:
        worker("text", b"\x00\x01binary", None)
    assert not isinstance(raised.value, ConversionFailed)
    assert "Employee Handbook" in worker("docx", handbook_docx(), None).title


def test_a_long_running_process_with_many_open_files_still_converts() -> None:
    # A server that has run for days holds descriptors past 1023, where select() gives up.
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this machine allows too few open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with SandboxedConverter(Budget(timeout_s=10)) as converter:
            assert converter("markdown", b"# Leave\n\n25 days.", None).text == "# Leave\n\n25 days."
    finally:
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_docx_part_compressed_with_bzip2_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>", compress_type=zipfile.ZIP_BZIP2)
    with pytest.raises(UnreadableContent, match="unsupported compression"):
        converters.docx_to_markdown(buffer.getvalue())


def test_nested_lists_and_tables_keep_their_text_once() -> None:
    html = (
        b"<ul><li>a<ul><li>b<ol><li>c</li></ol></li></ul></li><li>d</li></ul>"
        b"<table><tr><th>k</th><th>v</th></tr><tr><td>x<table><tr><td>in</td></tr></table></td><td>y</td></tr></table>"
    )
    text = converters.html_to_markdown(html).text
    assert text == "- a\n- b\n- c\n- d\n\n| k | v |\n| --- | --- |\n| xin | y |"


def test_html_nested_past_the_limit_is_refused_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(UnreadableContent, match="HTML nested more than 200 levels deep"):
        converters.html_to_markdown(b"<ul><li>x" * 9500)
    assert time.monotonic() - started < 5
