"""Turn a non-2xx response into an `APIError`, whatever error shape Adobe used.

Shapes seen (reference §1.3, §1.4, §1.5, §2.3):

* Segmentation (UPS): `{"requestId", "errors": {"404": [{"code", "message"}]}, "type":
  ".../errors/UPAPI-113430-404", "title", "status"}`
* Gateway: `{"error_code": "401013", "message": "Oauth token is not valid"}`
* Problem details: `{"type", "status", "title": "BadRequestError", "detail": "..."}`
* Sandbox Management: `{"status", "title", "type": ".../errors/SMS-2074-400"}`
* OAuth / IMS: `{"error": "invalid_client", "error_description": "..."}`
* Job errors: `{"errors": [{"code", "msg", "callStack"}]}`
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx2

from seg_mcp.aep.errors import APIError, api_error_class
from seg_mcp.aep.retry import parse_retry_after

__all__ = ["error_from_response"]

_CODE_IN_TYPE = re.compile(r"([A-Za-z]+-\d+-\d+)/?$")

_HINTS = {
    400: "check the parameters and body against the operation's schema",
    401: "the access token was rejected; check the credential",
    403: "the credential may lack permission for this sandbox or resource; check its product "
    "profile and the sandbox name",
    404: "check the id and the sandbox: every resource lives in one sandbox",
    409: "a conflicting resource exists; fetch it and update it instead",
    422: "the resource already exists; fetch it and update it (PATCH) instead",
    429: "the service is throttling requests; wait and retry",
}
_RETRYABLE = frozenset({429, 502, 503, 504})


def _entries(errors: Any) -> list[dict[str, Any]]:
    """Error entries from `errors` as a status-keyed map or as a list."""
    if isinstance(errors, list):
        return [e for e in errors if isinstance(e, dict)]
    if isinstance(errors, dict):
        out: list[dict[str, Any]] = []
        for value in errors.values():
            if isinstance(value, list):
                out.extend(e for e in value if isinstance(e, dict))
        return out
    return []


def _code(body: dict[str, Any], entries: list[dict[str, Any]]) -> str | None:
    type_uri = body.get("type")
    if isinstance(type_uri, str):
        match = _CODE_IN_TYPE.search(type_uri)
        if match:
            return match.group(1)
    for key in ("error_code", "errorCode", "error"):
        value = body.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)
    for entry in entries:
        code = entry.get("code")
        if isinstance(code, str) and code and not code.isdigit():
            return code
    return None


def _message(body: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    title = body.get("title")
    detail = body.get("detail")
    primary = ""
    if isinstance(detail, str) and detail.strip():
        primary = detail.strip()
        if isinstance(title, str) and title.strip() and title.strip() not in primary:
            primary = f"{title.strip()}: {primary}"
    else:
        for key in ("title", "message", "error_description", "msg", "description"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                primary = value.strip()
                break
    details: list[str] = []
    for entry in entries:
        text = entry.get("message") or entry.get("msg")
        if isinstance(text, str) and text.strip():
            text = text.strip()
            if not _same(text, primary) and text not in details:
                details.append(text)
    if not primary and details:
        primary = details.pop(0)
    if details:
        primary = f"{primary} ({'; '.join(details)})" if primary else "; ".join(details)
    return primary


def _squash(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


def _same(a: str, b: str) -> bool:
    return _squash(a) == _squash(b) or _squash(a) in _squash(b)


def error_from_response(
    response: httpx2.Response,
    *,
    redact: Callable[[str], str],
    now: float,
    hint: str | None = None,
) -> APIError:
    """Build the `APIError` subclass for `response` (its body must have been read)."""
    status = response.status_code
    text = response.text if response.content else ""
    body: Any = None
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    code: str | None = None
    request_id: str | None = None
    message = ""
    if isinstance(body, dict):
        entries = _entries(body.get("errors"))
        code = _code(body, entries)
        message = _message(body, entries)
        rid = body.get("requestId") or body.get("request_id")
        request_id = str(rid) if rid else None
    elif isinstance(body, list):
        message = _message({}, _entries(body))
    if not message:
        snippet = " ".join(text.split())[:300]
        message = snippet or response.reason_phrase or "no error body"
    if request_id is None:
        request_id = response.headers.get("x-request-id") or response.request.headers.get(
            "x-request-id"
        )
    retry_after = parse_retry_after(response.headers.get("retry-after"), now=now)
    if hint is None:
        hint = _HINTS.get(status)
        if status == 429 and retry_after is not None:
            hint = f"the service is throttling requests; retry after {retry_after:g} s"
        elif status >= 500:
            hint = "the service failed; retry later"
    method = response.request.method
    path = response.request.url.path
    return api_error_class(status)(
        redact(f"{method} {path}: {message}"),
        status=status,
        code=code,
        request_id=request_id,
        retryable=status in _RETRYABLE,
        hint=hint,
        body=_redact_body(body, redact) if body is not None else redact(text),
        retry_after=retry_after,
    )


def _redact_body(body: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(body, str):
        return redact(body)
    if isinstance(body, dict):
        return {k: _redact_body(v, redact) for k, v in body.items()}
    if isinstance(body, list):
        return [_redact_body(v, redact) for v in body]
    return body
