"""The `s` parameter of segment search: the Lucene query syntax Adobe documents, over documents
of named text fields.

Supported: terms (`Platform`), `field:term` and `field:(a OR b)`, `AND` / `OR` / `NOT` (also
`&&`, `||`, `!`, `+`, `-`), parentheses, wildcards `run*` / `cam?`, phrases `"hotel airport"`,
proximity `"hotel airport"~5`, fuzzy `blue~` / `blue~1`, regular expressions `/[mh]otel/`.
Terms match whole words, case-insensitively; two terms side by side mean OR (Lucene's default).
Nesting (parentheses, `NOT`/`!`/`-`, `field:` prefixes) is limited to `MAX_DEPTH` levels: the
parser and the predicates it builds recurse once per level. A query has at most `MAX_LENGTH`
characters and `MAX_TERMS` terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

Doc = Mapping[str, str]
Predicate = Callable[[Doc], bool]
_WORD = re.compile(r"\w+")
_REST_IS_SPACE = re.compile(r"\s*\Z")
#: How deep a query may nest: parentheses, `NOT` / `!` / `-` and `field:` prefixes each add a
#: level. Real queries use two or three; past a few hundred the recursive parser runs out of stack.
MAX_DEPTH = 32
#: The longest query searched, characters, and the most terms (words, phrases, regular
#: expressions) in one, like Lucene's clause limit: every term is tried on every word of every
#: document, so these bound the work one request can ask for.
MAX_LENGTH = 8192
MAX_TERMS = 64
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<and>AND\b|&&) | (?P<or>OR\b|\|\|) | (?P<not>NOT\b|!) |
        (?P<plus>\+) | (?P<minus>-(?=\S)) |
        (?P<phrase>"(?:[^"\\]|\\.)*")(?:~(?P<prox>\d+))? |
        (?P<regex>/(?:[^/\\]|\\.)+/) |
        (?P<field>[A-Za-z_][\w.]*):(?!\s) |
        (?P<term>(?:[^\s()"/:\\~]|\\.)+)(?P<fuzzy>~(?P<dist>\d+)?)?
    )""",
    re.VERBOSE,
)


class QueryError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int
    extra: str | None = None


