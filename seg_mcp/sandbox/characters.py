"""Which characters a stored name or description may hold (the validators of `models.Name` and
`models.Description`).

Names and descriptions are shown to people: in Adobe's UI, in terminals (`seg-mcp api`), in an
assistant's answers. Characters that are not text but instructions to whatever displays them are
refused, and the 400 names the field, the character and its position:

* C0 controls U+0000-U+001F (NUL ends strings in C; ESC starts terminal escape sequences; a lone
  CR makes a terminal overwrite the line), DEL U+007F and the C1 controls U+0080-U+009F;
* the bidirectional embeddings and overrides U+202A-U+202E (U+202E, RIGHT-TO-LEFT OVERRIDE, shows
  text in an order other than the one stored) and isolates U+2066-U+2069;
* in one-line text (names), also the line and paragraph separators U+2028 and U+2029.

Per kind of field: `one_line` (names) refuses all of the above. `multiline` (descriptions) allows
tab U+0009, line feed U+000A, and a carriage return U+000D directly before a line feed (Windows
line ends); it refuses the rest. Other format characters (the marks LRM U+200E and RLM U+200F,
zero-width joiners) are left alone: right-to-left scripts and emoji need them, and they reorder
nothing.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

_BIDI = frozenset({0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069})
_SEPARATORS = frozenset({0x2028, 0x2029})
_IN_MULTILINE = frozenset({0x09, 0x0A, 0x0D})
_NAMES = {
    0x00: "NUL",
    0x07: "BEL",
    0x08: "BACKSPACE",
    0x09: "TAB",
    0x0A: "LINE FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESC",
    0x7F: "DEL",
    0x202A: "LEFT-TO-RIGHT EMBEDDING",
    0x202B: "RIGHT-TO-LEFT EMBEDDING",
    0x202C: "POP DIRECTIONAL FORMATTING",
    0x202D: "LEFT-TO-RIGHT OVERRIDE",
    0x202E: "RIGHT-TO-LEFT OVERRIDE",
    0x2066: "LEFT-TO-RIGHT ISOLATE",
    0x2067: "RIGHT-TO-LEFT ISOLATE",
    0x2068: "FIRST STRONG ISOLATE",
    0x2069: "POP DIRECTIONAL ISOLATE",
    0x2028: "LINE SEPARATOR",
    0x2029: "PARAGRAPH SEPARATOR",
}
_ONE_LINE_RULE = "a name is one line of text, without control or direction-override characters"
_MULTILINE_RULE = "tab, line feed and CR LF line ends are the only control characters allowed"


def _control(code: int) -> bool:
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _BIDI


def _refused_at(value: str, *, lines: bool) -> int | None:
    """Index of the first character `value` may not hold, None when there is none."""
    for index, char in enumerate(value):
        code = ord(char)
        if lines:
            if code == 0x0D:
                if value[index + 1 : index + 2] != "\n":
                    return index
            elif _control(code) and code not in _IN_MULTILINE:
                return index
        elif _control(code) or code in _SEPARATORS:
            return index
    return None


def label(char: str) -> str:
    """`U+001B (ESC)`: a character by its code point, and its name where it has a short one."""
    code = ord(char)
    name = _NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def _check(value: str, *, lines: bool) -> str:
    index = _refused_at(value, lines=lines)
    if index is None:
        return value
    raise PydanticCustomError(
        "control_character",
        "contains the character {char} at character {position}; {rule}. Remove it",
        {
            "char": label(value[index]),
            "position": index + 1,
            "rule": _MULTILINE_RULE if lines else _ONE_LINE_RULE,
        },
    )


def one_line(value: str) -> str:
    """`value` if it is one line of plain text (see the module's docstring); else a pydantic
    error naming the character and its position."""
    return _check(value, lines=False)


def multiline(value: str) -> str:
    """`value` if it is plain text that may span lines (tab, LF, CR LF allowed); else a
    pydantic error naming the character and its position."""
    return _check(value, lines=True)
