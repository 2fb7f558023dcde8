"""Argument types several tools share, with the bounds the model sees in each tool's schema.

Every string argument has a length bound and every list a size bound, so a call that cannot
succeed is refused by argument validation (naming the argument and the limit, see
`server/failures.py`) before anything is sent. Ids and job handles have a pattern: the
characters of the ids the platform issues (UUIDs, export job numbers, base64 preview ids,
external audience ids), starting with a letter, digit or `_` (so no id is `.` or `..`, which
a URL would resolve as a path step). The opaque cursor is unpadded base64url (see
`output.encode_cursor`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from seg_mcp.server.runtime import MAX_WAIT

MAX_LIMIT = 100
#: Longest PQL query accepted (Adobe documents no limit; real definitions are far shorter).
MAX_PQL = 20_000
#: Longest name (segment definitions, audiences, schedules) and name filter.
MAX_NAME = 256
MAX_DESCRIPTION = 2_000

_ID = r"\w[\w.:=+/-]{0,255}"
#: One platform id (at most 256 characters).
ID_PATTERN = f"^{_ID}$"
#: A job handle: `<kind>:<id>`.
HANDLE_PATTERN = f"^(preview|segment-job|export-job):{_ID}$"
#: A segment id or `*` (all of them), as schedules take.
SCHEDULED_ID_PATTERN = f"^(\\*|{_ID})$"
CURSOR_PATTERN = r"^[\w-]{1,1024}$"


@dataclass(frozen=True)
class Matching:
    """A string argument's pattern: the whole value matches `pattern` (`^...$`, read as JSON
    Schema reads it: `\\w` is ASCII), else the error says it must be `what`. (Python's `re`
    checks it: pydantic's Rust regex engine compiles Unicode `\\w{0,255}` too large.)"""

    pattern: str
    what: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        compiled = re.compile(self.pattern.removeprefix("^").removesuffix("$"), re.ASCII)
        what = self.what

        def check(value: str) -> str:
            if compiled.fullmatch(value) is None:
                raise ValueError(f"must be {what}")
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}


_ID_WORDS = "at most 256 letters, digits and _ . : = + / -, starting with a letter, digit or _"
IdText = Annotated[str, Matching(ID_PATTERN, f"an id as the platform issues it ({_ID_WORDS})")]
HandleText = Annotated[
    str,
    Matching(
        HANDLE_PATTERN,
        "a job handle: preview:<id>, segment-job:<id> or export-job:<id>, as the tools return",
    ),
]
ScheduledId = Annotated[str, Matching(SCHEDULED_ID_PATTERN, f"* or a segment id ({_ID_WORDS})")]
CursorText = Annotated[
    str,
    Matching(
        CURSOR_PATTERN,
        "a next_cursor exactly as this server returned it (at most 1024 letters, digits, _ and -)",
    ),
]

Cursor = Annotated[CursorText | None, Field(description="next_cursor of the previous page.")]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Page size.")]
Ids = Annotated[
    list[IdText] | None, Field(min_length=1, max_length=100, description="Get these ids.")
]
Pql = Annotated[str, Field(min_length=1, max_length=MAX_PQL, description="PQL (pql/text).")]
Wait = Annotated[float, Field(ge=0, le=MAX_WAIT, description="Seconds to wait.")]
OptionalPql = Annotated[
    str | None, Field(min_length=1, max_length=MAX_PQL, description="PQL (pql/text).")
]
Name = Annotated[str, Field(max_length=MAX_NAME)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
