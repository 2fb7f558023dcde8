"""Reading request bodies without trusting them: a size limit checked before reading (the
declared Content-Length) and while reading (a chunked body is counted as it streams in, and
refused as soon as it passes the limit), and a nesting limit checked on the text before the JSON
parser, pydantic or any of our walkers recurse into it; once parsed, every string must be whole
Unicode text (a lone surrogate, `\\ud800` unpaired, is something neither the store nor a response
can encode). Every refusal is an Adobe-shaped error that says what, where and what to do next.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import anyio.to_thread
from starlette.requests import Request

from seg_mcp.sandbox import errors
from seg_mcp.sandbox.errors import ApiError, bad_request, ups_error

#: How deep a JSON request body may nest (objects and arrays). The deepest body of this API
#: (an audience's `audienceMeta`, a definition sent back with its echoed fields) needs under 10;
#: past a few hundred, recursive readers run out of stack.
MAX_JSON_DEPTH = 64
#: Bodies at least this large are parsed in a worker thread, off the event loop.
_THREAD_PARSE_BYTES = 256 * 1024
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
_MALFORMED = (
    "There is a problem extracting the user JSON, field(s) missing or invalid. "
    "Correct and try again."
)
Refusal = Callable[[str], ApiError]


def too_large(message: str) -> ApiError:
    """The Segmentation service's 413 (a local code in Adobe's pattern). It closes the
    connection, so that the server does not read the rest of the body to find the next request."""
    return ups_error(
        413,
        f"{message} The limit is the local sandbox's setting SEG_SANDBOX_MAX_BODY_BYTES. Send a "
        "smaller body: no request of this API needs more than a few kilobytes.",
        code=errors.TOO_LARGE,
        headers={"connection": "close"},
    )


def declared_length(request: Request) -> int | None:
    """The request's Content-Length, None when absent or not a number (then it is counted)."""
    raw = request.headers.get("content-length", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


async def read_limited(request: Request, limit: int, refuse: Refusal = too_large) -> bytes:
    """The whole body, if it is at most `limit` bytes; else `refuse(message)` is raised before
    the body is read (a Content-Length over the limit) or as soon as the bytes read pass it."""
    what = f"{request.method} {request.url.path}"
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise refuse(
            f"The request body of {what} is {declared} bytes; at most {limit} bytes are accepted."
        )
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise refuse(
                f"The request body of {what} is larger than {limit} bytes, the most accepted "
                "(reading stopped there)."
            )
    return bytes(received)


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def nesting_beyond(text: str, limit: int) -> tuple[int, int] | None:
    """(line, column) of the first `[` or `{` of `text` nested deeper than `limit` (brackets
    inside JSON strings do not count), or None when the text stays within it. Never recurses."""
    if text.count("[") + text.count("{") <= limit:
        return None
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if max(accumulate(map(_STEP.__getitem__, skeleton)), default=0) <= limit:
        return None
    depth = 0
    for match in _STRUCTURE.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                return _line_column(text, match.start())
        elif char in "]}":
            depth -= 1
    return None  # unreachable: the skeleton went past the limit


def _parse(raw: bytes, limit: int) -> Any:
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError as exc:
        raise bad_request(
            _MALFORMED,
            [f"The body is not UTF-8 text: {exc.reason} at byte {exc.start}."],
            code=errors.BAD_JSON,
        ) from exc
    deep = nesting_beyond(text, limit)
    if deep is not None:
        line, column = deep
        message = (
            f"The JSON body nests more than {limit} levels of objects and arrays: the one "
            f"opening at line {line}, column {column} is level {limit + 1}. No request of this "
            "API nests that deep; send the documented shape."
        )
        raise bad_request(message, code=errors.BAD_JSON)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise bad_request(
            _MALFORMED,
            [f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."],
            code=errors.BAD_JSON,
        ) from exc
    except ValueError as exc:
        raise bad_request(_MALFORMED, [f"Malformed JSON: {exc}."], code=errors.BAD_JSON) from exc
    if "\\u" in text or _SURROGATE.search(text):
        found = surrogate_at(value)
        if found is not None:
            path, char = found
            raise bad_request(
                f"The JSON body holds an unpaired surrogate {char} in {path}: half of a UTF-16 "
                "pair, not a character. Send the text as UTF-8, or a character outside the Basic "
                "Multilingual Plane as an escaped pair (e.g. \\ud83d\\ude00).",
                code=errors.BAD_JSON,
            )
    return value


def _shown(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def surrogate_at(value: Any) -> tuple[str, str] | None:
    """(path, `U+D800`) of the first string or key of a parsed JSON `value` (in document order)
    holding a lone surrogate, which no store or response can encode; None when there is none.
    Walks without recursing."""
    stack: list[tuple[str, Any]] = [("body", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            found = _SURROGATE.search(node)
            if found:
                return path, f"U+{ord(found.group()):04X}"
        elif isinstance(node, dict):
            children = []
            for key, item in node.items():
                child = _shown(key) if path == "body" else f"{path}.{_shown(key)}"
                found = _SURROGATE.search(key)
                if found:
                    return f"the key {child}", f"U+{ord(found.group()):04X}"
                children.append((child, item))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", node[i]) for i in reversed(range(len(node))))
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: Request, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The request's JSON body: at most `max_bytes` (else 413, see `read_limited`), nested at
    most `max_depth` deep (else 400 with the line and column), well-formed, every string whole
    Unicode text (else 400 with the line and column or the path)."""
    raw = await read_limited(request, max_bytes)
    if not raw.strip():
        raise bad_request(
            "The request body is empty; this operation needs a JSON body.",
            code=errors.BAD_JSON,
        )
    if len(raw) < _THREAD_PARSE_BYTES:
        return _parse(raw, max_depth)
    return await anyio.to_thread.run_sync(_parse, raw, max_depth)
