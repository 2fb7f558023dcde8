"""The grammar's terminals in plain English, for syntax diagnostics: what was found, and what
would have been accepted instead. A diagnostic never shows a terminal name (``RPAR``,
``STRING``); ``tests/pql/test_syntax_words.py`` fails when a terminal of ``pql.lark`` has no
words here.
"""

from __future__ import annotations

from lark import Token

__all__ = ["WORDS", "describe", "expected_words", "join_or"]

WORDS: dict[str, str] = {
    # keywords
    "AND": "`and`",
    "OR": "`or`",
    "NOT": "`not`",
    "CHAIN": "`chain(...)`",
    "WHAT": "`WHAT(...)`",
    "WHERE": "`where`",
    "WHEN": "`WHEN(...)`",
    "COUNT": "`COUNT(...)`",
    "LET": "`let`",
    "IN": "`in`",
    "NOTIN": "`notIn`",
    "LIKE": "`like`",
    "MATCHES": "`matches`",
    "OCCURS": "`occurs`",
    "BETWEEN": "`between`",
    "ON": "`on`",
    "SELECT": "`select`",
    "FROM": "`from`",
    "EXISTS": "`exists`",
    "FORALL": "`forall`",
    "OVER": "`over`",
    "AGG": "`sum`, `average`, `min` or `max`",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "NOW": "`now`",
    "TODAY": "`today`",
    "YESTERDAY": "`yesterday`",
    "TOMORROW": "`tomorrow`",
    "THIS": "`this`",
    "LAST": "`last`",
    "NEXT": "`next`",
    "DIRECTION": "`before`, `after` or `from`",
    "UNIT": "a time unit (`days`, `hours`, `months`, ...)",
    # punctuation and operators
    "LAMBDA_OPEN": "`(` starting a lambda",
    "ARROW": "`=>`",
    "EQ": "`=`",
    "NE": "`!=`",
    "LT": "`<`",
    "LE": "`<=`",
    "GT": "`>`",
    "GE": "`>=`",
    "BANG": "`!`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "PERCENT": "`%`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "DOT": "`.`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    # values
    "NAME": "a field name",
    "STRING": "a string in double quotes",
    "DOUBLE": "a number",
    "INT": "a whole number",
    "PARAM": "a parameter (`$1`)",
    "UPREF": "`^`",
    # mistakes (never expected; named when found)
    "EQEQ": "`==`",
    "ANDAND": "`&&`",
    "OROR": "`||`",
    "LTGT": "`<>`",
    "SQSTRING": "a string in single quotes",
    "$END": "the end of the expression",
}

_VALUE_START = frozenset(
    {
        "NAME", "STRING", "INT", "DOUBLE", "TRUE", "FALSE", "PARAM", "UPREF", "NOW", "TODAY",
        "YESTERDAY", "TOMORROW", "LPAR", "LSQB", "LBRACE", "SELECT", "EXISTS", "FORALL", "AGG",
        "CHAIN", "MINUS", "NOT", "BANG", "LET", "LAMBDA_OPEN",
    }
)  # fmt: skip
_OPERATORS = (
    "AND", "OR", "EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN", "LIKE", "MATCHES", "OCCURS",
    "PLUS", "MINUS", "STAR", "SLASH", "PERCENT",
)  # fmt: skip
_OPERATOR_TEXT = {
    "AND": "and", "OR": "or", "EQ": "=", "NE": "!=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">=",
    "IN": "in", "NOTIN": "notIn", "LIKE": "like", "MATCHES": "matches", "OCCURS": "occurs",
    "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/", "PERCENT": "%",
}  # fmt: skip
# Order of the remaining items: closing punctuation first (the usual fix), the end last.
_ORDER = {name: index for index, name in enumerate(("RPAR", "RSQB", "RBRACE", "COMMA"))}


def expected_words(accepts: set[str] | frozenset[str]) -> tuple[str, ...]:
    """``accepts`` (terminal names the parser would take) in words, grouped: every way of
    starting a value is "a value or a field path", a run of binary operators is one item."""
    names = {name for name in accepts if not name.startswith("__")}
    words: list[str] = []
    if {"NAME", "STRING", "INT"} <= names:
        words.append("a value or a field path")
        names -= _VALUE_START
    operators = [name for name in _OPERATORS if name in names]
    if len(operators) >= 4:
        shown = ", ".join(f"`{_OPERATOR_TEXT[name]}`" for name in operators)
        words.append(f"an operator ({shown})")
        names -= set(operators)
    rest = sorted(names, key=lambda n: (n == "$END", _ORDER.get(n, len(_ORDER)), n))
    words.extend(WORDS.get(name, name.lower()) for name in rest)
    return tuple(words)


def join_or(words: tuple[str, ...] | list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def describe(token: Token) -> str:
    """The token as found in the source: "the name `foo`", "`==`", "the end of the expression"."""
    kind = token.type
    text = str(token)
    if len(text) > 40:
        text = text[:37] + "..."
    if kind == "$END":
        return WORDS["$END"]
    if kind == "NAME":
        return f"the name `{text}`"
    if kind in ("STRING", "SQSTRING"):
        return f"the string {text}"
    if kind in ("INT", "DOUBLE"):
        return f"the number {text}"
    return f"`{text}`"
