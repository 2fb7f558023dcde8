"""Conditions: ``and``/``or``/``not``, ``if``, the comparisons, ``in``/``notIn``,
``isNull``/``isNotNull`` and ``inSegment``, each declared once (typing, SQL, wording)."""

from __future__ import annotations

import typing as t

from sqlglot import exp

from seg_mcp.pql import ast as a
from seg_mcp.pql.conditions import expect_condition
from seg_mcp.pql.fndef import FunctionDef, SqlRule
from seg_mcp.pql.ptypes import ANY, BOOLEAN, SCALARS, STRINGS, PType
from seg_mcp.pql.sql.errors import cannot
from seg_mcp.pql.sql.lifting import arity, elements_if_list, lift
from seg_mcp.pql.sql.types import DOUBLE, NULL
from seg_mcp.pql.sql.values import (
    PROFILE_ALIAS,
    Compiled,
    Relation,
    SqlValue,
    call,
    exists,
    pred,
    table,
)
from seg_mcp.pql.typerules import arg_types, check_pair

if t.TYPE_CHECKING:
    from seg_mcp.pql.explain import Words
    from seg_mcp.pql.infer import Inference
    from seg_mcp.pql.sql.compiler import Compiler, Scope

__all__ = ["DEFS"]


# -- and, or, not, if --------------------------------------------------------------------------


def _logical_type(inf: Inference, node: a.FnApply) -> PType:
    """``and``/``or``/``not`` join conditions; ``isNull``/``isNotNull`` take any value."""
    types = arg_types(inf, node)
    if node.name in ("and", "or", "not"):
        need = (
            f"`{node.name}` {'negates a condition' if node.name == 'not' else 'joins conditions'}"
        )
        for arg, value in zip(node.args, types, strict=True):
            expect_condition(inf, arg, value, f"{need} (true or false)")
    return BOOLEAN


def _and_or_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    parts = [compiler.test(arg, scope) for arg in node.args]
    joiner = exp.And if node.name == "and" else exp.Or
    sql = parts[0].sql
    for part in parts[1:]:
        sql = joiner(this=sql, expression=part.sql)
    return pred(exp.Paren(this=sql), nullable=any(p.nullable for p in parts))


def _not_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 1)
    return compiler.negate(compiler.test(node.args[0], scope))


def _if_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    if types:
        need = "if's test must be a condition (true or false)"
        expect_condition(inf, node.args[0], types[0], need)
    if len(types) == 3 and types[1].kind == types[2].kind:
        return PType(types[1].kind)
    return ANY


def _if_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 3)
    test = compiler.test(node.args[0], scope)
    then, other = (compiler.as_value(compiler.val(arg, scope)) for arg in node.args[1:])
    if then.type.kind == "null":
        type_ = other.type
    elif other.type.kind in ("null", then.type.kind):
        type_ = then.type
    elif then.type.is_numeric and other.type.is_numeric:
        type_ = DOUBLE
    else:
        raise cannot(f"if() giving {then.type.describe()} or {other.type.describe()}", node)
    case = exp.Case(ifs=[exp.If(this=test.sql, true=then.sql)], default=other.sql)
    return SqlValue(case, type_)


# -- comparisons ---------------------------------------------------------------------------------

_COMPARISONS: dict[str, tuple[type[exp.Binary], str]] = {
    "=": (exp.EQ, "is"),
    "!=": (exp.NEQ, "is not"),
    "<": (exp.LT, "is less than"),
    "<=": (exp.LTE, "is at most"),
    ">": (exp.GT, "is greater than"),
    ">=": (exp.GTE, "is at least"),
}
"""operator -> (SQL comparison, words after the subject)."""


def _compare_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    if len(node.args) != 2:
        return BOOLEAN
    left, right = node.args
    left_type, right_type = types
    if left == right and isinstance(left, a.FieldLookup):
        inf.warn(
            node.span,
            f"`{inf.text(left)}` is compared with itself: "
            + ("true whenever it is set" if node.name in ("=", "<=", ">=") else "never true"),
            "structure",
            hint="compare it with another field or a value",
        )
    if node.name in ("<", "<=", ">", ">="):
        for side, value in ((left, left_type), (right, right_type)):
            if value.scalar.kind in ("boolean", "object", "map"):
                inf.error(
                    side.span,
                    f"{node.name} orders numbers, strings and timestamps; "
                    f"{inf.subject(side, value)}",
                    "type-mismatch",
                )
                return BOOLEAN
    check_pair(inf, left, left_type, right, right_type)
    return BOOLEAN