def tokenize(query: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(query):
        if _REST_IS_SPACE.match(query, pos):
            break
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"unexpected character {query[pos:].lstrip()[:1]!r}", pos)
        kind = m.lastgroup or ""
        if kind in ("prox", "dist", "fuzzy"):
            kind = "phrase" if m.group("phrase") else "term"
        start = m.start(kind)
        if kind == "phrase":
            out.append(Tok("phrase", m.group("phrase")[1:-1], start, m.group("prox")))
        elif kind == "term":
            fuzzy = m.group("fuzzy")
            out.append(
                Tok("term", m.group("term"), start, (m.group("dist") or "2") if fuzzy else None)
            )
        else:
            out.append(Tok(kind, m.group(kind), start))
        pos = m.end()
    return out


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _term_matcher(tok: Tok) -> Callable[[str], bool]:
    """Whether a field's text matches one term/phrase/regex token."""
    if tok.kind == "regex":
        try:
            rx = re.compile(tok.text[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise QueryError(f"invalid regular expression {tok.text}: {exc}", tok.pos) from exc
        return lambda text: any(rx.fullmatch(w) for w in words(text))
    if tok.kind == "phrase" or (
        tok.kind == "term" and len(words(tok.text)) > 1 and "*" not in tok.text
    ):
        wanted = words(tok.text)
        slop = int(tok.extra) if tok.kind == "phrase" and tok.extra else 0

        def phrase(text: str) -> bool:
            have = words(text)
            if not wanted:
                return False
            for i, w in enumerate(have):
                if w != wanted[0]:
                    continue
                window = have[i : i + len(wanted) + slop]
                if slop == 0 and have[i : i + len(wanted)] == wanted:
                    return True
                if slop and all(x in window for x in wanted):
                    return True
            return False

        return phrase
    pattern = re.sub(r"\\(.)", r"\1", tok.text).lower()
    if tok.extra is not None:
        dist = int(tok.extra)
        return lambda text: any(_edit_distance(w, pattern) <= dist for w in words(text))
    if pattern == "*":
        return lambda text: True
    if "*" in pattern or "?" in pattern:
        return lambda text: any(fnmatchcase(w, pattern) for w in words(text))
    return lambda text: pattern in words(text)


class _Parser:
    def __init__(
        self, tokens: list[Tok], fields: Mapping[str, tuple[str, ...]], default: tuple[str, ...]
    ):
        self.toks = tokens
        self.i = 0
        self.fields = fields
        self.default = default
        self.depth = 0

    def nested(self, tok: Tok, parse: Callable[[], Predicate]) -> Predicate:
        """`parse()` one level deeper than `tok`'s; a `QueryError` at `tok` past `MAX_DEPTH`."""
        if self.depth >= MAX_DEPTH:
            raise QueryError(
                f"the query nests more than {MAX_DEPTH} levels (parentheses, NOT and field: "
                f"prefixes each add one); {tok.text!r} here opens level {MAX_DEPTH + 1}",
                tok.pos,
            )
        self.depth += 1
        try:
            return parse()
        finally:
            self.depth -= 1

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Predicate:
        pred = self.or_(self.default)
        tok = self.peek()
        if tok is not None:
            raise QueryError(f"unexpected {tok.text!r}", tok.pos)
        return pred

    def or_(self, fields: tuple[str, ...]) -> Predicate:
        """Clauses side by side (or joined by OR): Lucene's occur rules, `+` required,
        `-` prohibited, the others optional (at least one must match when nothing is required)."""
        required: list[Predicate] = []
        prohibited: list[Predicate] = []
        optional: list[Predicate] = []
        while (tok := self.peek()) is not None and tok.kind != "rp":
            if tok.kind == "or" and (required or prohibited or optional):
                self.take()
                continue
            bucket = optional
            if tok.kind in ("plus", "minus"):
                bucket = required if tok.kind == "plus" else prohibited
                self.take()
            bucket.append(self.and_(fields))
        if not (required or prohibited or optional):
            raise QueryError("the query ends where a term was expected", self._end())

        def match(d: Doc) -> bool:
            if any(p(d) for p in prohibited) or not all(p(d) for p in required):
                return False
            return bool(required) or not optional or any(p(d) for p in optional)

        return match

    def and_(self, fields: tuple[str, ...]) -> Predicate:
        parts = [self.unary(fields)]
        while (tok := self.peek()) is not None and tok.kind == "and":
            self.take()
            parts.append(self.unary(fields))
        return parts[0] if len(parts) == 1 else (lambda d: all(p(d) for p in parts))

    def unary(self, fields: tuple[str, ...]) -> Predicate:
        tok = self.peek()
        if tok is None:
            raise QueryError("the query ends where a term was expected", self._end())
        if tok.kind in ("not", "minus"):
            self.take()
            inner = self.nested(tok, lambda: self.unary(fields))
            return lambda d: not inner(d)
        if tok.kind == "plus":
            self.take()
        return self.primary(fields)

    def primary(self, fields: tuple[str, ...]) -> Predicate:
        tok = self.take() if self.peek() else None
        if tok is None:
            raise QueryError("the query ends where a term was expected", self._end())
        if tok.kind == "lp":
            inner = self.nested(tok, lambda: self.or_(fields))
            close = self.peek()
            if close is None or close.kind != "rp":
                raise QueryError("missing ')'", tok.pos)
            self.take()
            return inner
        if tok.kind == "field":
            name = tok.text
            if name not in self.fields:
                raise QueryError(
                    f"unknown field {name!r}; searchable fields: {', '.join(sorted(self.fields))}",
                    tok.pos,
                )
            return self.nested(tok, lambda: self.primary(self.fields[name]))
        if tok.kind in ("term", "phrase", "regex"):
            match = _term_matcher(tok)
            return lambda d: any(match(d.get(f, "")) for f in fields)
        raise QueryError(f"unexpected {tok.text!r}", tok.pos)

    def _end(self) -> int:
        return self.toks[-1].pos + len(self.toks[-1].text) if self.toks else 0


def compile_query(
    query: str, fields: Mapping[str, tuple[str, ...]], default: tuple[str, ...]
) -> Predicate:
    """A predicate over documents; `fields` maps each query field name to document keys,
    `default` are the keys a term without a field searches. Raises `QueryError`."""
    if len(query) > MAX_LENGTH:
        raise QueryError(
            f"the query is {len(query)} characters long; at most {MAX_LENGTH} are searched",
            MAX_LENGTH,
        )
    tokens = tokenize(query)
    terms = [t for t in tokens if t.kind in ("term", "phrase", "regex")]
    if len(terms) > MAX_TERMS:
        raise QueryError(
            f"the query has {len(terms)} terms; at most {MAX_TERMS} are searched (this one is "
            f"term {MAX_TERMS + 1})",
            terms[MAX_TERMS].pos,
        )
    if not tokens:
        return lambda d: True
    return _Parser(tokens, fields, default).parse()
