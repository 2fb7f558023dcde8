"""Adobe-shaped error bodies.

Three shapes, as the platform answers (reference §1.4, §2.3):

* the Adobe I/O gateway: ``{"error_code": "403010", "message": "Oauth token is missing."}``;
* the gateway's content-type check: ``{"type": "/placeholder/type/uri", "status": 400,
  "title": "BadRequestError", "detail": "A valid content-type must be specified"}``;
* the Segmentation service (UPAPI): ``{"requestId", "errors": {"<status>": [{"code",
  "message"}]}, "type": "https://ns.adobe.com/aep/errors/<CODE>", "title", "status"}``.

Error type codes documented by Adobe are used where one fits; the others (marked "local") follow
the same pattern so that clients parsing the code from `type` keep working.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

ERROR_TYPE_BASE = "https://ns.adobe.com/aep/errors/"

# Documented codes (reference §2.3).
BAD_JSON = "UPLIB-101206-500"  # returned with status 400
VALIDATION = "UPAPI-113434-400"
AUDIENCE_NOT_FOUND = "UPAPI-113430-404"
ENTITY_NOT_FOUND = "UPAPI-113000-404"
BULK_COUNT = "UPAPI-113015-400"
CANNOT_DELETE = "UPAPI-113631-403"  # returned with status 400
# Local codes (same pattern, not documented by Adobe).
PQL_INVALID = "UPAPI-113434-400"
ALREADY_EXISTS = "UPAPI-113409-422"
TOO_MANY_JOBS = "UPAPI-113429-429"
NOT_CANCELLABLE = "UPAPI-113435-400"
UNKNOWN_SANDBOX = "UPAPI-113403-403"
INTERNAL = "UPAPI-113500-500"
METHOD_NOT_ALLOWED = "UPAPI-113405-405"
UNSUPPORTED = "UPAPI-113415-400"
TOO_LARGE = "UPAPI-113413-413"


def request_id() -> str:
    """A 32-character alphanumeric id, like the platform's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(32))


class ApiError(Exception):
    """An HTTP error answer, already in the shape the platform uses."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body.get("title") or body.get("message") or body.get("detail"))
        self.status = status
        self.body = body
        self.headers = headers or {}


def ups_error(
    status: int,
    title: str,
    *,
    code: str,
    messages: Iterable[str] | None = None,
    rid: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ApiError:
    """A Segmentation-service error: `title` is the headline; `messages` (default: the title)
    become the entries of `errors[status]`; `extra` adds keys (e.g. PQL diagnostics)."""
    entries = [{"code": status, "message": m} for m in (messages or [title])]
    body: dict[str, Any] = {
        "requestId": rid or request_id(),
        "errors": {str(status): entries},
        "type": ERROR_TYPE_BASE + code,
        "title": title,
        "status": status,
    }
    if extra:
        body.update(extra)
    return ApiError(status, body, headers)


def bad_request(title: str, messages: Iterable[str] | None = None, **kw: Any) -> ApiError:
    return ups_error(400, title, code=kw.pop("code", VALIDATION), messages=messages, **kw)


def not_found(what: str, oid: str, *, code: str = ENTITY_NOT_FOUND, hint: str = "") -> ApiError:
    title = f"The {what} {oid} is not found. Use a valid entity and try again."
    if hint:
        title += " " + hint
    return ups_error(404, title, code=code)


def gateway_error(status: int, error_code: str, message: str) -> ApiError:
    return ApiError(status, {"error_code": error_code, "message": message})


def content_type_error() -> ApiError:
    return ApiError(
        400,
        {
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "A valid content-type must be specified",
        },
    )


def ims_error(status: int, error: str, description: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})
