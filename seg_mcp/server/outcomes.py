"""What a failed platform call means for the assistant: which of the three outcomes of the
failure contract (`seg_mcp.aep.errors`) happened, and what to do next.

* NOT SENT: nothing reached the platform, nothing changed; safe to call again once the cause is
  fixed.
* FAILED: the platform answered with an error; its reason, its status and request id, and the
  next step.
* OUTCOME UNKNOWN: the write was sent and no answer came (or a gateway 502/504 answered a
  create): it may have happened. `how_to_check` names the tool call that shows whether it did,
  for each kind of write; the tool has usually looked already (server/reconcile.py).
"""

from __future__ import annotations

from seg_mcp.aep import AEPError, ClientUsageError

__all__ = ["audit_detail", "audit_outcome", "describe_platform_error", "how_to_check"]

#: For each write: how an assistant sees whether it happened ({target}: the name or id written).
_CHECK = {
    "createSegmentDefinition": "find_segment_definitions (newest first) for one named {target!r}",
    "patchSegmentDefinition": "find_segment_definitions ids=[{target!r}] (is the change there?)",
    "deleteSegmentDefinition": "find_segment_definitions ids=[{target!r}] (is it still there?)",
    "createAudience": "find_audiences name={target!r}",
    "patchAudience": "find_audiences ids=[{target!r}] (is the change there?)",
    "updateAudience": "find_audiences ids=[{target!r}] (is the change there?)",
    "deleteAudience": "find_audiences ids=[{target!r}] (is it still there?)",
    "createSchedule": "find_schedules for one named {target!r}",
    "updateSchedule": "find_schedules id={target!r} (is the change there?)",
    "deleteSchedule": "find_schedules id={target!r} (is it still there?)",
    "createSegmentJob": "get_job recent='segment-job' for a job over segments {target} started "
    "in the last few minutes",
    "deleteSegmentJob": "get_job handles=['segment-job:{target}'] (is it CANCELLED?)",
    "createExportJob": "get_job recent='export-job' for a job exporting segments {target} "
    "started in the last few minutes",
    "cancelExportJob": "get_job handles=['export-job:{target}'] (is it cancelled?)",
    "deletePreview": "get_job handles=['preview:{target}'] (is it still there?)",
}


#: Writes whose repetition costs nothing (a preview saves nothing).
_HARMLESS = frozenset({"createPreview"})


def how_to_check(operation: str, target: str) -> str:
    """The tool call that shows whether `operation` on `target` happened."""
    template = _CHECK.get(operation)
    if template is None:
        return "the matching find_* or get_job tool"
    return template.format(target=target)


def _platform_reason(exc: AEPError) -> str:
    parts = ["Adobe Experience Platform"]
    if exc.status is not None:
        parts.append(f"answered HTTP {exc.status}")
    if exc.code:
        parts.append(f"({exc.code})")
    text = " ".join(parts) + f": {exc.message}"
    if exc.request_id:
        text += f" [request id {exc.request_id}]"
    return text


def describe_platform_error(exc: AEPError, tool: str, where: str, nxt_by_status: str) -> str:
    """The tool error text for `exc`: the outcome first, then the reason, then what next.
    `nxt_by_status` is the next step for a FAILED answer without a hint of its own."""
    if exc.outcome == "unknown":
        text = f"{tool}: outcome unknown{where}: {exc.message}"
        if exc.request_id:
            text += f" [request id {exc.request_id}]"
        nxt = exc.hint or "look for the object with the matching find_* tool before retrying"
        if getattr(exc, "operation_id", None) in _HARMLESS:
            nxt = "it saves nothing, so it is safe to call again"
        return text + f". Next: {nxt}."
    if exc.outcome == "not_sent":
        text = f"{tool} failed{where}, not sent: {exc.message}; nothing reached the platform, so "
        text += "nothing changed"
        nxt = exc.hint or "fix the cause"
        return text + f". Next: {nxt}; then it is safe to retry."
    text = f"{tool} failed{where}: {_platform_reason(exc)}"
    nxt = exc.hint or nxt_by_status
    if exc.retryable:
        wait = getattr(exc, "retry_after", None)
        after = f"after {wait:g} seconds" if isinstance(wait, int | float) else "shortly"
        if exc.status == 429:
            nxt = f"the platform is rate limiting and did not do it; try again {after}"
        elif exc.status is None:
            nxt = f"no answer came to this read, which changes nothing; try again {after}"
        else:
            nxt = f"a temporary error; it is safe to try again {after}"
    return text + f". Next: {nxt}."


def audit_outcome(exc: AEPError) -> str:
    """The audit line's outcome for a write that raised `exc`."""
    if exc.outcome == "unknown":
        return "unknown"
    return "refused" if isinstance(exc, ClientUsageError) else "failed"


def audit_detail(exc: AEPError) -> str:
    """What the audit line says about the failure (never "None")."""
    if exc.outcome == "unknown":
        return f"sent, no answer: {exc.message}"
    if exc.outcome == "not_sent":
        return f"not sent: {exc.message}"
    head = " ".join(str(p) for p in (f"HTTP {exc.status}" if exc.status else None, exc.code) if p)
    return f"{head}: {exc.message}" if head else exc.message
