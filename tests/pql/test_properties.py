"""Properties over generated input: parse only ever raises PqlSyntaxError, check never raises,
and for generated ASTs printing is a fixed point of parsing and pql/json is lossless."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seg_mcp import pql
from seg_mcp.pql import ast as a

from .test_examples import EXAMPLES

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- random and mutated text -------------------------------------------------------------------

_PQL_CHARS = st.sampled_from(
    [*"()[]{}.,:=!<>+-*/%^$\"'&|; \n\t_aXz019", "and", "or", "not", "occurs", "select",
    "from", "where", "chain", "WHAT(", "WHEN(", "before", "now", "days", "==", "in", "last",
    "\u201c", "\x00", "IS NULL", "between"]
)  # fmt: skip


def _parse_or_syntax_error(text: str) -> None:
    try:
        query = pql.parse(text)
    except pql.PqlSyntaxError as exc:
        assert exc.diagnostics and all(d.line >= 1 and d.column >= 1 for d in exc.diagnostics)
        return
    assert isinstance(query, pql.Query)


def _check_never_raises(text: str) -> None:
    result = pql.check(text)
    assert result.ok == (result.ast is not None and not result.errors)
    json.dumps(result.as_dict())
    for d in result.diagnostics:
        assert 0 <= d.start <= d.end <= len(text)


@_SETTINGS
@given(st.text(max_size=80))
def test_random_text(text: str) -> None:
    _parse_or_syntax_error(text)
    _check_never_raises(text)


@_SETTINGS
@given(st.lists(_PQL_CHARS, max_size=30).map("".join))
def test_random_pql_looking_text(text: str) -> None:
    _parse_or_syntax_error(text)
    _check_never_raises(text)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(_PQL_CHARS)
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


@_SETTINGS
@given(_mutated())
def test_mutated_examples(text: str) -> None:
    _parse_or_syntax_error(text)
    _check_never_raises(text)


# -- generated ASTs ----------------------------------------------------------------------------

_KEYWORDS = {
    "and", "or", "not", "chain", "what", "where", "when", "count", "let", "in", "notin", "like",
    "matches", "occurs", "between", "on", "select", "from", "exists", "forall", "over", "sum",
    "average", "min", "max", "true", "false", "now", "today", "yesterday", "tomorrow", "this",
    "last", "next", "before", "after", "xevent", "null", "nil", "none", "if", "date",
}  # fmt: skip
_UNITS = re.compile(r"^(millisecond|second|minute|hour|day|week|month|year|decade|centur|millenni)")
_field_names = st.from_regex(r"[a-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: n.lower() not in _KEYWORDS and not _UNITS.match(n.lower())
)
_var_names = st.from_regex(r"[A-Z][A-Za-z0-9]{0,3}", fullmatch=True).filter(
    lambda n: n.lower() not in _KEYWORDS and not _UNITS.match(n.lower())
)
_strings = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_literals = st.one_of(
    st.builds(a.Literal, literal_type=st.just("String"), value=_strings),
    st.builds(a.Literal, literal_type=st.just("Integer"), value=st.integers(-(10**12), 10**12)),
    st.builds(
        a.Literal,
        literal_type=st.just("Double"),
        value=st.floats(allow_nan=False, allow_infinity=False, width=64),
    ),
    st.builds(a.Literal, literal_type=st.just("Boolean"), value=st.booleans()),
)


@st.composite
def _path(draw: st.DrawFn, scope: tuple[tuple[str, ...], int]) -> a.Expr:
    variables, depth = scope
    roots: list[a.Expr] = [a.ParameterReference(position=1), a.XEvent()]
    if depth:
        roots += [a.ContextRef(levels_up=0)] + [a.ContextRef(levels_up=n) for n in (1, 2)[:depth]]
    roots += [a.VarRef(name=v) for v in variables]
    node = draw(st.sampled_from(roots))
    # the profile and the current element are only written through one of their fields
    bare = isinstance(node, a.ParameterReference) or node == a.ContextRef(levels_up=0)
    for name in draw(st.lists(_field_names, min_size=1 if bare else 0, max_size=3)):
        node = a.FieldLookup(object=node, field_name=name)
    return node


_COMPARISONS = ["=", "!=", "<", "<=", ">", ">="]


def _binary(op: str, left: a.Expr, right: a.Expr) -> a.Expr:
    return a.FnApply(name=op, args=(left, right))


_STRING_METHODS = ["startsWith", "endsWith", "contains", "equals", "doesNotContain"]


@st.composite
def _window(draw: st.DrawFn, scope: tuple[tuple[str, ...], int]) -> a.TimeWindow:
    anchor = draw(
        st.one_of(
            st.builds(a.TimeLiteral, name=st.sampled_from(["now", "today", "yesterday"])),
            st.builds(
                a.RelativePeriod,
                qualifier=st.sampled_from(["this", "last", "next"]),
                unit=st.sampled_from(a.TIME_UNITS),
            ),
            _path(scope),
        )
    )
    kind = draw(st.sampled_from(["relative", "direction", "on", "between"]))
    if kind == "relative":
        return a.TimeWindow(
            kind="relative",
            comparison=draw(st.sampled_from(_COMPARISONS)),
            amount=draw(st.integers(0, 1000)),
            unit=draw(st.sampled_from(a.TIME_UNITS)),
            direction=draw(st.sampled_from(["before", "after", "from"])),
            anchor=anchor,
        )
    if kind == "direction":
        return a.TimeWindow(
            kind="direction", direction=draw(st.sampled_from(["before", "after"])), anchor=anchor
        )
    if kind == "between":
        end = draw(st.builds(a.TimeLiteral, name=st.sampled_from(["now", "today", "tomorrow"])))
        return a.TimeWindow(kind="between", anchor=anchor, end=end)
    return a.TimeWindow(kind="on", anchor=anchor)


def _values(scope: tuple[tuple[str, ...], int], size: int) -> st.SearchStrategy[a.Expr]:
    """Value-like expressions (no boolean operators at the top)."""
    leaves = st.one_of(_literals, _path(scope))
    if size <= 0:
        return leaves
    smaller = _values(scope, size - 1)
    return st.one_of(
        leaves,
        st.builds(
            _binary,
            st.sampled_from(["+", "-", "*", "/", "%"]),
            smaller,
            smaller,
        ),
        st.builds(lambda items: a.ListLiteral(items=tuple(items)), st.lists(smaller, max_size=3)),
        st.builds(
            lambda r, n, arg: a.FnApply(name=n, args=(r, arg)),
            _path(scope),
            st.sampled_from(_STRING_METHODS),
            _literals,
        ),
        st.builds(
            lambda r, body: a.FnApply(name="count", args=(r, a.Lambda(params=(), body=body))),
            _path(scope),
            _conditions((scope[0], scope[1] + 1), 0),
        ),
        st.builds(
            lambda r, body: a.FnApply(name="filter", args=(r, a.Lambda(params=(), body=body))),
            _path(scope),
            _conditions((scope[0], scope[1] + 1), size - 1),
        ),
        st.builds(
            lambda args: a.FnApply(name="date", args=tuple(args)),
            st.lists(
                st.integers(1, 2030).map(lambda v: a.Literal(literal_type="Integer", value=v)),
                min_size=3,
                max_size=3,
            ),
        ),
    )


@st.composite
def _decls(draw: st.DrawFn, scope: tuple[tuple[str, ...], int], size: int) -> tuple:
    variables, depth = scope
    decls = []
    for _ in range(draw(st.integers(1, 2))):
        name = draw(_var_names)
        source = draw(_path((variables, depth)))
        variables = (*variables, name)
        condition = draw(st.none() | _conditions((variables, depth), size - 1))
        decls.append(a.VarDecl(name=name, range=source, condition=condition))
    return tuple(decls)


def _conditions(scope: tuple[tuple[str, ...], int], size: int) -> st.SearchStrategy[a.Expr]:
    values = _values(scope, max(size - 1, 0))
    compare = st.builds(
        _binary, st.sampled_from(_COMPARISONS), values,
        values,
    )  # fmt: skip
    infix = st.builds(
        _binary,
        st.sampled_from(["in", "notIn", "like", "matches"]),
        values,
        values,
    )
    occurs = st.builds(lambda s, w: a.Occurs(subject=s, window=w), _path(scope), _window(scope))
    calls = st.one_of(
        st.builds(lambda s: a.FnApply(name="inSegment", args=(a.Literal(literal_type="String",
                  value=s),)), _strings),
        st.just(a.FnApply(name="currentMonth", args=())),
    )  # fmt: skip
    base = st.one_of(compare, infix, occurs, calls, _path(scope))
    if size <= 0:
        return base
    smaller = _conditions(scope, size - 1)

    def junction(op: str) -> st.SearchStrategy[a.Expr]:
        # `(a and b) and c` parses as one n-ary `and`: generate the canonical form only
        part = smaller.filter(lambda e: not (isinstance(e, a.FnApply) and e.name == op))
        return st.lists(part, min_size=2, max_size=3).map(
            lambda args: a.FnApply(name=op, args=tuple(args))
        )

    return st.one_of(
        base,
        junction("and"),
        junction("or"),
        smaller.map(lambda e: a.FnApply(name="not", args=(e,))),
        _decls(scope, size).map(lambda d: a.Select(decls=d)),
        st.builds(
            a.Quantifier, kind=st.sampled_from(["exists", "forall"]), decls=_decls(scope, size)
        ),
        st.builds(
            lambda f, v, d: a.Aggregate(function=f, value=v, decls=d),
            st.sampled_from(["sum", "average", "min", "max"]),
            st.none(),
            _decls(scope, size),
        ),
        _let(scope, size),
        _chain(scope),
    )


@st.composite
def _let(draw: st.DrawFn, scope: tuple[tuple[str, ...], int], size: int) -> a.Expr:
    name = draw(_var_names)
    value = draw(_values(scope, 0))
    body = draw(_conditions(((*scope[0], name), scope[1]), size - 1))
    return a.Let(name=name, value=value, body=body)


@st.composite
def _chain(draw: st.DrawFn, scope: tuple[tuple[str, ...], int]) -> a.Expr:
    inner = (scope[0], scope[1] + 1)
    steps = []
    labels: tuple[str, ...] = ()
    for _ in range(draw(st.integers(1, 3))):
        label = draw(_var_names.filter(lambda n, taken=labels: n not in taken))
        steps.append(
            a.ChainStep(
                label=label,
                what=draw(_conditions(inner, 0)),
                where=draw(st.none() | _conditions(inner, 0)),
                when=draw(st.none() | _window(inner)),
                count=draw(st.none() | st.integers(1, 9)),
            )
        )
        labels = (*labels, label)
    return a.Chain(
        source=a.XEvent(), timestamp=a.FieldLookup(object=a.ContextRef(), field_name="timestamp"),
        steps=tuple(steps),
    )  # fmt: skip


queries = (
    st.integers(0, 3)
    .flatmap(lambda size: _conditions(((), 0), size))
    .map(lambda body: a.Query(body=body))
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(queries)
def test_printing_is_a_fixed_point_of_parsing(query: a.Query) -> None:
    text = pql.to_pql_text(query)
    assert pql.to_pql_text(pql.parse(text)) == text


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(queries)
def test_pql_json_is_the_identity_on_the_ast(query: a.Query) -> None:
    tree = json.loads(json.dumps(pql.to_pql_json(query)))
    assert pql.from_pql_json(tree) == query
