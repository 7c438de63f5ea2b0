"""Files, folders, URLs and sitemaps in; Markdown documents out.

:func:`discover` expands what a person named into source identifiers, :func:`load` reads one of them.
This module owns the I/O (file checks, HTTP, sitemaps); ``knowledge.converters`` turns bytes into Markdown.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import socket
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from knowledge.converters import CONVERTERS, Converted, UnreadableContent
from knowledge.types import Document

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".csv"})
FORMAT_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".csv": "csv",
}
FORMAT_BY_MEDIA_TYPE = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/csv": "csv",
}
# Servers that do not know a file's type say so with these; the URL's suffix decides instead.
_UNTYPED_MEDIA_TYPES = {"", "application/octet-stream", "binary/octet-stream"}

MB = 1024 * 1024
MAX_FILE_BYTES = 50 * MB
MAX_DOWNLOAD_BYTES = 10 * MB
FETCH_TIMEOUT_S = 15.0
MAX_REDIRECTS = 5
MAX_SITEMAP_DEPTH = 4
USER_AGENT = "KeelBot/0.1"
SKIPPED_FOLDERS = frozenset({"_build"})
MAX_SITEMAPS = 100  # sitemap files fetched per run: an index may list thousands of nested ones

Convert = Callable[[str, bytes, str | None], Converted]  # format, bytes, charset


def convert_in_process(fmt: str, data: bytes, charset: str | None) -> Converted:
    """The converters run here, unbounded: for trusted input and tests (ingest uses knowledge.sandbox)."""
    return CONVERTERS[fmt](data, charset)


class LoadError(Exception):
    """A source that cannot be loaded; ``reason`` is short and meant for the person who named it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class OverLimit(LoadError):
    """URLs left out because the run reached its cap; ``count`` says how many (nested sitemaps unread
    count as one each)."""

    def __init__(self, source: str, reason: str, count: int) -> None:
        super().__init__(source, reason)
        self.count = count


def check_url_allowed(url: str) -> str | None:
    """Raise :class:`LoadError` if ``url`` must not be fetched; called before every request and redirect.

    Inside :func:`public_urls_only` (URLs named in Slack), a host that resolves to a private, loopback,
    link-local or otherwise non-public address is refused, so a Slack message cannot make Keel fetch
    internal services (SSRF), and the address checked is returned: the request goes to it rather than to
    a second lookup, which a hostile DNS server could answer with an internal address (DNS rebinding).
    Elsewhere (the command line, run by whoever runs Keel) everything is allowed and None is returned.
    """
    if not _public_only.get():
        return None
    try:
        host = httpx.URL(url).host  # the parser that makes the request, so both see the same host
    except httpx.InvalidURL as exc:
        raise LoadError(url, "not a valid URL") from exc
    if not host:
        raise LoadError(url, "the URL has no host")
    try:
        addresses = list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, None)))
    except (OSError, UnicodeError) as exc:
        raise LoadError(url, f"cannot resolve {host}") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        ip = getattr(ip, "ipv4_mapped", None) or ip
        if not ip.is_global:
            raise LoadError(url, f"{host} is a private or local address; only public web pages can be added from Slack")
    return addresses[0]


@contextmanager
def public_urls_only(enabled: bool = True) -> Iterator[None]:
    """Within this block (in this thread), :func:`check_url_allowed` refuses non-public addresses."""
    token = _public_only.set(enabled)
    try:
        yield
    finally:
        _public_only.reset(token)


_public_only: ContextVar[bool] = ContextVar("keel_public_urls_only", default=False)


@contextmanager
def following_links(enabled: bool = True) -> Iterator[None]:
    """Within this block, folder ingest follows links to files and folders outside the folder named
    (``keel ingest --follow-links``); by default they are skipped and reported."""
    token = _follow_links.set(enabled)
    try:
        yield
    finally:
        _follow_links.reset(token)


_follow_links: ContextVar[bool] = ContextVar("keel_follow_links", default=False)


# --- discovery ---------------------------------------------------------------------------------------


