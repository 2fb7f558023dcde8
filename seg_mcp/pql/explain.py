"""A short plain-English rendering of a query, for an assistant to read back to its user before
saving: ``People whose home country code is "US" and who made a purchase in the last 30 days``.

Field paths read as words (``homeAddress.countryCode`` -> "home address country code"), XDM
event types as what the person did (``commerce.purchases`` -> "made a purchase"), time windows
as phrases ("in the last 30 days", "yesterday"). Whatever has no phrase falls back to its
canonical PQL text in backquotes, so every query gets an explanation.
"""

from __future__ import annotations

import re

from seg_mcp.pql import ast as a
from seg_mcp.pql.functions import DEFINITIONS
from seg_mcp.pql.printer import to_pql_text
from seg_mcp.pql.traverse import field_path

__all__ = ["Words", "explain", "words"]

EVENT_TYPES: dict[str, str] = {
    "commerce.purchases": "made a purchase",
    "commerce.productViews": "viewed a product",
    "commerce.productListAdds": "added a product to the cart",
    "commerce.productListRemovals": "removed a product from the cart",
    "commerce.productListOpens": "opened a cart",
    "commerce.productListViews": "viewed the cart",
    "commerce.productListReopens": "reopened a cart",
    "commerce.checkouts": "started a checkout",
    "commerce.saveForLaters": "saved a product for later",
    "web.webpagedetails.pageViews": "viewed a web page",
    "web.webinteraction.linkClicks": "clicked a link",
    "web.formFilledOut": "filled out a form",
    "application.launch": "launched the app",
    "application.close": "closed the app",
    "message.tracking": "interacted with a message",
    "directMarketing.emailOpened": "opened an email",
    "directMarketing.emailClicked": "clicked a link in an email",
    "directMarketing.emailSent": "was sent an email",
    "advertising.clicks": "clicked an ad",
    "advertising.impressions": "saw an ad",
    "addToCart": "added to the cart",
    "purchase": "made a purchase",
    "transaction": "made a transaction",
    "productView": "viewed a product",
    "homePageView": "viewed the home page",
    "checkoutPageView": "viewed the checkout page",
    "download": "downloaded something",
}
"""``eventType`` values (XDM's standard ones and the examples' informal ones) -> what happened."""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def explain(query: a.Query) -> str:
    """``People ...``: the query as one plain-English sentence (never raises)."""
    body = query.body.body if isinstance(query.body, a.Lambda) else query.body
    try:
        return "People " + Words().clause(body)
    except Exception:  # pragma: no cover - a hand-built tree the printer cannot print either
        return "People matching the expression"


def words(name: str) -> str:
    """``countryCode`` -> ``country code``, ``countryISO`` -> ``country ISO``, ``_repo`` ->
    ``repo``."""
    parts = _CAMEL.sub(" ", name.strip("_")).replace("_", " ").split()
    return " ".join(p if p.isupper() and len(p) > 1 else p.lower() for p in parts)


def _code(node: a.Node) -> str:
    try:
        return f"`{to_pql_text(node)}`"
    except Exception:
        _, names = field_path(node)
        return "`" + ".".join(names) + "`" if names else "the item"


def _plural(amount: int, unit: str) -> str:
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


