"""Retries: exponential backoff with jitter, Retry-After, and the rule that creates are sent once.

What is retried:

* 429, 502, 503 and 504 responses, and transport failures after the request may have gone out
  (read/write errors, read timeouts, a dropped connection), **only for idempotent operations**
  (GET, DELETE, PUT, bulk-get and conversion POSTs; see `Operation.idempotent`).
* A failure *before* the request left this process (connect error, connect timeout, no free
  connection in the pool) is retried for every operation, creates included: nothing was sent.
* A non-idempotent write (a create POST, a PATCH) is never sent again once any byte of it may have
  left, whatever came back: its 429/503 is returned as is (with `retry_after`), its missing answer
  or gateway 502/504 becomes `OutcomeUnknownError` in base.py (the failure contract, errors.py).

A `Retry-After` header (seconds or an HTTP date) is honoured: the wait is at least what the service
asked for. If it asks for longer than `max_retry_after`, the client gives up at once and raises the
error with `retry_after` set, so the caller can decide.

Sleep, randomness and the wall clock are injectable so tests run instantly and deterministically.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import anyio
import httpx2

from seg_mcp.aep.errors import AEPConnectionError, AEPTimeoutError, TransportError

__all__ = ["RetryPolicy", "parse_retry_after"]

#: Failures that happen before any byte of the request is written: always safe to resend.
_PRE_SEND = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


def _default_sleep(seconds: float) -> Awaitable[None]:
    return anyio.sleep(seconds)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    sleep: Callable[[float], Awaitable[None]] = field(default=_default_sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)
    wall_clock: Callable[[], float] = field(default=time.time, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt + 1`: half fixed, half random ("equal jitter")."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0**attempt))
        return ceiling / 2 + self.random() * ceiling / 2

    def delay_for(self, response: httpx2.Response, attempt: int) -> float | None:
        """How long to wait before retrying `response`, or None to give up now."""
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=self.wall_clock())
        if retry_after is None:
            return self.backoff(attempt)
        if retry_after > self.max_retry_after:
            return None
        # "Retry-After: 0" is not an invitation to hammer the service: back off as usual.
        return retry_after if retry_after > 0 else self.backoff(attempt)

    async def run(
        self,
        send: Callable[[], Awaitable[httpx2.Response]],
        *,
        idempotent: bool,
        target: str,
    ) -> httpx2.Response:
        """Call `send` until it yields a final response, retrying as the module docstring says.

        Returns the last response whatever its status; raises `TransportError` when no response
        arrived. `target` names what was being called, for error messages.
        """
        attempt = 0
        while True:
            try:
                response = await send()
            except httpx2.TransportError as exc:
                sent = not isinstance(exc, _PRE_SEND)
                if (idempotent or not sent) and attempt < self.max_retries:
                    await self.sleep(self.backoff(attempt))
                    attempt += 1
                    continue
                raise _transport_error(exc, sent=sent, target=target, attempts=attempt + 1) from exc
            if (
                idempotent
                and response.status_code in self.retry_statuses
                and attempt < self.max_retries
            ):
                delay = self.delay_for(response, attempt)
                if delay is not None:
                    await response.aclose()
                    await self.sleep(delay)
                    attempt += 1
                    continue
            return response


def _transport_error(
    exc: httpx2.TransportError, *, sent: bool, target: str, attempts: int
) -> TransportError:
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    kind = type(exc).__name__
    detail = str(exc) or kind
    if isinstance(exc, httpx2.TimeoutException):
        return AEPTimeoutError(
            f"{target} timed out{tries} ({kind}: {detail})",
            sent=sent,
            retryable=True,
            hint="the service may be slow or unreachable; retry later or raise the timeout",
        )
    if sent:
        hint = (
            "the request may have reached the service; check whether it took effect before "
            "sending it again"
        )
    else:
        hint = "check the platform/IMS URL and network access"
    return AEPConnectionError(
        f"{target} failed{tries} ({kind}: {detail})", sent=sent, retryable=True, hint=hint
    )
