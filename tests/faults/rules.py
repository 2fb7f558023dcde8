"""How the fault suite judges an answer: the claim a message makes, whether it is actionable, the
check it suggests, and the ids an answer names.

A *claim* is what a client told its user about a write: `succeeded`, `failed` (the platform
answered with an error), `not sent` (the request never left) or `unknown` (it may have
happened). `classify` reads the claim off a message with the regular expressions below; a message
is *actionable* when it names a claim and gives a next step, and, for `unknown`, says how to
check whether the write happened (issue 14, item 1).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

# -- the judge's regular expressions (case-insensitive) ------------------------------------------

#: The claim a message makes, tried in this order (a message saying both "failed" and "may have
#: happened" claims `unknown`).
CLAIMS: tuple[tuple[str, str], ...] = (
    (
        "unknown",
        r"outcome (is |was )?unknown|unknown outcome|may (already )?have (happened|taken effect|"
        r"gone through|been (created|saved|started|applied|made|done|written))|might have "
        r"(happened|taken effect|been)|not known whether|cannot (tell|know) whether|may or may "
        r"not have",
    ),
    ("not sent", r"\bnot sent\b|never (left|reached|got sent|sent)|nothing was sent"),
    ("failed", r"\bfailed\b|\brefused\b|\brejected\b|answered (with )?(HTTP )?[45]\d\d"),
)
#: A next step the reader can take.
NEXT_STEP = (
    r"\bretry|try (it )?again|call \S+ again|run it again|(look|check|search) (with|for|whether|"
    r"if|first|that|it)|find_\w+|get_job|seg-mcp api \w+|\blist[A-Z]\w+|\bwait\b|change the name|"
    r"update (that|it)|change it|delete it|fix the|before (retrying|sending)"
)
#: For `unknown`: how to check whether the write happened.
HOW_TO_CHECK = (
    r"find_\w+|get_job|search_\w+|seg-mcp api (list|retrieve|get)\w*|\b(list|retrieve|get)"
    r"[A-Z]\w+|look (with|for|it up)|check (with|whether|if|for)"
)
#: A success after a fault that reached the service must say the tool found the object.
RECONCILED = (
    r"already|existing|\bfound\b|reconcil|(answer|response) (was )?(lost|never came)|no answer|"
    r"did not answer|timed out|outcome|identical|instead of (starting|writing|creating)"
)


#: The check an `unknown` message suggests: a `seg-mcp api` command, or a tool call.
CLI_CHECK = r"`seg-mcp api ([^`]+)`"
TOOL_CHECK = r"\b(find_\w+|get_job|search_\w+)((?:\s+\w+=(?:'[^']*'|\[[^\]]*\]))*)"


def tool_check(text: str) -> tuple[str, dict[str, Any]] | None:
    """The tool call an `unknown` message suggests, with its arguments (`name='x'`, `ids=[...]`)."""
    m = re.search(TOOL_CHECK, text)
    if m is None:
        return None
    pairs = re.findall(r"(\w+)=('[^']*'|\[[^\]]*\])", m[2])
    return m[1], {k: ast.literal_eval(v) for k, v in pairs}


def classify(text: str) -> str | None:
    for claim, pattern in CLAIMS:
        if re.search(pattern, text, re.IGNORECASE):
            return claim
    return None


def actionable(text: str, claim: str | None) -> bool:
    if claim is None or not re.search(NEXT_STEP, text, re.IGNORECASE):
        return False
    return claim != "unknown" or bool(re.search(HOW_TO_CHECK, text, re.IGNORECASE))


def ids_in(value: Any) -> set[str]:
    """Every `id` in a JSON value (to find an object in an answer)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if value.get("id") is not None:
            found.add(str(value["id"]))
        for v in value.values():
            found |= ids_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= ids_in(v)
    return found


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