class Words:
    """Phrases for nodes. ``clause`` reads after "People" ("whose ...", "who ..."). A function's
    own wording is in its declaration (``seg_mcp/pql/functions``): its ``phrase`` and its
    ``value_words``/``predicate_words``/``clause_words``, which call back into this class."""

    @staticmethod
    def phrase(name: str) -> str:
        """The phrase of the function ``name`` ("total" for ``sum``), or its name in words."""
        fn = DEFINITIONS.get(name)
        return fn.phrase if fn is not None and fn.phrase else words(name)

    @staticmethod
    def code(node: a.Node) -> str:
        """The node's PQL in backquotes: what has no phrase reads as written."""
        return _code(node)

    # -- values ------------------------------------------------------------------------------

    def value(self, node: a.Node) -> str:
        if isinstance(node, a.Literal):
            if node.literal_type == "String":
                return to_pql_text(node)
            if node.literal_type == "Boolean":
                return "true" if node.value else "false"
            return to_pql_text(node)
        if isinstance(node, a.FieldLookup):
            base, names = field_path(node)
            if names and not isinstance(base, a.FnApply | a.Lambda | a.Select):
                return self.path(names)
        if isinstance(node, a.ListLiteral):
            return ", ".join(self.value(item) for item in node.items)
        if isinstance(node, a.TimeLiteral):
            return node.name
        if isinstance(node, a.RelativePeriod):
            return f"{node.qualifier} {node.unit}"
        if isinstance(node, a.VarRef):
            return node.name
        if isinstance(node, a.FnApply):
            return self.function_value(node)
        return _code(node)

    def path(self, names: tuple[str, ...]) -> str:
        if len(names) > 1 and names[0] == "person":
            names = names[1:]
        return " ".join(words(n) for n in names)

    def function_value(self, node: a.FnApply) -> str:
        fn = DEFINITIONS.get(node.name)
        if fn is None:
            return _code(node)
        if fn.value_words is not None:
            worded = fn.value_words(self, node)
            if worded is not None:
                return worded
        if not fn.is_operator and not fn.params and fn.receiver is None:
            return fn.phrase or _code(node)
        if fn.receiver is not None and node.args and not fn.params and fn.phrase:
            return f"the {fn.phrase} {self.value(node.args[0])}"
        return _code(node)

    def collection(self, node: a.Node) -> str:
        if isinstance(node, a.XEvent):
            return "events"
        if isinstance(node, a.FnApply) and node.name == "filter" and len(node.args) == 2:
            cond = node.args[1]
            body = cond.body if isinstance(cond, a.Lambda) else cond
            what = self.collection(node.args[0])
            if isinstance(node.args[0], a.XEvent):
                return self.event_phrase(body, noun=True)
            return f"{what} where {self.clause_body(body)}"
        return self.value(node)

    # -- conditions --------------------------------------------------------------------------

    def clause(self, node: a.Node) -> str:
        """A relative clause: ``whose home country is "US"``, ``who made a purchase``."""
        if isinstance(node, a.FnApply):
            if node.name in ("and", "or"):
                return f" {node.name} ".join(self.clause(arg) for arg in node.args)
            if node.name == "not" and node.args:
                return self.negated(node.args[0])
            fn = DEFINITIONS.get(node.name)
            if fn is not None and fn.clause_words is not None:
                worded = fn.clause_words(self, node)
                if worded is not None:
                    return worded
        event = self.event_clause(node)
        if event is not None:
            return "who " + event
        subject = self.subject(node)
        if isinstance(subject, a.FieldLookup):
            if isinstance(field_path(subject)[0], a.XEvent):
                return f"who had an event whose {self.value(subject)} {self.predicate(node)}"
            return f"whose {self.value(subject)} {self.predicate(node)}"
        return f"for whom {self.clause_body(node)}"

    def negated(self, node: a.Node) -> str:
        event = self.event_clause(node)
        if event is not None:
            return f"who never {event.removeprefix('did ')}"
        if isinstance(node, a.FnApply) and node.name == "=" and len(node.args) == 2:
            field = self.value(node.args[0])
            return f"whose {field} is not {self.value(node.args[1])} (or is not set)"
        return f"for whom it is not true that {self.clause_body(node)}"

    def clause_body(self, node: a.Node) -> str:
        """A condition as a sentence: ``home country is "US"``."""
        if isinstance(node, a.FnApply) and node.name in ("and", "or"):
            return f" {node.name} ".join(self.clause_body(arg) for arg in node.args)
        if isinstance(node, a.FnApply) and node.name == "not" and node.args:
            return f"not ({self.clause_body(node.args[0])})"
        subject = self.subject(node)
        if subject is not None:
            return f"{self.value(subject)} {self.predicate(node)}"
        if isinstance(node, a.FieldLookup):
            return f"{self.value(node)} is set"
        if (
            isinstance(node, a.FnApply)
            and node.name in ("filter", "exists")
            and len(node.args) == 2
            and isinstance(node.args[1], a.Lambda)
            and not isinstance(node.args[0], a.XEvent)
        ):
            where = self.clause_body(node.args[1].body)
            return f"{self.value(node.args[0])} include one where {where}"
        return self.value(node)

    def subject(self, node: a.Node) -> a.Node | None:
        if isinstance(node, a.Occurs):
            return node.subject
        if isinstance(node, a.FieldLookup):
            return node
        if isinstance(node, a.FnApply) and node.args and node.name in _PREDICATES:
            return node.args[0]
        return None

    def predicate(self, node: a.Node) -> str:
        if isinstance(node, a.Occurs):
            return "is " + self.window(node.window)
        if isinstance(node, a.FieldLookup):
            return "is set"
        assert isinstance(node, a.FnApply)
        args = node.args
        fn = DEFINITIONS.get(node.name)
        if fn is not None and fn.predicate_words is not None:
            worded = fn.predicate_words(self, node)
            if worded is not None:
                return worded
        rest = [self.value(x) for x in args[1:]]
        phrase = self.phrase(node.name)
        if len(args) == 3 and isinstance(args[2], a.Literal) and args[2].value is False:
            return f"{phrase} {rest[0]} (ignoring case)"
        return f"{phrase} {', '.join(rest)}".rstrip()

    # -- events ------------------------------------------------------------------------------

    def event_clause(self, node: a.Node) -> str | None:
        """``made a purchase in the last 30 days`` for a condition on events, else ``None``."""
        if isinstance(node, a.Chain):
            steps = [self.step(step) for step in node.steps]
            return ", then ".join(steps)
        if isinstance(node, a.Select | a.Quantifier) and node.decls:
            first = node.decls[0]
            if isinstance(first.range, a.XEvent):
                conditions = [d.condition for d in node.decls if d.condition is not None]
                cond = (
                    conditions[0]
                    if len(conditions) == 1
                    else (a.FnApply(name="and", args=tuple(conditions)) if conditions else None)
                )
                phrase = self.event_phrase(cond)
                if isinstance(node, a.Quantifier) and node.kind == "forall":
                    return phrase.replace("had an event", "had only events", 1)
                return phrase
        if (
            isinstance(node, a.FnApply)
            and node.name in ("filter", "exists")
            and len(node.args) == 2
            and isinstance(node.args[0], a.XEvent)
        ):
            cond = node.args[1]
            return self.event_phrase(cond.body if isinstance(cond, a.Lambda) else cond)
        if isinstance(node, a.XEvent):
            return "have any event"
        return None

    def step(self, step: a.ChainStep) -> str:
        cond: a.Node = step.what
        if step.where is not None:
            cond = a.FnApply(name="and", args=(step.what, step.where))
        text = self.event_phrase(cond)
        if step.count:
            text += f" at least {step.count} times"
        if step.when is not None:
            text += " " + self.window(step.when)
        return text

    def event_phrase(self, cond: a.Node | None, noun: bool = False) -> str:
        """``made a purchase where price total is at least 100 in the last 7 days``."""
        conjuncts = (
            list(cond.args)
            if isinstance(cond, a.FnApply) and cond.name == "and"
            else ([cond] if cond is not None else [])
        )
        action = None
        windows: list[str] = []
        others: list[str] = []
        for part in conjuncts:
            kind = _event_type(part)
            if kind is not None and action is None:
                action = EVENT_TYPES.get(kind, f'had a "{kind}" event')
            elif isinstance(part, a.Occurs) and _own_time(part.subject):
                windows.append(self.window(part.window))
            else:
                others.append(self.clause_body(part))
        text = action or "had an event"
        if noun:
            text = f"events{'' if action is None else ' (' + action + ')'}"
        if others:
            text += " where " + " and ".join(others)
        if windows:
            text += " " + " and ".join(windows)
        return text

    # -- time --------------------------------------------------------------------------------

    def window(self, w: a.TimeWindow) -> str:
        anchor = self.anchor(w.anchor)
        if w.kind == "relative" and w.amount is not None and w.unit is not None:
            span = _plural(w.amount, w.unit)
            at_now = isinstance(w.anchor, a.TimeLiteral) and w.anchor.name in ("now", "today")
            direction = "ago" if w.direction == "before" else "from now"
            if at_now and w.comparison in ("<", "<="):
                return f"in the last {span}" if w.direction == "before" else f"in the next {span}"
            if at_now:
                how = {"=": "exactly", "!=": "not exactly", ">": "more than", ">=": "at least"}
                return f"{how.get(w.comparison or '=', '')} {span} {direction}".strip()
            how = {"<": "within", "<=": "within", "=": "exactly", ">": "more than"}
            return (
                f"{how.get(w.comparison or '=', w.comparison or '')} {span} {w.direction} {anchor}"
            )
        if w.kind == "direction":
            return f"{'before' if w.direction == 'before' else 'after'} {anchor}"
        if w.kind == "between" and w.end is not None:
            return f"between {anchor} and {self.anchor(w.end)}"
        if isinstance(w.anchor, a.TimeLiteral | a.RelativePeriod):
            return anchor
        return f"on {anchor}"

    def anchor(self, node: a.Node) -> str:
        base, names = field_path(node)
        if isinstance(base, a.VarRef):
            return f"{base.name}'s {self.path(names)}" if names else base.name
        return self.value(node)


_PREDICATES = frozenset(
    name
    for name, fn in DEFINITIONS.items()
    if not fn.connective and (fn.receiver == "string" or fn.returns == "boolean")
)
"""Functions whose first argument is what a condition is about (its subject)."""


def _event_type(node: a.Node) -> str | None:
    """The event type a condition names: ``eventType = "x"``, ``eventType.equals("x", ...)``."""
    if not isinstance(node, a.FnApply) or node.name not in ("=", "equals") or len(node.args) < 2:
        return None
    field, value = node.args[0], node.args[1]
    if (
        isinstance(field, a.FieldLookup)
        and field.field_name == "eventType"
        and isinstance(value, a.Literal)
        and isinstance(value.value, str)
    ):
        return value.value
    return None


def _own_time(subject: a.Node) -> bool:
    base, _ = field_path(subject)
    return isinstance(base, a.VarRef | a.ContextRef)