@dataclass
class _UrlBudget:
    """How many more page URLs this run may take; what it left out, by the input that listed them."""

    limit: int | None
    taken: int = 0
    sitemaps: int = 0  # nested sitemaps fetched
    left_out: dict[str, int] = field(default_factory=dict)  # pages (or unread sitemaps, one each) by input
    unread_sitemaps: dict[str, int] = field(default_factory=dict)  # past MAX_SITEMAPS, by input

    def take(self, urls: list[str], listed_by: str) -> list[str]:
        room = len(urls) if self.limit is None else max(0, self.limit - self.taken)
        if len(urls) > room:
            self.left_out[listed_by] = self.left_out.get(listed_by, 0) + len(urls) - room
        self.taken += min(room, len(urls))
        return urls[:room]

    @property
    def full(self) -> bool:
        return self.limit is not None and self.taken >= self.limit

    def errors(self) -> list[LoadError]:
        over_pages: list[LoadError] = [
            OverLimit(source, f"{count:,} URLs skipped: over the limit of {self.limit or 0:,} per run", count)
            for source, count in self.left_out.items()
        ]
        over_sitemaps = [
            OverLimit(source, f"{count:,} sitemaps not read: over the limit of {MAX_SITEMAPS} per run", count)
            for source, count in self.unread_sitemaps.items()
        ]
        return over_pages + over_sitemaps


def discover(
    inputs: Sequence[str], *, http: httpx.Client | None = None, max_urls: int | None = None
) -> tuple[list[str], list[LoadError]]:
    """Expand files, folders (recursively), URLs and sitemaps into source identifiers, in order, once each.

    Hidden files and folders and ``_build`` folders are skipped, as are unsupported files inside folders;
    a missing path or an explicitly named unsupported file is reported as a :class:`LoadError`. Past
    ``max_urls`` page URLs, the rest are left out and counted in an :class:`OverLimit` per input.
    """
    sources: dict[str, None] = {}  # an ordered set
    errors: list[LoadError] = []
    budget = _UrlBudget(max_urls)
    for raw in inputs:
        item = raw.strip()
        try:
            if is_url(item):
                found = _sitemap_pages(item, http, errors, budget) if _looks_like_sitemap_url(item) else [item]
                found = budget.take([url for url in found if url not in sources], item)
            else:
                found = _discover_path(Path(item).expanduser(), http, errors, budget)
        except LoadError as exc:
            errors.append(exc)
            continue
        sources.update(dict.fromkeys(found))
    return list(sources), errors + budget.errors()


def is_url(source: str) -> bool:
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _looks_like_sitemap_url(url: str) -> bool:
    name = PurePosixPath(urlsplit(url).path).name.lower()
    return name.endswith(".xml") and "sitemap" in name


def _discover_path(path: Path, http: httpx.Client | None, errors: list[LoadError], budget: _UrlBudget) -> list[str]:
    if not path.exists():
        raise LoadError(str(path), "no such file or folder")
    path = path.resolve()
    if path.is_dir():
        return _walk_folder(path, errors)
    suffix = path.suffix.lower()
    if suffix == ".xml":
        pages = _sitemap_pages(str(path), http, errors, budget, body=_read_file(str(path), path))
        return budget.take(pages, str(path))
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(str(path), _unsupported(suffix))
    return [str(path)]


def _walk_folder(root: Path, errors: list[LoadError]) -> list[str]:
    def report(exc: OSError) -> None:
        errors.append(LoadError(str(exc.filename), f"cannot read folder: {exc.strerror}"))

    follow = _follow_links.get()
    found: list[str] = []
    seen_folders = {root}
    for folder, subfolders, files in os.walk(root, onerror=report, followlinks=follow):
        subfolders[:] = [
            name
            for name in sorted(subfolders)
            if not _skipped_name(name) and _inside(root, Path(folder) / name, follow, errors, seen_folders)
        ]
        found.extend(
            str(Path(folder) / name)
            for name in sorted(files)
            if not name.startswith(".")
            and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
            and _inside(root, Path(folder) / name, follow, errors)
        )
    return found


def _inside(root: Path, path: Path, follow: bool, errors: list[LoadError], seen: set[Path] | None = None) -> bool:
    """Whether a folder walk may take ``path``: links leading out of the folder only when following links
    (then each real folder once, so a link loop ends); one leading out is reported, not read."""
    if not path.is_symlink():
        return True
    target = path.resolve()
    if not follow:
        if target == root or root in target.parents:
            return not target.is_dir()  # a link to a folder inside is walked there already
        errors.append(LoadError(str(path), "a link to outside the folder, skipped (--follow-links reads it)"))
        return False
    if seen is None:
        return True
    if target in seen:
        return False
    seen.add(target)
    return True


