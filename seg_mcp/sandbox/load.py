"""Loading XDM-shaped JSON lines into a sandbox: all or nothing, every bad line named.

One JSON object per line. A profile carries `_id` (and may carry `identityMap`); an event carries
`_id`, `timestamp` and, in `profileId`, the `_id` of the profile it belongs to. Fields the sandbox
does not declare yet are added to its field tree (`xdm.merge`, `Store.set_fields`) and its tables
are altered to match, so the served union schema, the PQL field check and the evaluator agree on
what exists. Everything is written in one transaction: on any error nothing changes.

Two passes, so that good files load at DuckDB speed and bad ones get exact line numbers (DuckDB's
own are approximate):

1. fast: `read_json` infers the type of every field over the whole file; `seg_mcp.sandbox.fit`
   checks the inferred types against the field tree; the rows are read again with the tree's
   types into staging tables, where SQL looks for missing or duplicate ids and events of
   unknown profiles;
2. exact, only when the fast pass finds anything wrong: a streaming pass in Python names each bad
   line (`file:line: what is wrong`), up to `MAX_ERRORS` of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.fit import FOUND, Mismatch, fit_root, from_duckdb_type, join, kind_of
from seg_mcp.sandbox.store import SandboxInfo, Store

__all__ = ["MAX_ERRORS", "LineError", "LoadError", "LoadResult", "load"]

MAX_ERRORS = 20
PROFILE_REF = "profileId"  # the event's profile, stored in the `profile_id` column
_READ = "format='newline_delimited', records=true"
_DETECT = _READ + ", sample_size=-1, field_appearance_threshold=0, map_inference_threshold=-1"


@dataclass(frozen=True)
class LineError:
    file: Path | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = [str(p) for p in (self.file, self.line) if p is not None]
        return ":".join([*where, " " + self.message]) if where else self.message


class LoadError(ValueError):
    """The files cannot be loaded; nothing was written. `errors` name each bad line."""

    def __init__(self, errors: list[LineError], *, truncated: bool = False) -> None:
        self.errors, self.truncated = errors, truncated
        lines = [f"nothing was loaded: {len(errors)} problem(s)"]
        if truncated:
            lines[0] += f" (stopped after the first {MAX_ERRORS})"
        super().__init__("\n".join(lines + [f"  {e}" for e in errors]))


@dataclass(frozen=True)
class LoadResult:
    profiles: int
    events: int
    #: Fields added to the sandbox's tree, as ("profile" | "event", dotted path).
    new_fields: tuple[tuple[str, str], ...]


class _Suspect(Exception):
    """The fast pass found something wrong; the exact pass says where."""


def _fit_event(root: xdm.XdmField, obj: dict[str, Any]) -> xdm.XdmField:
    if xdm.EVENT_PROFILE_COLUMN in obj:
        raise Mismatch(
            f"{xdm.EVENT_PROFILE_COLUMN} is reserved: give the event's profile in {PROFILE_REF}"
        )
    return fit_root(root, {k: v for k, v in obj.items() if k != PROFILE_REF})


# ---------------------------------------------------------------------------------------------
# The fast pass


def _sql_str(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _sql_file(path: Path) -> str:
    """The file as a literal for read_json, which globs: `*`, `?` and `[` are made literal."""
    return _sql_str(re.sub(r"[*?[]", lambda m: f"[{m[0]}]", str(path)))


@dataclass(frozen=True)
class _Job:
    info: SandboxInfo
    profiles: Path | None
    events: Path | None
    replace: bool
    roots: tuple[xdm.XdmField, xdm.XdmField]  # (profile, event) before the load


def _detect(cur: Cursor, job: _Job) -> tuple[xdm.XdmField, xdm.XdmField]:
    """The field trees after the load, from the types DuckDB infers over each whole file."""
    roots = list(job.roots)
    for i, path in enumerate((job.profiles, job.events)):
        if path is None:
            continue
        try:
            rel = cur.sql(f"SELECT * FROM read_json({_sql_file(path)}, {_DETECT}) LIMIT 0")
            if _renamed(rel.columns):
                raise _Suspect("field names that differ only by case")
            shape = {
                name: from_duckdb_type(t) for name, t in zip(rel.columns, rel.types, strict=True)
            }
            if i == 0:
                roots[0] = fit_root(roots[0], shape)
            elif kind_of(shape.get(PROFILE_REF)) != "string":
                raise _Suspect(f"{PROFILE_REF} is not a string on every line")
            else:
                roots[1] = _fit_event(roots[1], shape)
        except (duckdb.Error, Mismatch) as exc:
            raise _Suspect(str(exc)) from None
    return roots[0], roots[1]


def _renamed(columns: list[str]) -> bool:
    """Whether DuckDB renamed a top-level key that differs from another only by case (it reads
    `prefs` and `Prefs` as columns `prefs` and `Prefs_1`)."""
    lowered = {c.lower() for c in columns}
    return len(lowered) < len(columns) or any(
        (m := re.fullmatch(r"(.+)_\d+", c)) is not None and m[1].lower() in lowered for c in columns
    )


def _stage(cur: Cursor, table: str, path: Path | None, root: xdm.XdmField, *, event: bool) -> int:
    columns = {c.name: xdm.duckdb_type(c, date_time="TIMESTAMPTZ") for c in root.fields}
    if event:
        columns[PROFILE_REF] = "VARCHAR"
    if path is None:  # nothing to read: an empty staging table of the right shape
        cols = ", ".join(f"{xdm.quote_ident(k)} {v}" for k, v in columns.items())
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({cols})")
        return 0
    spec = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in columns.items()) + "}"
    cur.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        f"SELECT * FROM read_json({_sql_file(path)}, {_READ}, columns={spec})"
    )
    row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def _problems(cur: Cursor, job: _Job) -> list[str]:
    """What SQL finds wrong in the staged rows (the exact pass then says where)."""
    profiles, events = job.info.table(xdm.PROFILES_TABLE), job.info.table(xdm.EVENTS_TABLE)
    known = "SELECT _id FROM load_profiles"
    checks = {
        "profiles without _id": "SELECT count(*) FROM load_profiles WHERE coalesce(_id, '') = ''",
        "duplicate profile _ids": "SELECT count(*) - count(DISTINCT _id) FROM load_profiles",
        "events without _id, timestamp or profileId": "SELECT count(*) FROM load_events WHERE "
        f"coalesce(_id, '') = '' OR timestamp IS NULL OR coalesce({PROFILE_REF}, '') = ''",
        "duplicate event _ids": "SELECT count(*) - count(DISTINCT _id) FROM load_events",
    }
    if not job.replace:
        known += f" UNION ALL SELECT _id FROM {profiles}"
        checks["profiles already in the sandbox"] = (
            f"SELECT count(*) FROM load_profiles JOIN {profiles} USING (_id)"
        )
        checks["events already in the sandbox"] = (
            f"SELECT count(*) FROM load_events JOIN {events} USING (_id)"
        )
    checks["events of unknown profiles"] = (
        f"SELECT count(*) FROM load_events e WHERE NOT EXISTS "
        f"(SELECT 1 FROM ({known}) k WHERE k._id = e.{PROFILE_REF})"
    )
    found = []
    for what, sql in checks.items():
        row = cur.execute(sql).fetchone()
        if row and row[0]:
            found.append(f"{row[0]} {what}")
    return found


def _evolve(
    cur: Cursor, table: str, old: list[tuple[str, str]], new: list[tuple[str, str]]
) -> None:
    """ALTER `table` from the columns of the old tree to those of the new one."""
    before = dict(old)
    for name, typ in new:
        if name not in before:
            cur.execute(f"ALTER TABLE {table} ADD COLUMN {xdm.quote_ident(name)} {typ}")
        elif before[name] != typ:
            cur.execute(f"ALTER TABLE {table} ALTER COLUMN {xdm.quote_ident(name)} TYPE {typ}")


def _write(
    cur: Cursor, store: Store, job: _Job, roots: tuple[xdm.XdmField, xdm.XdmField]
) -> tuple[int, int]:
    info, (profile, event), (old_profile, old_event) = job.info, roots, job.roots
    cur.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ → naive UTC TIMESTAMP (this cursor only)
    try:
        n_profiles = _stage(cur, "load_profiles", job.profiles, profile, event=False)
        n_events = _stage(cur, "load_events", job.events, event, event=True)
    except duckdb.Error as exc:
        raise _Suspect(str(exc)) from None
    problems = _problems(cur, job)
    if problems:
        raise _Suspect("; ".join(problems))
    if job.replace:
        cur.execute(xdm.profiles_ddl(info.schema, profile, replace_table=True))
        cur.execute(xdm.events_ddl(info.schema, event, replace_table=True))
        cur.execute(f"DELETE FROM {info.table(xdm.MEMBERSHIP_TABLE)}")
    else:
        profiles_before = xdm.profile_columns(old_profile)
        _evolve(cur, info.table(xdm.PROFILES_TABLE), profiles_before, xdm.profile_columns(profile))
        events_before = xdm.event_columns(old_event)
        _evolve(cur, info.table(xdm.EVENTS_TABLE), events_before, xdm.event_columns(event))
    cur.execute(f"INSERT INTO {info.table(xdm.PROFILES_TABLE)} BY NAME SELECT * FROM load_profiles")
    cur.execute(
        f"INSERT INTO {info.table(xdm.EVENTS_TABLE)} BY NAME SELECT * EXCLUDE ({PROFILE_REF}), "
        f"{PROFILE_REF} AS {xdm.EVENT_PROFILE_COLUMN} FROM load_events"
    )
    if (profile, event) != (old_profile, old_event):
        store.set_fields(cur, info, profile, event)
    store.mark_data(cur, info)
    return n_profiles, n_events


# ---------------------------------------------------------------------------------------------
# The exact pass


@dataclass
class _Errors:
    errors: list[LineError] = field(default_factory=list)
    truncated: bool = False

    def add(self, file: Path, line: int, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LineError(file, line, message))
        else:
            self.truncated = True

    @property
    def full(self) -> bool:
        return self.truncated


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _objects(path: Path, errors: _Errors) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line that is a JSON object; the others are
    reported."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if errors.full:
                return
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.add(path, number, "not UTF-8 text")
                continue
            if not text.strip():
                continue
            try:
                value = json.loads(text, parse_constant=_reject_constant)
            except json.JSONDecodeError as exc:
                errors.add(path, number, f"not JSON: {exc.msg} (column {exc.colno})")
                continue
            except ValueError as exc:
                errors.add(path, number, f"not JSON: {exc}")
                continue
            if not isinstance(value, dict):
                errors.add(path, number, f"not a JSON object (found {FOUND[kind_of(value)]})")
                continue
            yield number, value


def _string(obj: dict[str, Any], key: str, what: str) -> str:
    value = obj.get(key)
    if value is None:
        raise Mismatch(f"missing {key} ({what})")
    if not isinstance(value, str):
        raise Mismatch(f"{key} must be a string, found {FOUND[kind_of(value)]}")
    if not value:
        raise Mismatch(f"{key} is empty ({what})")
    return value


def _new_id(
    obj: dict[str, Any], what: str, line: int, seen: dict[str, int], existing: set[str], where: str
) -> None:
    """Check the line's `_id` and note it in `seen`."""
    oid = _string(obj, "_id", f"every {what} needs one")
    if oid in seen:
        raise Mismatch(f'duplicate _id "{oid}" (first on line {seen[oid]})')
    if oid in existing:
        raise Mismatch(f'_id "{oid}" is already in {where} (--replace replaces)')
    seen[oid] = line


