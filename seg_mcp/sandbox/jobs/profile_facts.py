"""Facts about a sandbox's profiles that every estimate needs and no query changes: how many
profiles each sample bucket holds, and which identity namespaces each profile has.

Read per preview they cost a scan of every profile's id and identityMap (150 ms at 1M profiles,
thirty times a profile-only query), so they are derived once per data version
(`Store.data_version`, new on every generate and load) under the write lock, and kept:

* the bucket sizes, in memory (`BUCKETS` ints; a bucket is `hash(_id) % BUCKETS`);
* the namespace set most profiles have (`common`, in memory), and a table `profile_namespaces`
  in the sandbox's schema holding only the profiles whose set differs (`_id`, sorted `ns`), so a
  preview's namespace counts join its members with those exceptions, not with every profile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.store import SandboxInfo, Store

BUCKETS = 1000
TABLE = "profile_namespaces"


@dataclass(frozen=True)
class ProfileFacts:
    schema: str
    version: str
    sizes: dict[int, int]  # bucket -> profiles
    sets: tuple[tuple[str, ...], ...]  # the distinct namespace sets, by set id
    common: int  # the id of the set most profiles have
    unique_hashes: bool  # no two profiles share a hash_sql (else join on ids: slower)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())


_cache: dict[str, ProfileFacts] = {}  # by data version (unique across stores)
_cache_lock = threading.Lock()


def bucket_sql(alias: str = "") -> str:
    """The sample bucket of a profile id column (`"_id"`, or `alias."_id"`)."""
    return f"{hash_sql(alias)} % {BUCKETS}"


def hash_sql(alias: str = "") -> str:
    """The 64-bit hash of a profile id column: the exceptions' join key when no two profiles
    share one (integers join ten times faster than ids)."""
    return f'hash({alias}."_id")' if alias else 'hash("_id")'


def _derive(cur: Cursor, store: Store, info: SandboxInfo) -> ProfileFacts:
    """Inside a write: the facts of the committed data, and the exceptions table."""
    version = store.data_version(info)
    found = _cached(version)
    if found is not None:
        return found
    cur.execute(
        f'CREATE OR REPLACE TEMP TABLE profile_facts AS SELECT "_id", {hash_sql()} AS h, '
        f'list_sort(coalesce(map_keys("identityMap"), [])) AS ns FROM {info.table("profiles")}'
    )
    sizes = cur.execute(f"SELECT h % {BUCKETS} AS b, count(*) FROM profile_facts GROUP BY b")
    by_bucket = {int(b): int(n) for b, n in sizes.fetchall()}
    row = cur.execute("SELECT count(DISTINCT h) = count(*) FROM profile_facts").fetchone()
    found_sets = cur.execute(
        "SELECT ns, count(*) AS n FROM profile_facts GROUP BY ns ORDER BY n DESC, ns"
    ).fetchall()
    sets = tuple(tuple(str(name) for name in ns) for ns, _ in found_sets) or ((),)
    cur.execute(
        f'CREATE OR REPLACE TABLE {info.table(TABLE)} AS SELECT "_id", h, s.id AS set_id '
        "FROM profile_facts AS f JOIN (SELECT unnest(?::VARCHAR[][]) AS ns, "
        "unnest(range(?)) AS id) AS s ON s.ns = f.ns WHERE s.id > 0",
        [[list(ns) for ns in sets], len(sets)],
    )
    cur.execute("DROP TABLE profile_facts")
    facts = ProfileFacts(info.schema, version, by_bucket, sets, 0, bool(row and row[0]))
    with _cache_lock:
        for old in [v for v, f in _cache.items() if f.schema == info.schema]:
            del _cache[old]  # an older version (or another store's sandbox of that name)
        _cache[version] = facts
    return facts


def _cached(version: str) -> ProfileFacts | None:
    with _cache_lock:
        return _cache.get(version)


async def current(store: Store, info: SandboxInfo) -> ProfileFacts:
    """The facts of the sandbox's current data (derived on first use after a change)."""
    found = _cached(store.data_version(info))
    if found is not None:
        return found
    return await store.db.awrite(_derive, store, info)


def member_counts(
    cur: Cursor, info: SandboxInfo, facts: ProfileFacts, members: str, *, by_bucket: bool = True
) -> tuple[dict[int, int], dict[int, dict[str, int]]]:
    """Per bucket, how many of `members` (a table of `_id`s and their `h`, `hash_sql`) there
    are, and how many have each namespace in their identityMap: those in the exceptions table
    have their own set, the others the common one. One pass (a left join). Without `by_bucket`
    all are counted in bucket 0 (the totals only: half the time at 1M profiles)."""
    on = "x.h = m.h" if facts.unique_hashes else 'x."_id" = m."_id"'
    bucket = f"m.h % {BUCKETS}" if by_bucket else "0"
    rows = cur.execute(
        f"SELECT {bucket} AS b, x.set_id, count(*) FROM {members} AS m "
        f"LEFT JOIN {info.table(TABLE)} AS x ON {on} GROUP BY b, x.set_id"
    ).fetchall()
    matched: dict[int, int] = {}
    namespaces: dict[int, dict[str, int]] = {}
    for b, set_id, n in rows:
        matched[int(b)] = matched.get(int(b), 0) + int(n)
        names = facts.sets[facts.common if set_id is None else set_id]
        _add(namespaces.setdefault(int(b), {}), names, int(n))
    return matched, namespaces


def _add(into: dict[str, int], names: tuple[str, ...], n: int) -> None:
    for name in names:
        if n:
            into[name] = into.get(name, 0) + n