def _compare_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 2)
    left, right = (compiler.value(arg, scope) for arg in node.args)
    both_lists = all(isinstance(v, SqlValue) and v.type.kind == "list" for v in (left, right))
    if not both_lists:
        left = elements_if_list(compiler, left, node.args[0])
        right = elements_if_list(compiler, right, node.args[1])
    operator = _COMPARISONS[node.name][0]

    def build(values: list[SqlValue]) -> SqlValue:
        first, second = values
        if both_lists:
            if node.name not in ("=", "!="):
                raise cannot(f"ordering arrays with {node.name}", node)
            return pred(operator(this=first.sql, expression=second.sql))
        first, second = compiler.coerce_pair(first, second, node)
        return pred(operator(this=first.sql, expression=second.sql))

    return lift(compiler, [left, right], build)


def _compare_words(words: Words, node: a.FnApply) -> str | None:
    if len(node.args) < 2:
        return None
    other = words.value(node.args[1])
    if node.name in ("=", "!=") and isinstance(node.args[1], a.FieldLookup):
        return f"{'is the same as' if node.name == '=' else 'differs from'} {other}"
    return f"{_COMPARISONS[node.name][1]} {other}"


# -- in, notIn -----------------------------------------------------------------------------------


def _membership_type(inf: Inference, node: a.FnApply) -> PType:
    if len(node.args) != 2:
        arg_types(inf, node)
        return BOOLEAN
    left, right = node.args
    left_type = inf.expr(left)
    if isinstance(right, a.ListLiteral):
        for item in right.items:
            check_pair(inf, left, left_type, item, inf.expr(item), "but the list holds")
        return BOOLEAN
    right_type = inf.expr(right)
    if right_type.kind in SCALARS:
        inf.error(
            right.span,
            f"{node.name} needs a list or an array on its right; {inf.subject(right, right_type)}",
            "type-mismatch",
            hint=f"write a list: {inf.text(left)} {node.name} [...], or compare with =",
        )
        return BOOLEAN
    check_pair(inf, left, left_type, right, right_type.element, "but is looked up in")
    return BOOLEAN


def _membership_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    """``x in coll`` / ``x notIn coll``: ``notIn`` needs a defined ``x`` and a defined array
    (an item that is missing or cannot compare with ``x`` is simply not equal to it)."""
    arity(node, 2)
    negate = node.name == "notIn"
    needle_node, coll_node = node.args
    needle = elements_if_list(compiler, compiler.value(needle_node, scope), needle_node)

    def outcome(needle: SqlValue, found: exp.Expr) -> SqlValue:
        if not negate:
            return pred(found)
        defined = exp.Not(this=exp.Is(this=needle.sql, expression=exp.Null()))
        missing_or_absent = exp.Not(
            this=exp.Paren(this=exp.Coalesce(this=found, expressions=[exp.false()]))
        )
        return pred(exp.And(this=defined, expression=missing_or_absent))

    if isinstance(coll_node, a.ListLiteral) and coll_node.items:
        items = [compiler.val(item, scope) for item in coll_node.items]

        def member_of_literal(values: list[SqlValue]) -> SqlValue:
            pairs = [compiler.coerce_pair(values[0], item, node) for item in items]
            first = pairs[0][0]
            return outcome(first, exp.In(this=first.sql, expressions=[y.sql for _, y in pairs]))

        return lift(compiler, [needle], member_of_literal)
    coll = compiler.value(coll_node, scope)
    if isinstance(coll, Relation):
        relation = coll

        def member_of_relation(values: list[SqlValue]) -> SqlValue:
            first, item = compiler.coerce_pair(values[0], relation.elem, node)
            found = exists(relation.where(exp.EQ(this=first.sql, expression=item.sql)))
            return outcome(first, found.sql)

        return lift(compiler, [needle], member_of_relation)
    if coll.type.kind not in ("list", "null"):
        raise cannot(f"{node.name} needs an array on its right, not {coll.type.describe()}", node)
    array = coll
    item_type = array.type.item or NULL

    def member_of_list(values: list[SqlValue]) -> SqlValue:
        first, _ = compiler.coerce_pair(values[0], SqlValue(exp.Null(), item_type), node)
        if item_type.kind == "string" and first.type.kind not in ("string", "null", "other"):
            first = compiler.text(first, needle_node)
        found = call("list_contains", array.sql, first.sql)
        if not negate:
            return pred(found)
        defined = exp.Not(this=exp.Is(this=first.sql, expression=exp.Null()))
        return pred(exp.And(this=defined, expression=exp.Not(this=exp.Paren(this=found))))

    return lift(compiler, [needle], member_of_list)