def _ids(store: Store, table: str) -> set[str]:
    rows = store.db.read(lambda cur: cur.execute(f"SELECT _id FROM {table}").fetchall())
    return {r[0] for r in rows}


def _scan(store: Store, job: _Job) -> tuple[xdm.XdmField, xdm.XdmField]:
    """Check every line in Python; raise `LoadError` naming the bad ones, else return the trees."""
    errors = _Errors()
    profile, event = job.roots
    existing = set() if job.replace else _ids(store, job.info.table(xdm.PROFILES_TABLE))
    where = f"sandbox {job.info.name}"
    seen: dict[str, int] = {}
    if job.profiles is not None:
        for number, obj in _objects(job.profiles, errors):
            try:
                _new_id(obj, "profile", number, seen, existing, where)
                profile = fit_root(profile, obj)
            except Mismatch as exc:
                errors.add(job.profiles, number, exc.message)
    if job.events is not None and not errors.full:
        known_events = set() if job.replace else _ids(store, job.info.table(xdm.EVENTS_TABLE))
        seen_events: dict[str, int] = {}
        for number, obj in _objects(job.events, errors):
            try:
                _new_id(obj, "event", number, seen_events, known_events, where)
                _string(obj, "timestamp", "when the event happened, ISO 8601")
                pid = _string(obj, PROFILE_REF, "the _id of the event's profile")
                if pid not in seen and pid not in existing:
                    raise Mismatch(
                        f'{PROFILE_REF} "{pid}" is not a profile of this load or of {where}'
                    )
                event = _fit_event(event, obj)
            except Mismatch as exc:
                errors.add(job.events, number, exc.message)
    if errors.errors:
        raise LoadError(errors.errors, truncated=errors.truncated)
    return profile, event


