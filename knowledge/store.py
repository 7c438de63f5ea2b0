"""The vector store: the only module that imports chromadb.

Embedded (``PersistentClient`` under ``KEEL_HOME``) by default; a Chroma server (``HttpClient``) when
``KEEL_CHROMA_URL`` is set. All chunks live in one Chroma collection per embedding model; Keel's own
collections (``hr``, ``it``, ``learned``...) are a metadata field, so one query can span several.
Vectors are always computed by Keel's embedder: Chroma's default embedding function (which downloads
a model) is never used.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx
import numpy as np

from config.settings import Settings
from knowledge import iri_grammar, override_checks
from knowledge.memory import overwrite_freed_memory
from knowledge.types import HELD, Chunk, flag_set

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.config import Settings as ChromaSettings

ADD_BATCH = 1000

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


@dataclass(frozen=True)
class StoredSource:
    source: str
    title: str
    collection: str
    content_hash: str
    chunks: int
    ingested_at: str
    held: bool = False  # held for review: not answered from until an admin approves it


@dataclass(frozen=True)
class DenseMatch:
    chunk_id: str
    similarity: float  # cosine similarity in [-1, 1]
    text: str
    metadata: dict[str, Any]


def _chromadb() -> ModuleType:
    """chromadb, imported on first use (about a second: ``keel --help`` and the Slack process's open port
    do not wait for it). Telemetry is off before chromadb first reads its settings."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    iri_grammar.defer()  # jsonschema, imported by chromadb, would compile a grammar Keel never uses
    override_checks.skip()  # chromadb's import-time signature checks (see override_checks.py)
    import chromadb

    return chromadb


def _chroma_settings() -> ChromaSettings:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _collection_name(model_id: str) -> str:
    return "keel-" + re.sub(r"[^a-zA-Z0-9._-]", "-", model_id).strip("-._")[:60]


def open_client(settings: Settings) -> ClientAPI:
    """A Chroma client: server mode if ``chroma_url`` is set, else embedded under the data directory."""
    chromadb = _chromadb()
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            client: ClientAPI = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
        except Exception as exc:
            raise StoreUnavailable(f"Chroma server at {settings.chroma_url} is unreachable: {exc}") from exc
        _set_timeout(client, settings.chroma_timeout)
        return client
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    overwrite_freed_memory()  # the embedded index files would otherwise keep stale heap bytes (see memory.py)
    embedded: ClientAPI = chromadb.PersistentClient(path=str(settings.chroma_path), settings=_chroma_settings())
    return embedded


def _set_timeout(client: ClientAPI, seconds: float) -> None:
    """chromadb's HTTP client waits forever (``httpx.Client(timeout=None)``) and offers no setting, so a
    stalled server would hang a question; its session is given Keel's timeout instead."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)
    else:  # pragma: no cover - a chromadb release that moved its session
        log.warning("could not set a timeout on the Chroma client; a stalled server may hang requests")


class _Guarded:
    """A Chroma collection whose every call that fails raises :class:`StoreUnavailable`, so callers
    (retrieval, ingestion, the CLI) handle one error whatever went wrong underneath."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._collection, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except Exception as exc:
                raise StoreUnavailable(f"Chroma {name} failed: {exc}") from exc

        return call