def _skipped_name(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDERS


def _unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"


# --- sitemaps ----------------------------------------------------------------------------------------


def _sitemap_pages(
    location: str,
    http: httpx.Client | None,
    errors: list[LoadError],
    budget: _UrlBudget,
    *,
    body: bytes | None = None,
    depth: int = 0,
    seen: set[str] | None = None,
) -> list[str]:
    """The page URLs a sitemap lists, following nested sitemap indexes; failing nested ones become errors.
    Once the run has as many pages as its budget allows, nested sitemaps are counted, not fetched."""
    seen = seen if seen is not None else {location}
    if body is None:
        body = fetch(location, http=http).body
    root_name, locations = _parse_sitemap(location, body)
    if root_name == "urlset":
        return locations
    pages: list[str] = []
    for nested in locations:
        if nested in seen:
            continue
        seen.add(nested)
        if depth + 1 > MAX_SITEMAP_DEPTH:
            errors.append(LoadError(nested, f"sitemaps nested more than {MAX_SITEMAP_DEPTH} deep"))
            continue
        if budget.limit is not None and budget.taken + len(pages) >= budget.limit:
            budget.left_out[location] = budget.left_out.get(location, 0) + 1  # its pages are unknown: count one
            continue
        if budget.sitemaps >= MAX_SITEMAPS:
            budget.unread_sitemaps[location] = budget.unread_sitemaps.get(location, 0) + 1
            continue
        budget.sitemaps += 1
        try:
            pages.extend(_sitemap_pages(nested, http, errors, budget, depth=depth + 1, seen=seen))
        except LoadError as exc:
            errors.append(exc)
    return pages


def _parse_sitemap(location: str, body: bytes) -> tuple[str, list[str]]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise LoadError(location, f"invalid sitemap XML: {exc}") from exc
    root_name = _local_name(root.tag)
    if root_name not in ("urlset", "sitemapindex"):
        reason = "not a sitemap (no <urlset> or <sitemapindex>)"
        raise LoadError(location, reason if is_url(location) else f"{_unsupported('.xml')}: {reason}")
    base = location if is_url(location) else ""
    locations = []
    for element in root.iter():
        if _local_name(element.tag) == "loc" and element.text and element.text.strip():
            url = urljoin(base, element.text.strip())
            if is_url(url):
                locations.append(url)
    return root_name, locations


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- loading -----------------------------------------------------------------------------------------


def load(source: str, *, http: httpx.Client | None = None, convert: Convert | None = None) -> list[Document]:
    """Load one source (a path from :func:`discover`, or a URL) into Documents: one per source for now.

    ``convert`` turns the bytes into Markdown (default: in this process; ingest passes a bounded one).
    Raises :class:`LoadError` for missing, unreadable, corrupt, empty, password-protected or unsupported
    sources and for failed downloads.
    """
    convert = convert or convert_in_process
    if is_url(source):
        return [_load_url(source, http, convert)]
    return [_load_file(source, convert)]


def _load_file(source: str, convert: Convert) -> Document:
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(source, _unsupported(suffix))
    data = _read_file(source, path)
    fmt = FORMAT_BY_SUFFIX[suffix]
    return _to_document(source, data, convert, fmt=fmt, kind=fmt, fallback_title=humanise(path.stem))


def _read_file(source: str, path: Path) -> bytes:
    try:
        if path.is_dir():
            raise LoadError(source, "is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(source, f"file too large ({math.ceil(size / MB)} MB > {MAX_FILE_BYTES // MB} MB)")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise LoadError(source, "no such file") from exc
    except OSError as exc:
        raise LoadError(source, f"cannot read file: {exc.strerror or exc}") from exc


def _load_url(url: str, http: httpx.Client | None, convert: Convert) -> Document:
    fetched = fetch(url, http=http)
    fmt = FORMAT_BY_MEDIA_TYPE.get(fetched.media_type)
    suffix_format = FORMAT_BY_SUFFIX.get(PurePosixPath(urlsplit(fetched.url).path).suffix.lower())
    if fetched.media_type in _UNTYPED_MEDIA_TYPES or (fmt == "text" and suffix_format == "markdown"):
        fmt = suffix_format  # e.g. raw Markdown served as text/plain
    if fmt is None:
        raise LoadError(url, f"unsupported content type {fetched.media_type or '(none)'}")
    extra = {"format": fmt, "content_type": fetched.media_type}
    if fetched.url != url:
        extra["final_url"] = fetched.url
    return _to_document(
        url,
        fetched.body,
        convert,
        fmt=fmt,
        kind="url",
        fallback_title=_title_from_url(url),
        charset=fetched.charset,
        extra=extra,
    )


def _to_document(
    source: str,
    data: bytes,
    convert: Convert,
    *,
    fmt: str,
    kind: str,
    fallback_title: str,
    charset: str | None = None,
    extra: dict[str, str] | None = None,
) -> Document:
    if not data.strip():
        raise LoadError(source, "empty file")
    try:
        converted = convert(fmt, data, charset)
    except UnreadableContent as exc:
        raise LoadError(source, exc.reason) from exc
    if not converted.text.strip():
        raise LoadError(source, "empty file")
    return Document(
        source=source,
        title=converted.title or fallback_title,
        text=converted.text,
        kind=kind,
        extra=extra or {},
    )


def humanise(stem: str) -> str:
    """A readable title from a file name: ``parental-leave_policy`` -> ``Parental leave policy``."""
    words = " ".join(re.sub(r"[-_]+", " ", stem).split())
    return words[:1].upper() + words[1:] if words else "Untitled"


def _title_from_url(url: str) -> str:
    parts = urlsplit(url)
    name = PurePosixPath(parts.path).stem
    return humanise(name) if name else parts.netloc


# --- HTTP --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    media_type: str  # lower case, without parameters
    charset: str | None


def fetch(url: str, *, http: httpx.Client | None = None) -> Fetched:
    """GET ``url`` following up to 5 redirects, each checked by :func:`check_url_allowed`; 10 MB at most."""
    if http is not None:
        return _fetch_with(http, url)
    with httpx.Client(timeout=FETCH_TIMEOUT_S, headers={"User-Agent": USER_AGENT}) as client:
        return _fetch_with(client, url)


def _fetch_with(client: httpx.Client, url: str) -> Fetched:
    current = url
    # httpx's timeout bounds each read; a server dripping a byte at a time (headers or body) would never
    # trip it. One deadline covers the whole fetch: connecting, headers, body, every redirect.
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    timed_out = LoadError(url, f"timed out after {FETCH_TIMEOUT_S:g} s")
    for _ in range(MAX_REDIRECTS + 1):
        if not is_url(current):
            raise LoadError(url, f"redirected to a URL that is not http(s): {current}")
        target, headers, extensions = _pinned(current, check_url_allowed(current))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out
        try:
            with client.stream(
                "GET",
                target,
                headers=headers | {"Connection": "close"},  # a fresh connection, so its reads get the deadline
                extensions=extensions | {"trace": _DeadlineTrace(deadline)},
                follow_redirects=False,  # followed here, so every hop passes check_url_allowed
                timeout=min(FETCH_TIMEOUT_S, remaining),
            ) as response:
                if response.is_redirect:
                    current = str(httpx.URL(current).join(response.headers["location"]))
                    continue
                if not response.is_success:
                    raise LoadError(url, f"HTTP {response.status_code}")
                body = _read_capped(url, response, deadline, timed_out)
                media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return Fetched(str(httpx.URL(current)), body, media_type, response.charset_encoding)
        except httpx.TimeoutException as exc:
            raise timed_out from exc
        except httpx.HTTPError as exc:
            raise LoadError(url, f"cannot fetch: {exc or type(exc).__name__}") from exc
    raise LoadError(url, f"too many redirects (more than {MAX_REDIRECTS})")


class _DeadlineTrace:
    """httpcore's ``trace`` extension, used to give every read on the request's connection (headers
    included) at most the time left before ``deadline``: httpx itself only bounds each read."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            if stream is not None and hasattr(stream, "read"):
                stream.read = self._bounded(stream.read)

    def _bounded(self, read: Callable[..., bytes]) -> Callable[..., bytes]:
        def read_before_deadline(max_bytes: int, timeout: float | None = None) -> bytes:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ReadTimeout("the fetch's deadline passed")
            return read(max_bytes, remaining if timeout is None else min(timeout, remaining))

        return read_before_deadline


def _pinned(url: str, address: str | None) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The request for ``url``, sent to ``address`` when the URL check returned one: the Host header and
    the TLS server name (SNI, which the certificate is checked against) keep the URL's host."""
    target = httpx.URL(url)
    headers = {"User-Agent": USER_AGENT}
    if address is None:
        return target, headers, {}
    headers["Host"] = target.netloc.decode("ascii")
    return target.copy_with(host=address.split("%")[0]), headers, {"sni_hostname": target.host}


def _read_capped(url: str, response: httpx.Response, deadline: float, timed_out: LoadError) -> bytes:
    too_large = LoadError(url, f"response too large (> {MAX_DOWNLOAD_BYTES // MB} MB)")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_DOWNLOAD_BYTES:
        raise too_large
    body = bytearray()
    for piece in response.iter_bytes():  # decoded bytes, so a small gzip bomb cannot get past the cap
        body.extend(piece)
        if len(body) > MAX_DOWNLOAD_BYTES:
            raise too_large
        if time.monotonic() > deadline:
            raise timed_out
    return bytes(body)