# ---------------------------------------------------------------------------------------------


def _inner(f: xdm.XdmField) -> xdm.XdmField:
    while f.type in ("array", "map"):
        inner = f.items or f.values
        assert inner is not None
        f = inner
    return f


def _new_paths(old: xdm.XdmField, new: xdm.XdmField, prefix: str = "") -> list[str]:
    """Dotted paths of `new` that `old` lacks (array items and map values add no segment)."""
    out = []
    for f in new.fields:
        path = join(prefix, f.name)
        before = old.child(f.name)
        if before is None:
            out.append(path)
        elif _inner(f).type == "object" and _inner(before).type == "object":
            out += _new_paths(_inner(before), _inner(f), path)
    return out


def load(
    store: Store,
    info: SandboxInfo,
    *,
    profiles: Path | None = None,
    events: Path | None = None,
    replace: bool = False,
) -> LoadResult:
    """Load JSON-lines files into a sandbox in one transaction (blocking: run it in a worker
    thread from async code). `replace`: the files' content replaces the sandbox's profiles, events
    and segment memberships; else it is added. Raises `LoadError` naming each bad line."""
    job = _Job(info, profiles, events, replace, store.fields(info))
    scanned = False
    try:
        roots = store.db.read(_detect, job)
    except _Suspect:
        roots, scanned = _scan(store, job), True
    try:
        n_profiles, n_events = store.db.write(_write, store, job, roots)
    except _Suspect as exc:
        if not scanned:
            _scan(store, job)  # raises with the lines at fault
        raise LoadError([LineError(None, None, f"the data was refused: {exc}")]) from None
    new = [("profile", p) for p in _new_paths(job.roots[0], roots[0])]
    new += [("event", p) for p in _new_paths(job.roots[1], roots[1])]
    return LoadResult(profiles=n_profiles, events=n_events, new_fields=tuple(new))
