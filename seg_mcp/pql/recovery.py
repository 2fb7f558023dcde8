"""Syntax error recovery: the handler Lark calls on each parse error (:class:`Session`), which
turns the error into a :class:`Diagnostic` (position, plain-English message, expected tokens in
words, a hint for the mistakes assistants make) and, where the intent is clear, feeds the parser
the right token so that later mistakes are reported too (see ``syntax.py``)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from seg_mcp.pql import ast as a
from seg_mcp.pql import mistakes
from seg_mcp.pql.diagnostics import Diagnostic, DiagnosticCode
from seg_mcp.pql.functions import INVENTED
from seg_mcp.pql.terminals import describe, expected_words, join_or

__all__ = ["MAX_DIAGNOSTICS", "Session", "text_span"]

MAX_DIAGNOSTICS = 10
_UNITS_HINT = "units are " + ", ".join(mistakes.UNIT_WORDS)

_EXPRESSION_START = frozenset({"NAME", "STRING", "INT", "DOUBLE", "PARAM", "TRUE", "FALSE"})
_WINDOW_TOKENS = frozenset(
    {"INT", "UNIT", "DIRECTION", "ON", "BETWEEN", "AND", "THIS", "LAST", "NEXT", "NAME", "DOT",
     "NOW", "TODAY", "YESTERDAY", "TOMORROW"}
)  # fmt: skip


def text_span(text: str, start: int, end: int) -> a.Span:
    """The span of ``text[start:end]`` (1-based line and column, end exclusive)."""
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = line + text.count("\n", start, end)
    end_column = end - (text.rfind("\n", 0, end) + 1) + 1
    return a.Span(line, column, end_line, end_column, start, end)


@dataclass
class Session:
    """One parse with recovery: the handler Lark calls on each error, and what it found."""

    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    last: UnexpectedInput | None = None  # the error the handler recorded last
    restart: tuple[str, Diagnostic] | None = None  # (patched text, its diagnostic)

    # -- recording -----------------------------------------------------------------------------

    def add(
        self,
        exc: UnexpectedInput,
        start: int,
        end: int,
        message: str,
        *,
        hint: str | None = None,
        code: DiagnosticCode = "syntax",
        expected: tuple[str, ...] = (),
        suggestions: tuple[str, ...] = (),
    ) -> None:
        self.last = exc
        self.diagnostics.append(
            Diagnostic.at(
                text_span(self.text, start, end),
                message,
                code=code,
                expected=expected,
                hint=hint,
                suggestions=suggestions,
            )
        )

    def generic(self, exc: UnexpectedInput, hint: str | None = None) -> bool:
        """The plain "expected X, found Y" error; stops recovery."""
        ip: InteractiveParser | None = getattr(exc, "interactive_parser", None)
        accepts = ip.accepts() if ip is not None else set()
        words = expected_words(accepts)
        if isinstance(exc, UnexpectedToken):
            token = exc.token
            found = describe(token)
            start, end = _start(token), _end(token) or 0
            if hint is None and token.type in _EXPRESSION_START and "AND" in accepts:
                hint = "join conditions with `and` or `or`"
        else:
            start = exc.pos_in_stream or 0
            end = start + 1
            found = _char(self.text[start]) if start < len(self.text) else "the end"
        if 0 < len(words) <= 3:
            message = f"expected {join_or(words)}, found {found}"
        else:
            message = f"unexpected {found.removeprefix('the ')}"
        self.add(exc, start, end, message, hint=hint, expected=words)
        return False

    # -- the handler -----------------------------------------------------------------------

    def on_error(self, exc: UnexpectedInput) -> bool:
        """Record ``exc``; return True when the parser can go on."""
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            return False
        if isinstance(exc, UnexpectedCharacters):
            return self.character(exc)
        assert isinstance(exc, UnexpectedToken)
        token = exc.token
        ip: InteractiveParser = exc.interactive_parser
        if token.type in mistakes.SUBSTITUTES:
            kind, value, message, hint = mistakes.SUBSTITUTES[token.type]
            self.add(exc, _start(token), _end(token), message, hint=hint, suggestions=(value,))
            return _feed(ip, [Token.new_borrow_pos(kind, value, token)])
        if token.type == "SQSTRING":
            return self.single_quotes(exc, ip, token)
        if token.type == "$END":
            return self.end(exc, ip)
        window = self.window_start(ip)
        if window is not None:
            handled = self.window(exc, ip, token, *window)
            if handled is not None:
                return handled
        if token.type in mistakes.CLOSER_TYPES:
            return self.closer(exc, ip, token)
        word = str(token).lower()
        if word == "is":
            return self.is_null(exc, ip, token)
        if word == "not" and mistakes.NOT_IN.match(self.text, _start(token)):
            return self.not_in(exc, ip, token)
        if word == "between":
            return self.between(exc, ip, token)
        if token.type == "STAR":
            return self.star(exc, ip, token)
        if token.type == "LPAR":
            return self.time_call(exc, ip, token)
        if word in mistakes.KEYWORDS and str(token) not in {w for _, w in mistakes.KEYWORDS[word]}:
            return self.keyword_case(exc, ip, token)
        invented = INVENTED.get(str(token)) or mistakes.INVENTED_FOLDED.get(word)
        if token.type == "NAME" and invented:
            self.add(
                exc, _start(token), _end(token), f"PQL has no `{token}`",
                hint=invented, code="unknown-function", expected=expected_words(ip.accepts()),
            )  # fmt: skip
            return False
        return self.generic(exc)

    # -- rules -----------------------------------------------------------------------------

    def single_quotes(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        body = str(token)[1:-1].replace("\\'", "'").replace('"', '\\"')
        fixed = f'"{body}"'
        self.add(
            exc, _start(token), _end(token), "strings are written in double quotes",
            hint=f"write {fixed}", suggestions=(fixed,),
        )  # fmt: skip
        return _feed(ip, [Token.new_borrow_pos("STRING", fixed, token)])

    def end(self, exc: UnexpectedToken, ip: InteractiveParser) -> bool:
        words = expected_words(ip.accepts())
        opened = mistakes.unclosed(self.text)
        for bracket, at in opened:
            closer = mistakes.CLOSER.get(bracket, bracket)
            self.add(
                exc, at, at + 1, f"this `{bracket}` is never closed",
                hint=f"add a `{closer}` where it should end", code="unclosed", expected=words,
            )  # fmt: skip
        if opened:
            return False
        end = len(self.text.rstrip())
        trailing = mistakes.TRAILING_WORD.search(self.text, 0, end)
        hint = None
        if trailing:
            hint = f"add a condition after `{trailing.group(1)}`, or remove it"
        message = "the expression ends too early"
        if 0 < len(words) <= 3:
            message += f": expected {join_or(words)}"
        self.add(exc, end, end, message, hint=hint, expected=words)
        return False

    def closer(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        bracket = mistakes.CLOSER_TYPES[token.type]
        opened = mistakes.unclosed(self.text, _start(token))
        if not opened:
            self.add(
                exc, _start(token), _end(token), f"this `{bracket}` closes nothing",
                hint=f"remove it, or add the `{mistakes.OPENER[bracket]}` it should close",
            )  # fmt: skip
            return True  # the token is already consumed: parsing goes on without it
        top, at = opened[-1]
        wanted = mistakes.CLOSER[top]
        if wanted == bracket:
            return self.generic(exc)
        where = text_span(self.text, at, at + 1)
        self.add(
            exc, _start(token), _end(token),
            f"expected `{wanted}` to close the `{top}` at line {where.line}, column "
            f"{where.column}, found `{bracket}`",
            hint=f"write `{wanted}`", expected=expected_words(ip.accepts()),
        )  # fmt: skip
        return _feed(ip, [Token.new_borrow_pos(mistakes.CLOSER_TERMINAL[wanted], wanted, token)])

    def is_null(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        match = mistakes.IS_NULL.match(self.text, _start(token))
        operand = _operand_text(ip, self.text) or "x"
        if match is None:
            self.add(
                exc, _start(token), _end(token), "PQL has no `is` operator",
                hint="compare with `=`", suggestions=("=",),
            )  # fmt: skip
            return _feed(ip, [Token.new_borrow_pos("EQ", "=", token)])
        method = "isNotNull" if match.group("not") else "isNull"
        written = " ".join(match.group(0).split())
        self.add(
            exc, _start(token), match.end(), f"PQL has no `{written}`",
            hint=f"write `{operand}.{method}()`", suggestions=(f".{method}()",),
        )  # fmt: skip
        tokens = [
            Token.new_borrow_pos(kind, value, token)
            for kind, value in (("DOT", "."), ("NAME", method), ("LPAR", "("), ("RPAR", ")"))
        ]
        return _feed(ip, tokens) and _skip_to(ip, self.text, match.end())

    def not_in(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        match = mistakes.NOT_IN.match(self.text, _start(token))
        assert match is not None
        self.add(
            exc, _start(token), match.end(), "PQL writes `not in` as one word",
            hint="write `notIn`", suggestions=("notIn",),
        )  # fmt: skip
        return _feed(ip, [Token.new_borrow_pos("NOTIN", "notIn", token)]) and _skip_to(
            ip, self.text, match.end()
        )

    def between(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        operand = _operand_text(ip, self.text) or "x"
        bounds = mistakes.BETWEEN_BOUNDS.match(self.text, _start(token))
        low, high = (bounds.group("lo"), bounds.group("hi")) if bounds else ("LOW", "HIGH")
        self.add(
            exc, _start(token), _end(token),
            "`between` only works in a time window (`occurs between A and B`)",
            hint=f"for values write `{operand} >= {low} and {operand} <= {high}`",
        )  # fmt: skip
        return _feed(ip, [Token.new_borrow_pos("GE", ">=", token)])

    def star(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        call = mistakes.CALL_BEFORE.search(self.text, 0, _start(token))
        if call is None:
            return self.generic(exc)
        name = call.group("name")
        close = mistakes.STAR_CLOSE.match(self.text, _start(token))
        end = close.end() if close else _end(token)
        in_chain = ip.accepts() == {"INT"}  # COUNT(*) in a chain step
        if in_chain:
            hint = f"{name}(n) takes a whole number: {name}(3) is at least 3 events"
        else:
            hint = INVENTED.get(name.lower(), INVENTED["count"])
        self.add(
            exc, call.start(), end, f"`{name}(*)` is SQL, not PQL", hint=hint,
            code="unknown-function",
        )  # fmt: skip
        return not in_chain  # `*` is consumed: go on with `name()`

    def time_call(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        before = mistakes.TIME_WORD_BEFORE.search(self.text, 0, _start(token))
        if before is None:
            return self.generic(exc)
        word = before.group("word")
        parens = mistakes.EMPTY_PARENS.match(self.text, _start(token))
        end = parens.end() if parens else _end(token)
        self.add(
            exc, before.start(), end, f"`{word}` is a keyword, not a function",
            hint=INVENTED.get(word, f"write {word} without parentheses"),
            code="unknown-function", suggestions=(word,),
        )  # fmt: skip
        return parens is not None and _skip_to(ip, self.text, parens.end())

    def keyword_case(self, exc: UnexpectedToken, ip: InteractiveParser, token: Token) -> bool:
        accepts = ip.accepts()
        spellings = [(k, w) for k, w in mistakes.KEYWORDS[str(token).lower()] if k in accepts]
        if not spellings:
            return self.generic(exc)
        kind, word = spellings[0]
        self.add(
            exc, _start(token), _end(token), f"PQL writes `{word}` in lower case",
            hint=f"write `{word}`", suggestions=(word,),
        )  # fmt: skip
        return _feed(ip, [Token.new_borrow_pos(kind, word, token)])

    # -- time windows ----------------------------------------------------------------------

    def window_start(self, ip: InteractiveParser) -> tuple[int, bool] | None:
        """``(offset where the time window starts, whether it follows `occurs`)`` when the
        parser is inside one (after `occurs`, or in a chain step's `WHEN(`); else None."""
        stack = ip.parser_state.value_stack
        for depth, item in enumerate(reversed(stack)):
            if depth > 8:
                return None
            if isinstance(item, Token):
                if item.type == "OCCURS":
                    return item.end_pos or 0, True
                if item.type == "LPAR" and len(stack) > depth + 1:
                    previous = stack[-depth - 2]
                    if isinstance(previous, Token) and previous.type == "WHEN":
                        return item.end_pos or 0, False
                if item.type not in _WINDOW_TOKENS:
                    return None
        return None

    def window(
        self, exc: UnexpectedToken, ip: InteractiveParser, token: Token, at: int, occurs: bool
    ) -> bool | None:
        """An error inside a time window; None when the window is complete and the error is
        the next rule's business."""
        start = at + len(self.text[at:]) - len(self.text[at:].lstrip())
        found = mistakes.english_window(self.text, start)
        if found is not None and start <= (_start(token)) < found[0]:
            end, window = found
            phrase = " ".join(self.text[start:end].split())
            written = f"occurs {window}" if occurs else f"WHEN({window})"
            self.restart = (
                self.text[:start] + "now".ljust(end - start) + self.text[end:],
                Diagnostic.at(
                    text_span(self.text, start, end),
                    f"`{phrase}` is not a PQL time window",
                    hint=f"write `{written}`",
                    suggestions=(window,),
                ),
            )
            return False
        accepts = ip.accepts()
        if accepts & {"AND", "OR", "$END", "RPAR"}:
            return None
        if token.type == "NAME" and "UNIT" in accepts:
            close = difflib.get_close_matches(
                str(token).lower(), mistakes.UNIT_WORDS, n=1, cutoff=0.5
            )
            unit = close[0] if close else "days"
            self.add(
                exc, _start(token), _end(token),
                f"expected a time unit, found {describe(token)}",
                hint=f"did you mean `{unit}`?" if close else _UNITS_HINT,
                expected=expected_words(accepts), suggestions=tuple(close),
            )  # fmt: skip
            return _feed(ip, [Token.new_borrow_pos("UNIT", unit, token)])
        return self.generic(exc, hint=mistakes.WINDOW_SHAPES)

    # -- characters ------------------------------------------------------------------------

    def character(self, exc: UnexpectedCharacters) -> bool:
        at = exc.pos_in_stream or 0
        ch = self.text[at] if at < len(self.text) else ""
        ip: InteractiveParser = exc.interactive_parser
        if ch == '"':
            self.add(
                exc, at, at + 1, "this string is never closed",
                hint='add the closing `"` (inside a string, write \\" for a quote)',
                code="unclosed",
            )  # fmt: skip
            return False
        if ch == "'":
            self.add(
                exc, at, at + 1, "strings are written in double quotes; this one is never closed",
                hint='write "text"', code="unclosed",
            )  # fmt: skip
            return False
        if ch in mistakes.CURLY_QUOTES:
            self.add(
                exc,
                at,
                at + 1,
                f"`{ch}` is a typographic quote",
                hint='write straight quotes: "text"',
            )
            return False
        if ch in mistakes.CHAR_SUBSTITUTES:
            kind, value, hint = mistakes.CHAR_SUBSTITUTES[ch]
            self.add(
                exc, at, at + 1, f"`{ch}` is not a PQL operator", hint=hint, suggestions=(value,)
            )
            token = Token(kind, value, at, exc.line, exc.column, exc.line, exc.column + 1, at + 1)
            return _feed(ip, [token])
        if ch == ";":
            self.add(
                exc, at, at + 1, "PQL has no `;`",
                hint="a query is one expression: join conditions with `and` or `or`",
            )  # fmt: skip
            return False
        return self.generic(exc)


def _feed(ip: InteractiveParser, tokens: list[Token]) -> bool:
    """Feed ``tokens`` in place of a mistake; False (stop) when the parser would not take them."""
    trial = ip.copy(deepcopy_values=False)
    try:
        for token in tokens:
            trial.feed_token(token)
    except UnexpectedInput:
        return False
    for token in tokens:
        ip.feed_token(token)
    return True


def _skip_to(ip: InteractiveParser, text: str, offset: int) -> bool:
    """Move the lexer on to ``offset`` (past text a recovery has replaced)."""
    state = ip.lexer_thread.state
    assert state is not None
    counter = state.line_ctr
    if offset > counter.char_pos:
        counter.feed(text[counter.char_pos : offset])
    return True


def _start(token: Token) -> int:
    return token.start_pos or 0


def _end(token: Token) -> int:
    return token.end_pos or 0


def _operand_text(ip: InteractiveParser, text: str) -> str | None:
    """The source of the value the parser has just read (``person.age`` in ``person.age IS``):
    a trial ``.`` makes the parser reduce it to one node."""
    trial = ip.copy(deepcopy_values=False)  # (a deep copy would lose the tokens' end_pos)
    try:
        trial.feed_token(Token("DOT", "."))
    except UnexpectedInput:
        return None
    stack = trial.parser_state.value_stack
    if len(stack) < 2:
        return None
    item = stack[-2]
    first = last = item
    while not isinstance(first, Token):
        if not first.children:
            return None
        first = first.children[0]
    while not isinstance(last, Token):
        last = last.children[-1]
    source = text[first.start_pos : last.end_pos]
    return source if 0 < len(source) <= 80 else None


def _char(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"the character `{ch}`"
    return f"the character U+{ord(ch):04X}"
