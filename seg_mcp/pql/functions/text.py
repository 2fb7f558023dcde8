"""Text: the string tests (``startsWith`` ... ``notEqualTo``, with an optional ``caseSensitive``),
``matches``, ``regexGroup`` and the ``like`` operator, each declared once (typing, SQL, wording).
"""

from __future__ import annotations

import re
import typing as t

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.fndef import FunctionDef
from seg_mcp.pql.ptypes import BOOLEAN, NUMERIC, STRING, STRINGS, PType
from seg_mcp.pql.sql.errors import UnsupportedQuery, cannot
from seg_mcp.pql.sql.lifting import arity, elements_if_list, lift
from seg_mcp.pql.sql.timewindow import const_int
from seg_mcp.pql.sql.types import STRING as SQL_STRING
from seg_mcp.pql.sql.values import Compiled, SqlValue, call, pred
from seg_mcp.pql.typerules import LIKE_HINT, STRING_METHOD_HINT, arg_types

if t.TYPE_CHECKING:
    from seg_mcp.pql.explain import Words
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["DEFS"]


def _string_method_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    if not types:
        return BOOLEAN
    inf.expect(types[0], STRINGS, node.args[0], f"{node.name}", hint=STRING_METHOD_HINT)
    if len(types) > 1:
        inf.expect(types[1], STRINGS, node.args[1], f"{node.name}'s argument")
    if len(types) == 3:  # more arguments than that are an arity error already
        if node.name == "regexGroup":
            inf.expect(types[2], NUMERIC, node.args[2], "regexGroup's group number")
        else:
            inf.expect(types[2], frozenset({"boolean"}), node.args[2], "caseSensitive")
    return STRING if node.name == "regexGroup" else BOOLEAN


def _equals_type(inf: Inference, node: a.FnApply) -> PType:
    """``s.equals("VT", "VA", ...[, caseSensitive])``: one or more texts, then maybe the flag."""
    types = arg_types(inf, node)
    if types:
        inf.expect(types[0], STRINGS, node.args[0], node.name, hint=STRING_METHOD_HINT)
    texts, _sensitive = _texts_and_case(node)
    for index in range(1, 1 + len(texts)):
        inf.expect(types[index], STRINGS, node.args[index], f"{node.name}'s argument")
    return BOOLEAN


def _pattern_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    if types:
        hint = LIKE_HINT if node.name == "like" else STRING_METHOD_HINT
        inf.expect(types[0], STRINGS, node.args[0], node.name, hint=hint)
    if len(types) > 1:
        inf.expect(types[1], STRINGS, node.args[1], f"{node.name}'s pattern")
    return BOOLEAN


# -- the string tests ----------------------------------------------------------------------------

_STRING_TESTS: dict[str, tuple[str, bool, str]] = {  # equals and notEqualTo: below
    "startsWith": ("starts_with", False, "starts with"),
    "doesNotStartWith": ("starts_with", True, "does not start with"),
    "endsWith": ("suffix", False, "ends with"),
    "doesNotEndWith": ("suffix", True, "does not end with"),
    "contains": ("contains", False, "contains"),
    "doesNotContain": ("contains", True, "does not contain"),
}
"""name -> (DuckDB function, negated, phrase)."""


def _texts_and_case(node: a.FnApply) -> tuple[tuple[a.Node, ...], bool]:
    """The texts ``equals``/``notEqualTo`` compare with, and whether case matters: a last
    ``true``/``false`` after at least one text is the ``caseSensitive`` flag (Adobe's audience
    validation guide writes ``State.equals("VT", "VA", "WA", "WV", "WI", "WY")``)."""
    rest = node.args[1:]
    if len(rest) >= 2:
        flag = rest[-1]
        if isinstance(flag, a.Literal) and flag.literal_type == "Boolean":
            return rest[:-1], bool(flag.value)
    return rest, True


def _equals_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    """Equal to any of the texts (``equals``), or defined and equal to none (``notEqualTo``)."""
    texts, sensitive = _texts_and_case(node)
    if not texts:
        raise cannot(f"{node.name} needs a text to compare with", node)
    receiver = elements_if_list(compiler, compiler.value(node.args[0], scope), node.args[0])
    wanted = [compiler.text(compiler.val(text, scope), text).sql for text in texts]

    def build(values: list[SqlValue]) -> SqlValue:
        text = compiler.text(values[0], node.args[0]).sql
        if not sensitive:
            text = call("lower", text)
        tests = [exp.EQ(this=text, expression=w if sensitive else call("lower", w)) for w in wanted]
        test: exp.Expr = tests[0]
        for more in tests[1:]:
            test = exp.Or(this=test, expression=more)
        return pred(exp.Not(this=exp.Paren(this=test)) if node.name == "notEqualTo" else test)

    return lift(compiler, [receiver], build)