class ChunkStore:
    """Chunks and their vectors in Chroma."""

    def __init__(self, settings: Settings, model_id: str, client: ClientAPI | None = None) -> None:
        self._settings, self._model_id = settings, model_id
        self.client = client or open_client(settings)
        self._open()

    def _open(self) -> None:
        self._collection = _Guarded(self.client).get_or_create_collection(
            _collection_name(self._model_id),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": 100}},
            metadata={"embedding_model": self._model_id},
        )
        self._collection = _Guarded(self._collection)

    def reopen(self) -> None:
        """See what another process wrote. Embedded Chroma loads a collection's vector index once per
        process and does not replay other processes' writes into it: chunks ingested elsewhere (the
        admin worker, `keel ingest`) were found by BM25 but had no cosine until a restart. Reopening the
        client (with a fresh system, not the process's cached one) reloads the index from disk. A
        server (``chroma_url``) holds one index for everyone and needs nothing."""
        if self._settings.chroma_url:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = getattr(self.client, "_identifier", None)
        systems = getattr(SharedSystemClient, "_identifier_to_system", None)
        if identifier is None or not isinstance(systems, dict):  # pragma: no cover - a chromadb that moved them
            log.warning("cannot reopen the embedded Chroma store; a restart shows knowledge added elsewhere")
            return
        # only this store's system is dropped (clearing the whole cache would orphan every other client in
        # the process); clients still holding the old one resolve to the new one by the same identifier
        systems.pop(identifier, None)
        self.client = open_client(self._settings)
        self._open()

    def count(self) -> int:
        n: int = self._collection.count()  # _Guarded passes Chroma's calls through untyped
        return n

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for start in range(0, len(chunks), ADD_BATCH):
            part = chunks[start : start + ADD_BATCH]
            self._collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + ADD_BATCH].tolist(),
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def delete_ids(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), ADD_BATCH):
            self._collection.delete(ids=list(ids[start : start + ADD_BATCH]))

    def set_flags(self, flags: dict[str, str]) -> None:
        """Replace the ``flags`` of these chunks (id -> flags); their other metadata stays."""
        ids = list(flags)
        for start in range(0, len(ids), ADD_BATCH):
            part = ids[start : start + ADD_BATCH]
            self._collection.update(ids=part, metadatas=[{"flags": flags[i]} for i in part])

    def ids_for_source(self, source: str) -> list[str]:
        ids: list[str] = self._collection.get(where={"source": source}, include=[])["ids"]
        return ids

    def sources(self) -> dict[str, StoredSource]:
        """Every stored source with its hash, collection and chunk count (a source holding chunks of
        two versions has no hash, so the next ingest rewrites it and drops the stale ones)."""
        found: dict[str, StoredSource] = {}
        counts: dict[str, int] = {}
        held: set[str] = set()
        for _, _, meta in self.iter_chunks(include_text=False):
            source = str(meta["source"])
            counts[source] = counts.get(source, 0) + 1
            if HELD in flag_set(str(meta.get("flags", ""))):
                held.add(source)
            if source in found and found[source].content_hash != str(meta.get("content_hash", "")):
                # chunks of two versions (a rerun cut short between writing and deleting): not up to date
                found[source] = replace(found[source], content_hash="")
            elif source not in found:
                found[source] = StoredSource(
                    source=source,
                    title=str(meta.get("title", "")),
                    collection=str(meta.get("collection", "")),
                    content_hash=str(meta.get("content_hash", "")),
                    chunks=0,
                    ingested_at=str(meta.get("ingested_at", "")),
                )
        return {s: replace(v, chunks=counts[s], held=s in held) for s, v in found.items()}

    def iter_chunks(self, include_text: bool = True, page: int = 5000) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every stored chunk as (id, text, metadata), in pages."""
        include = ["metadatas", "documents"] if include_text else ["metadatas"]
        offset = 0
        while True:
            batch = self._collection.get(include=include, limit=page, offset=offset)
            ids = batch["ids"]
            if not ids:
                return
            docs = batch.get("documents") or [""] * len(ids)
            yield from zip(ids, docs, batch["metadatas"], strict=True)
            offset += len(ids)

    def query(self, vector: np.ndarray, k: int, collections: Sequence[str] | None = None) -> list[DenseMatch]:
        if k <= 0:
            return []
        where = None
        if collections:
            where = {"collection": {"$in": list(collections)}}
        result = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            DenseMatch(chunk_id=i, similarity=1.0 - float(d), text=t or "", metadata=m or {})
            for i, d, t, m in zip(
                result["ids"][0],
                result["distances"][0],
                result["documents"][0],
                result["metadatas"][0],
                strict=True,
            )
        ]

    def get(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        if not ids:
            return {}
        got = self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        return {i: (t or "", m or {}) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}


@dataclass(frozen=True)
class StoredSentence:
    """A sentence of a chunk (or, at position -1, the chunk's document title) and its vector."""

    position: int
    text: str
    vector: np.ndarray


TITLE_POSITION = -1


class SentenceStore:
    """Sentence vectors of every chunk, computed at ingestion so the evidence judge only has to embed
    the question.

    One record per chunk (same id) in its own Chroma collection: its sentences as a JSON document and
    their vectors packed as float16 in the metadata. Packing keeps ingestion cheap (one index insert
    per chunk, not one per sentence) and a lookup is one ``get`` by ids; the record's own embedding
    is the chunk's vector, which Chroma requires.
    """

    def __init__(self, settings: Settings, model_id: str, client: ClientAPI | None = None) -> None:
        collection = _Guarded(client or open_client(settings)).get_or_create_collection(
            _collection_name(f"sentences-{model_id}"),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": model_id},
        )
        self._collection = _Guarded(collection)

    def add(self, chunk_ids: Sequence[str], vectors: np.ndarray, sentences: Sequence[Sequence[StoredSentence]]) -> None:
        for start in range(0, len(chunk_ids), ADD_BATCH):
            end = start + ADD_BATCH
            self._collection.upsert(
                ids=list(chunk_ids[start:end]),
                embeddings=vectors[start:end].tolist(),
                documents=[json.dumps([[s.position, s.text] for s in group]) for group in sentences[start:end]],
                metadatas=[{"vectors": _pack(group)} for group in sentences[start:end]],
            )

    def for_chunks(self, chunk_ids: Sequence[str]) -> dict[str, list[StoredSentence]]:
        """The stored sentences of these chunks (title first, then reading order)."""
        if not chunk_ids:
            return {}
        got = self._collection.get(ids=list(dict.fromkeys(chunk_ids)), include=["documents", "metadatas"])
        found = {}
        for chunk_id, document, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            items = json.loads(document or "[]")
            vectors = _unpack(str((meta or {}).get("vectors", "")), len(items))
            found[chunk_id] = [StoredSentence(int(p), str(t), v) for (p, t), v in zip(items, vectors, strict=True)]
        return found

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for start in range(0, len(chunk_ids), ADD_BATCH):
            self._collection.delete(ids=list(chunk_ids[start : start + ADD_BATCH]))

    def count(self) -> int:
        n: int = self._collection.count()  # _Guarded passes Chroma's calls through untyped
        return n


def _pack(sentences: Sequence[StoredSentence]) -> str:
    if not sentences:
        return ""
    matrix = np.stack([s.vector for s in sentences]).astype(np.float16)
    return base64.b64encode(matrix.tobytes()).decode("ascii")


def _unpack(packed: str, rows: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(base64.b64decode(packed), dtype=np.float16).astype(np.float32)
    return matrix.reshape(rows, -1)
