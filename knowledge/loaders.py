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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import httpx

from knowledge.converters import CONVERTERS, UnreadableContent
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


class LoadError(Exception):
    """A source that cannot be loaded; ``reason`` is short and meant for the person who named it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


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
        addresses = list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, None)))
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


# --- discovery ---------------------------------------------------------------------------------------


def discover(inputs: Sequence[str], *, http: httpx.Client | None = None) -> tuple[list[str], list[LoadError]]:
    """Expand files, folders (recursively), URLs and sitemaps into source identifiers, in order, once each.

    Hidden files and folders and ``_build`` folders are skipped, as are unsupported files inside folders;
    a missing path or an explicitly named unsupported file is reported as a :class:`LoadError`.
    """
    sources: dict[str, None] = {}  # an ordered set
    errors: list[LoadError] = []
    for raw in inputs:
        item = raw.strip()
        try:
            if is_url(item):
                found = _sitemap_pages(item, http, errors) if _looks_like_sitemap_url(item) else [item]
            else:
                found = _discover_path(Path(item).expanduser(), http, errors)
        except LoadError as exc:
            errors.append(exc)
            continue
        sources.update(dict.fromkeys(found))
    return list(sources), errors


def is_url(source: str) -> bool:
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _looks_like_sitemap_url(url: str) -> bool:
    name = PurePosixPath(urlsplit(url).path).name.lower()
    return name.endswith(".xml") and "sitemap" in name


def _discover_path(path: Path, http: httpx.Client | None, errors: list[LoadError]) -> list[str]:
    if not path.exists():
        raise LoadError(str(path), "no such file or folder")
    path = path.resolve()
    if path.is_dir():
        return _walk_folder(path, errors)
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return _sitemap_pages(str(path), http, errors, body=_read_file(str(path), path))
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(str(path), _unsupported(suffix))
    return [str(path)]


def _walk_folder(root: Path, errors: list[LoadError]) -> list[str]:
    def report(exc: OSError) -> None:
        errors.append(LoadError(str(exc.filename), f"cannot read folder: {exc.strerror}"))

    found = []
    for folder, subfolders, files in os.walk(root, onerror=report):
        subfolders[:] = sorted(name for name in subfolders if not _skipped_name(name))
        found.extend(
            str(Path(folder) / name)
            for name in sorted(files)
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        )
    return found


def _skipped_name(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDERS


def _unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"


# --- sitemaps ----------------------------------------------------------------------------------------


def _sitemap_pages(
    location: str,
    http: httpx.Client | None,
    errors: list[LoadError],
    *,
    body: bytes | None = None,
    depth: int = 0,
    seen: set[str] | None = None,
) -> list[str]:
    """The page URLs a sitemap lists, following nested sitemap indexes; failing nested ones become errors."""
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
        try:
            pages.extend(_sitemap_pages(nested, http, errors, depth=depth + 1, seen=seen))
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


def load(source: str, *, http: httpx.Client | None = None) -> list[Document]:
    """Load one source (a path from :func:`discover`, or a URL) into Documents: one per source for now.

    Raises :class:`LoadError` for missing, unreadable, corrupt, empty, password-protected or unsupported
    sources and for failed downloads.
    """
    if is_url(source):
        return [_load_url(source, http)]
    return [_load_file(source)]


def _load_file(source: str) -> Document:
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(source, _unsupported(suffix))
    data = _read_file(source, path)
    fmt = FORMAT_BY_SUFFIX[suffix]
    return _to_document(source, data, fmt=fmt, kind=fmt, fallback_title=humanise(path.stem))


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


def _load_url(url: str, http: httpx.Client | None) -> Document:
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
        fmt=fmt,
        kind="url",
        fallback_title=_title_from_url(url),
        charset=fetched.charset,
        extra=extra,
    )


def _to_document(
    source: str,
    data: bytes,
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
        converted = CONVERTERS[fmt](data, charset)
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
    # httpx's timeout bounds each read; a server dripping a byte at a time would never trip it.
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    timed_out = LoadError(url, f"timed out after {FETCH_TIMEOUT_S:g} s")
    for _ in range(MAX_REDIRECTS + 1):
        if not is_url(current):
            raise LoadError(url, f"redirected to a URL that is not http(s): {current}")
        target, headers, extensions = _pinned(current, check_url_allowed(current))
        try:
            with client.stream(
                "GET",
                target,
                headers=headers,
                extensions=extensions,
                follow_redirects=False,  # followed here, so every hop passes check_url_allowed
                timeout=FETCH_TIMEOUT_S,
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


def _pinned(url: str, address: str | None) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
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
