"""The OpenAI wire shapes the stub sends: completions, stream chunks, errors, embeddings.

Pure functions from a request body (and a scripted ``Reply``) to the JSON the real API would return.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .server import Reply

STUB_MODEL = "gpt-4o-mini"
EMBEDDING_DIMENSION = 64


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    if status == 429:
        kind, code = "requests", "rate_limit_exceeded"
    elif status >= 500:
        kind, code = "server_error", None
    else:
        kind, code = "invalid_request_error", None
    return {"error": {"message": message or f"Stub error {status}.", "type": kind, "param": None, "code": code}}


def usage(body: dict[str, Any], content: str) -> dict[str, int]:
    """Word counts stand in for tokens: deterministic, and they grow with the prompt."""
    prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
    completion = len(content.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(reply: Reply, body: dict[str, Any], completion_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if reply.refusal is not None else reply.content,
    }
    if reply.refusal is not None:
        message["refusal"] = reply.refusal
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", STUB_MODEL),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}],
        "usage": usage(body, reply.content),
    }


def stream_chunks(reply: Reply, body: dict[str, Any], completion_id: str) -> list[dict[str, Any]]:
    """The chunks of a stream in order: role, content pieces, finish reason, and usage if asked for."""
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time())}
    base["model"] = body.get("model", STUB_MODEL)

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {**base, "choices": [choice], **({"usage": None} if include_usage else {})}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in reply.chunks()]
    if reply.refusal is not None:
        chunks.append(chunk({"refusal": reply.refusal}))
    chunks.append(chunk({}, reply.finish_reason))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": usage(body, reply.content)})
    return chunks


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    """Accepts ``input`` as a string, a token array, or a list of either (OpenAIEmbeddings sends tokens
    unless ``check_embedding_ctx_length=False``); honours ``dimensions`` and ``encoding_format``."""
    items = body.get("input")
    if isinstance(items, str) or (isinstance(items, list) and items and isinstance(items[0], int)):
        items = [items]
    dimension = int(body.get("dimensions") or EMBEDDING_DIMENSION)
    as_base64 = body.get("encoding_format") == "base64"  # the openai client asks for this by default
    data = []
    for index, item in enumerate(items or []):
        vector = hashed_unit_vector(item, dimension)
        encoded = base64.b64encode(vector.astype("<f4").tobytes()).decode() if as_base64 else vector.tolist()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(item) if isinstance(item, list) else len(item.split()) for item in items or [])
    return {
        "object": "list",
        "data": data,
        "model": body.get("model", "text-embedding-3-small"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def hashed_unit_vector(item: str | list[int], dimension: int = EMBEDDING_DIMENSION) -> np.ndarray:
    """The stub's embedding of one input: the same input always gives the same unit vector."""
    key = item if isinstance(item, str) else json.dumps(item)
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)