def _membership_words(words: Words, node: a.FnApply) -> str | None:
    if len(node.args) < 2:
        return None
    other = words.value(node.args[1])
    if isinstance(node.args[1], a.ListLiteral):
        return f"is {'one of' if node.name == 'in' else 'none of'} {other}"
    return f"is {'' if node.name == 'in' else 'not '}in {other}"


# -- isNull, isNotNull, inSegment ----------------------------------------------------------------


def _null_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 1)
    value = compiler.value(node.args[0], scope)
    if isinstance(value, Relation):
        found = exists(value)
        return found if node.name == "isNotNull" else compiler.negate(found)
    test = exp.Is(this=value.sql, expression=exp.Null())
    if node.name == "isNotNull":
        return pred(exp.Not(this=test), nullable=False)
    return pred(test, nullable=False)


def _in_segment_type(inf: Inference, node: a.FnApply) -> PType:
    types = arg_types(inf, node)
    if types:
        inf.expect(types[0], STRINGS, node.args[0], "inSegment", hint='inSegment("segment id")')
    return BOOLEAN


def _in_segment_sql(compiler: Compiler, node: a.FnApply, scope: Scope) -> Compiled:
    arity(node, 1)
    segment = compiler.text(compiler.val(node.args[0], scope), node.args[0])
    layout = compiler.layout
    alias = compiler.alias("m")

    def column(name: str) -> exp.Column:
        return exp.column(name, table=alias, quoted=True)

    statuses = [exp.Literal.string(s) for s in layout.member_statuses]
    memberships = Relation(
        (table(layout.membership, alias),),
        (
            exp.EQ(this=column(layout.membership_segment), expression=segment.sql),
            exp.In(this=column(layout.membership_status), expressions=statuses),
        ),
        SqlValue(exp.Null(), NULL),
        link=(
            exp.column(layout.profile_id, table=PROFILE_ALIAS, quoted=True),
            column(layout.membership_profile),
        ),
    )
    return exists(memberships)


def _in_segment_clause(words: Words, node: a.FnApply) -> str | None:
    return f"who are in the audience {words.value(node.args[0])}" if node.args else None


def _connective(name: str, sql: SqlRule) -> FunctionDef:
    return FunctionDef(name=name, types=_logical_type, sql=sql, returns="boolean", connective=True)


DEFS: tuple[FunctionDef, ...] = (
    _connective("and", _and_or_sql),
    _connective("or", _and_or_sql),
    _connective("not", _not_sql),
    *(
        FunctionDef(
            name=name,
            types=_compare_type,
            sql=_compare_sql,
            returns="boolean",
            predicate_words=_compare_words,
        )
        for name in _COMPARISONS
    ),
    *(
        FunctionDef(
            name=name,
            types=_membership_type,
            sql=_membership_sql,
            returns="boolean",
            predicate_words=_membership_words,
        )
        for name in ("in", "notIn")
    ),
    FunctionDef(
        name="if",
        usage="if(test, valueIfTrue, valueIfFalse)",
        params=("boolean", "any", "any"),
        types=_if_type,
        sql=_if_sql,
    ),
    FunctionDef(
        name="isNull",
        usage="x.isNull()",
        receiver="any",
        returns="boolean",
        phrase="is empty",
        types=_logical_type,
        sql=_null_sql,
    ),
    FunctionDef(
        name="isNotNull",
        usage="x.isNotNull()",
        receiver="any",
        returns="boolean",
        phrase="is set",
        types=_logical_type,
        sql=_null_sql,
    ),
    FunctionDef(
        name="inSegment",
        usage='inSegment("segment definition id")',
        params=("string",),
        returns="boolean",
        types=_in_segment_type,
        sql=_in_segment_sql,
        clause_words=_in_segment_clause,
        segment_reference=True,
    ),
)