def _equals_words(words: Words, node: a.FnApply) -> str | None:
    texts, sensitive = _texts_and_case(node)
    if not texts:
        return None
    listed = ", ".join(words.value(text) for text in texts)
    negated = node.name == "notEqualTo"
    if len(texts) == 1:
        worded = f"{'is not' if negated else 'is'} {listed}"
    else:
        worded = f"{'is none of' if negated else 'is one of'} {listed}"
    return worded if sensitive else f"{worded} (ignoring case)"


def _case_sensitive(node: a.FnApply) -> bool:
    if len(node.args) < 3:
        return True
    flag = node.args[2]
    if isinstance(flag, a.Literal) and flag.literal_type == "Boolean":
        return bool(flag.value)
    raise UnsupportedQuery(
        f"a caseSensitive argument of {node.name}() that is not true/false", flag
    )


def _string_test_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 2, 3)
    function, negated, _phrase = _STRING_TESTS[node.name]
    sensitive = _case_sensitive(node)
    receiver = elements_if_list(compiler, compiler.value(node.args[0], scope), node.args[0])
    other = compiler.text(compiler.val(node.args[1], scope), node.args[1])

    def build(values: list[SqlValue]) -> SqlValue:
        text = compiler.text(values[0], node.args[0]).sql
        wanted = other.sql
        if not sensitive:
            text, wanted = call("lower", text), call("lower", wanted)
        test = call(function, text, wanted)
        return pred(exp.Not(this=exp.Paren(this=test)) if negated else test)

    return lift(compiler, [receiver], build)


# -- patterns ------------------------------------------------------------------------------------

_RE2_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?>|\(\?[a-z]*[x][a-z]*\)")


def _regex(compiler: Compiler, node: a.Node, scope: Scope) -> SqlValue:
    value = compiler.text(compiler.val(node, scope), node)
    if isinstance(node, a.Literal) and isinstance(node.value, str):
        try:
            re.compile(node.value)
        except re.error as error:
            raise cannot(
                f"the regular expression {node.value!r} is invalid ({error})", node
            ) from None
        if _RE2_UNSUPPORTED.search(node.value):
            raise UnsupportedQuery(
                f"the regular expression {node.value!r} (look-around, back-references and "
                "atomic groups are not supported)",
                node,
            )
    return value


def _like_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 2)
    receiver = elements_if_list(compiler, compiler.value(node.args[0], scope), node.args[0])
    pattern = compiler.text(compiler.val(node.args[1], scope), node.args[1])

    def build(values: list[SqlValue]) -> SqlValue:
        text = compiler.text(values[0], node.args[0])
        return pred(exp.Like(this=text.sql, expression=pattern.sql))

    return lift(compiler, [receiver], build)


def _matches_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 2)
    receiver = elements_if_list(compiler, compiler.value(node.args[0], scope), node.args[0])
    pattern = _regex(compiler, node.args[1], scope)

    def build(values: list[SqlValue]) -> SqlValue:
        text = compiler.text(values[0], node.args[0])
        return pred(call("regexp_matches", text.sql, pattern.sql))

    return lift(compiler, [receiver], build)


def _regex_group_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 3)
    receiver = compiler.text(compiler.val(node.args[0], scope), node.args[0])
    pattern = _regex(compiler, node.args[1], scope)
    group = const_int(node.args[2], compiler.now)
    if group is None or group < 0:
        raise UnsupportedQuery("a regexGroup() group that is not a non-negative integer", node)
    found = call("regexp_matches", receiver.sql, pattern.sql)
    extract = call("regexp_extract", receiver.sql, pattern.sql, exp.Literal.number(group))
    return SqlValue(exp.Case(ifs=[exp.If(this=found, true=extract)]), SQL_STRING)


DEFS: tuple[FunctionDef, ...] = (
    *(
        FunctionDef(
            name=name,
            usage=f's.{name}("text"[, caseSensitive])',
            receiver="string",
            params=("string", "boolean"),
            optional=1,
            returns="boolean",
            phrase=phrase,
            types=_string_method_type,
            sql=_string_test_sql,
        )
        for name, (_function, _negated, phrase) in _STRING_TESTS.items()
    ),
    *(
        FunctionDef(
            name=name,
            usage=f's.{name}("text", ...[, caseSensitive])',
            receiver="string",
            params=("string", "boolean"),
            optional=1,
            variadic=True,
            returns="boolean",
            phrase=phrase,
            types=_equals_type,
            sql=_equals_sql,
            predicate_words=_equals_words,
        )
        for name, phrase in (("equals", "is"), ("notEqualTo", "is not"))
    ),
    FunctionDef(
        name="matches",
        usage='s.matches("regex")',
        receiver="string",
        params=("string",),
        returns="boolean",
        phrase="matches the pattern",
        types=_string_method_type,
        sql=_matches_sql,
    ),
    FunctionDef(
        name="regexGroup",
        usage='s.regexGroup("regex", group)',
        receiver="string",
        params=("string", "number"),
        returns="string",
        phrase="regex group of",
        types=_string_method_type,
        sql=_regex_group_sql,
    ),
    FunctionDef(
        name="like",
        returns="boolean",
        phrase="matches the pattern",
        types=_pattern_type,
        sql=_like_sql,
    ),
)
