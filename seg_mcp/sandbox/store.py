"""What the sandbox stores besides profile data: the sandbox registry, the service's own objects
(audiences/definitions, segment jobs, previews, export jobs, schedules), per-sandbox settings.

Layout in the database file:

* schema `seg_service`: `meta` (key/value: signing key, layout version), `sandboxes` (one row per
  (org, sandbox): id, type, schema name, clock, field declarations), sequence `export_job_ids`.
* one schema per (org, sandbox): the data tables of `xdm` (profiles, experience_events,
  segment_membership), `objects` (the service's objects as JSON documents, by kind and id) and
  `preview_members` (qualifying profile ids of previews, in order).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import duckdb

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Cursor, Database
from seg_mcp.sandbox.settings import SandboxSettings, SandboxSpec, parse_clock

SERVICE_SCHEMA = "seg_service"
LAYOUT_VERSION = "1"
Kind = Literal["audience", "segment_job", "preview", "export_job", "schedule"]
SANDBOX_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def now_ms() -> int:
    return int(time.time() * 1000)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class SandboxInfo:
    org: str
    name: str
    sandbox_id: str
    title: str
    type: str
    is_default: bool
    schema: str
    clock: datetime | None
    created_ms: int
    has_data: bool

    def ref(self) -> dict[str, Any]:
        """The `sandbox` object every Segmentation resource embeds."""
        return {
            "sandboxId": self.sandbox_id,
            "sandboxName": self.name,
            "type": self.type,
            "default": self.is_default,
        }

    def table(self, name: str) -> str:
        return xdm.qualified(self.schema, name)


def schema_name(org: str, sandbox: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", org.lower()).strip("_")[:24]
    digest = hashlib.sha1(f"{org}/{sandbox}".encode()).hexdigest()[:8]
    return f"sbx_{slug}_{sandbox.replace('-', '_')}_{digest}"


def sandbox_uuid(org: str, sandbox: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"seg-mcp:{org}:{sandbox}"))


class Store:
    """The registry and object store over one `Database`."""

    def __init__(self, db: Database, settings: SandboxSettings) -> None:
        self.db = db
        self.settings = settings
        self._sandboxes: dict[tuple[str, str], SandboxInfo] = {}
        self._fields: dict[tuple[str, str], tuple[xdm.XdmField, xdm.XdmField]] = {}
        self._lock = threading.Lock()
        self._data_versions: dict[str, str] = {}
        self.signing_key = b""

    # -- bootstrap ----------------------------------------------------------------------------

    def init(self, cur: Cursor) -> None:
        """Create the service schema if needed and load the registry (inside a write)."""
        q = xdm.quote_ident(SERVICE_SCHEMA)
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {q}")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {q}.meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {q}.sandboxes (
                org VARCHAR, name VARCHAR, sandbox_id VARCHAR, title VARCHAR, type VARCHAR,
                is_default BOOLEAN, schema_name VARCHAR, clock VARCHAR, has_data BOOLEAN,
                profile_fields VARCHAR, event_fields VARCHAR, created_ms BIGINT,
                PRIMARY KEY (org, name))"""
        )
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {q}.export_job_ids START 100")
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {q}.object_seq START 1")
        row = cur.execute(f"SELECT value FROM {q}.meta WHERE key = 'signing_key'").fetchone()
        if row is None:
            key = secrets.token_hex(32)
            cur.execute(f"INSERT INTO {q}.meta VALUES ('signing_key', ?)", [key])
            cur.execute(f"INSERT INTO {q}.meta VALUES ('layout_version', ?)", [LAYOUT_VERSION])
        else:
            key = row[0]
        self.signing_key = bytes.fromhex(key)
        self._reload(cur)

    def _reload(self, cur: Cursor) -> None:
        rows = cur.execute(
            f"""SELECT org, name, sandbox_id, title, type, is_default, schema_name, clock,
                       has_data, profile_fields, event_fields, created_ms
                FROM {xdm.quote_ident(SERVICE_SCHEMA)}.sandboxes"""
        ).fetchall()
        sandboxes, fields = {}, {}
        for r in rows:
            info = SandboxInfo(
                org=r[0],
                name=r[1],
                sandbox_id=r[2],
                title=r[3],
                type=r[4],
                is_default=r[5],
                schema=r[6],
                clock=parse_clock(r[7]),
                has_data=bool(r[8]),
                created_ms=r[11],
            )
            sandboxes[(info.org, info.name)] = info
            profile = (
                xdm.root_from_union_schema(json.loads(r[9]), "profile")
                if r[9]
                else xdm.PROFILE_ROOT
            )
            event = (
                xdm.root_from_union_schema(json.loads(r[10]), "experienceevent")
                if r[10]
                else xdm.EVENT_ROOT
            )
            fields[(info.org, info.name)] = (profile, event)
        with self._lock:
            self._sandboxes = sandboxes
            self._fields = fields

    def ensure_sandbox(self, cur: Cursor, org: str, spec: SandboxSpec) -> SandboxInfo:
        """Register a sandbox and create its schema and tables if missing (inside a write)."""
        existing = self._sandboxes.get((org, spec.name))
        if existing is not None:
            return existing
        if not SANDBOX_NAME_RE.match(spec.name):
            raise ValueError(
                f"invalid sandbox name {spec.name!r}: use lowercase letters, digits and hyphens"
            )
        schema = schema_name(org, spec.name)
        qs = xdm.quote_ident(schema)
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {qs}")
        for ddl in xdm.data_tables_ddl(schema):
            cur.execute(ddl)
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {qs}.objects (
                kind VARCHAR, id VARCHAR, seq BIGINT, body VARCHAR, PRIMARY KEY (kind, id))"""
        )
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {qs}.preview_members (
                preview_id VARCHAR, ordinal INTEGER, profile_id VARCHAR)"""
        )
        cur.execute(
            f"""INSERT INTO {xdm.quote_ident(SERVICE_SCHEMA)}.sandboxes VALUES
                (?, ?, ?, ?, ?, ?, ?, NULL, false, NULL, NULL, ?)""",
            [
                org,
                spec.name,
                sandbox_uuid(org, spec.name),
                spec.title or spec.name.title(),
                spec.type,
                spec.is_default,
                schema,
                now_ms(),
            ],
        )
        self._reload(cur)
        return self._sandboxes[(org, spec.name)]

    # -- registry reads (in memory) -----------------------------------------------------------

    def sandbox(self, org: str, name: str) -> SandboxInfo | None:
        return self._sandboxes.get((org, name))

    def sandboxes(self, org: str | None = None) -> list[SandboxInfo]:
        items = [s for s in self._sandboxes.values() if org is None or s.org == org]
        return sorted(items, key=lambda s: (s.org, not s.is_default, s.name))

    def fields(self, info: SandboxInfo) -> tuple[xdm.XdmField, xdm.XdmField]:
        return self._fields.get((info.org, info.name), (xdm.PROFILE_ROOT, xdm.EVENT_ROOT))

    def now(self, info: SandboxInfo) -> datetime:
        """The evaluation clock of a sandbox: its own setting, else SEG_SANDBOX_NOW, else now."""
        current = self._sandboxes.get((info.org, info.name), info)
        return current.clock or self.settings.now or utcnow()

    # -- registry writes ----------------------------------------------------------------------

    def _update_sandbox(self, cur: Cursor, info: SandboxInfo, **cols: Any) -> SandboxInfo:
        sets = ", ".join(f"{k} = ?" for k in cols)
        cur.execute(
            f"UPDATE {xdm.quote_ident(SERVICE_SCHEMA)}.sandboxes SET {sets} "
            "WHERE org = ? AND name = ?",
            [*cols.values(), info.org, info.name],
        )
        self._reload(cur)
        return self._sandboxes[(info.org, info.name)]

    def set_clock(self, cur: Cursor, info: SandboxInfo, clock: datetime | None) -> SandboxInfo:
        value = clock.isoformat() if clock else None
        return self._update_sandbox(cur, info, clock=value)

    def set_fields(
        self, cur: Cursor, info: SandboxInfo, profile: xdm.XdmField, event: xdm.XdmField
    ) -> SandboxInfo:
        return self._update_sandbox(
            cur,
            info,
            profile_fields=json.dumps(xdm.union_schema(profile, xdm.PROFILE_CLASS_ID)),
            event_fields=json.dumps(xdm.union_schema(event, xdm.EVENT_CLASS_ID)),
        )

    def mark_data(self, cur: Cursor, info: SandboxInfo) -> SandboxInfo:
        """Record that the sandbox's data changed (every generate and load calls it, inside its
        write): sets `has_data` and a new `data_version`."""
        with self._lock:
            self._data_versions[info.schema] = uuid.uuid4().hex
        return self._update_sandbox(cur, info, has_data=True)

    def data_version(self, info: SandboxInfo) -> str:
        """A token that changes whenever the sandbox's data may have changed (`mark_data`), and
        differs between two stores: the key of facts derived from the data (jobs/profile_facts).
        Read under the write lock, it matches the committed data (writes hold that lock from
        their first change to their commit)."""
        with self._lock:
            return self._data_versions.setdefault(info.schema, uuid.uuid4().hex)

    def next_export_id(self, cur: Cursor) -> int:
        row = cur.execute(f"SELECT nextval('{SERVICE_SCHEMA}.export_job_ids')").fetchone()
        assert row is not None
        return int(row[0])

    # -- objects ------------------------------------------------------------------------------

    def get(self, cur: Cursor, info: SandboxInfo, kind: Kind, oid: str) -> dict[str, Any] | None:
        row = cur.execute(
            f"SELECT body FROM {info.table('objects')} WHERE kind = ? AND id = ?", [kind, oid]
        ).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, cur: Cursor, info: SandboxInfo, kind: Kind) -> list[dict[str, Any]]:
        rows = cur.execute(
            f"SELECT body FROM {info.table('objects')} WHERE kind = ? ORDER BY seq", [kind]
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def put(
        self, cur: Cursor, info: SandboxInfo, kind: Kind, oid: str, body: dict[str, Any]
    ) -> None:
        text = json.dumps(body, separators=(",", ":"))
        updated = cur.execute(
            f"UPDATE {info.table('objects')} SET body = ? WHERE kind = ? AND id = ? RETURNING id",
            [text, kind, oid],
        ).fetchall()
        if not updated:
            cur.execute(
                f"INSERT INTO {info.table('objects')} VALUES "
                f"(?, ?, nextval('{SERVICE_SCHEMA}.object_seq'), ?)",
                [kind, oid, text],
            )

    def delete(self, cur: Cursor, info: SandboxInfo, kind: Kind, oid: str) -> bool:
        rows = cur.execute(
            f"DELETE FROM {info.table('objects')} WHERE kind = ? AND id = ? RETURNING id",
            [kind, oid],
        ).fetchall()
        return bool(rows)


class DatabaseInUse(RuntimeError):
    """Another process holds the database file (DuckDB allows one writer process)."""


def open_store(settings: SandboxSettings) -> Store:
    """Open (creating if needed) the database file of `settings` and the registry in it."""
    try:
        db = Database(
            settings.database_path, threads=settings.threads, memory_limit=settings.memory_limit
        )
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise DatabaseInUse(
            f"the sandbox database {settings.database_path} is in use by another process "
            "(is `seg-mcp sandbox serve` running?). Stop it, or use another --data-dir."
        ) from exc
    store = Store(db, settings)
    try:
        db.write(store.init)
        for org in settings.orgs():
            for spec in settings.sandboxes:
                db.write(store.ensure_sandbox, org, spec)
    except BaseException:
        db.close()
        raise
    return store
