"""What assistants write instead of PQL, and the PQL for it: the tables and patterns behind the
hints and recoveries of ``syntax.py`` (mistake tokens and characters, keywords in the wrong case,
``IS NULL``, ``count(*)``, English time windows such as ``in the last 30 days``), and a bracket
scan that finds where an unclosed bracket was opened.
"""

from __future__ import annotations

import re

from seg_mcp.pql.functions import INVENTED
from seg_mcp.pql.lexical import normalise_unit
from seg_mcp.pql.printer import plural_unit

CLOSER = {"(": ")", "[": "]", "{": "}"}
OPENER = {")": "(", "]": "[", "}": "{"}
CLOSER_TYPES = {"RPAR": ")", "RSQB": "]", "RBRACE": "}"}
CLOSER_TERMINAL = {")": "RPAR", "]": "RSQB", "}": "RBRACE"}

# Mistake token -> (the token to parse in its place, message, hint).
SUBSTITUTES: dict[str, tuple[str, str, str, str]] = {
    "EQEQ": ("EQ", "=", "`==` is not a PQL operator", "PQL compares with a single `=`"),
    "ANDAND": ("AND", "and", "`&&` is not a PQL operator", "write `and`"),
    "OROR": ("OR", "or", "`||` is not a PQL operator", "write `or`"),
    "LTGT": ("NE", "!=", "`<>` is SQL, not PQL", "write `!=` for not equal"),
}
CHAR_SUBSTITUTES: dict[str, tuple[str, str, str]] = {
    "&": ("AND", "and", "write `and`"),
    "|": ("OR", "or", "write `or`"),
    "≠": ("NE", "!=", "write `!=`"),
    "≤": ("LE", "<=", "write `<=`"),
    "≥": ("GE", ">=", "write `>=`"),
}
CURLY_QUOTES = "\u201c\u201d\u201e\u201f\u2018\u2019"

# Keywords PQL spells in one case only, by their lower-case form (`LIKE` -> `like`).
KEYWORD_SPELLINGS: dict[str, tuple[str, ...]] = {
    "LET": ("let",), "IN": ("in",), "NOTIN": ("notIn",), "LIKE": ("like",),
    "MATCHES": ("matches",), "OCCURS": ("occurs",), "BETWEEN": ("between",), "ON": ("on",),
    "SELECT": ("select",), "FROM": ("from",), "EXISTS": ("exists",), "FORALL": ("forall",),
    "OVER": ("over",), "AGG": ("sum", "average", "min", "max"), "TRUE": ("true",),
    "FALSE": ("false",), "NOW": ("now",), "TODAY": ("today",), "YESTERDAY": ("yesterday",),
    "TOMORROW": ("tomorrow",), "THIS": ("this",), "LAST": ("last",), "NEXT": ("next",),
    "DIRECTION": ("before", "after", "from"),
}  # fmt: skip
KEYWORDS: dict[str, list[tuple[str, str]]] = {}
for _terminal, _words in KEYWORD_SPELLINGS.items():
    for _word in _words:
        KEYWORDS.setdefault(_word.lower(), []).append((_terminal, _word))
INVENTED_FOLDED = {name.lower(): text for name, text in INVENTED.items()}

UNIT = (
    r"(?:millisecond|second|minute|hour|day|week|month|year|decade)s?"
    r"|centur(?:y|ies)|millenni(?:um|a)"
)
UNIT_WORDS = (
    "milliseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades",
    "centuries", "millennia",
)  # fmt: skip
PAST = ("last", "past", "previous")
WINDOW_SHAPES = (
    "time windows are written `occurs <= 30 days before now`, `occurs before today`, "
    "`occurs on date(2024, 1, 31)`, `occurs between date(2024, 1, 1) and date(2024, 3, 31)` "
    "or `occurs last month`"
)

# English time windows, matched where the window should start. Each gives the PQL window.
ROLLING = re.compile(
    rf"(?:(?:in|within|during|over|for)\s+)?(?:the\s+)?(?P<dir>last|past|previous|next|coming)"
    rf"\s+(?P<n>\d+)\s*(?P<unit>{UNIT})\b",
    re.IGNORECASE,
)
WITHIN = re.compile(rf"(?:in|within)\s+(?:the\s+)?(?P<n>\d+)\s*(?P<unit>{UNIT})\b", re.I)
AGO = re.compile(rf"(?P<op><=|>=|!=|<|>|=)?\s*(?P<n>\d+)\s*(?P<unit>{UNIT})\s+ago\b", re.I)
PERIOD = re.compile(
    rf"(?:in|within|during)\s+(?:the\s+)?(?P<q>last|previous|past|this|current|next)\s+"
    rf"(?P<unit>{UNIT})\b",
    re.IGNORECASE,
)
IS_NULL = re.compile(r"is\s+(?P<not>not\s+)?null\b", re.IGNORECASE)
NOT_IN = re.compile(r"not\s+in\b", re.IGNORECASE)
BETWEEN_BOUNDS = re.compile(
    r"between\s+(?P<lo>-?[\w.\"]+)\s+and\s+(?P<hi>-?[\w.\"]+)", re.IGNORECASE
)
CALL_BEFORE = re.compile(r"(?P<name>[A-Za-z_]\w*)\s*\(\s*\Z")
TIME_WORD_BEFORE = re.compile(r"\b(?P<word>now|today|yesterday|tomorrow)\s*\Z")
EMPTY_PARENS = re.compile(r"\(\s*\)")
STAR_CLOSE = re.compile(r"\*\s*\)")
TRAILING_WORD = re.compile(r"\b(and|or|not)\s*\Z", re.IGNORECASE)


def unclosed(text: str, upto: int | None = None) -> list[tuple[str, int]]:
    """Brackets opened and not closed in ``text[:upto]`` (strings skipped), outermost first."""
    stack: list[tuple[str, int]] = []
    end = len(text) if upto is None else upto
    i = 0
    while i < end:
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < end and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch in CLOSER:
            stack.append((ch, i))
        elif ch in OPENER and stack:
            stack.pop()
        i += 1
    return stack


def english_window(text: str, start: int) -> tuple[int, str] | None:
    """``(end, PQL window)`` when an English time window starts at ``start``."""
    match = ROLLING.match(text, start)
    if match:
        n = int(match.group("n"))
        direction = "before" if match.group("dir").lower() in PAST else "after"
        return match.end(), f"<= {n} {unit(match.group('unit'), n)} {direction} now"
    match = WITHIN.match(text, start)
    if match:
        n = int(match.group("n"))
        return match.end(), f"<= {n} {unit(match.group('unit'), n)} before now"
    match = AGO.match(text, start)
    if match:
        n = int(match.group("n"))
        op = match.group("op") or "="
        return match.end(), f"{op} {n} {unit(match.group('unit'), n)} before now"
    match = PERIOD.match(text, start)
    if match:
        qualifier = match.group("q").lower()
        qualifier = {"previous": "last", "past": "last", "current": "this"}.get(
            qualifier, qualifier
        )
        return match.end(), f"{qualifier} {normalise_unit(match.group('unit'))}"
    return None


def unit(word: str, amount: int) -> str:
    return plural_unit(normalise_unit(word), amount)
