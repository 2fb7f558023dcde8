"""Deterministic synthetic XDM data, generated in SQL inside DuckDB.

Every value is a function of (row number, seed) through DuckDB's `hash()`, so the same seed, size
and anchor time give the same dataset (DuckDB is pinned to 2.0.x). The values are drawn from
`vocabulary`. Events are spread over the 365 days before the anchor (the sandbox clock), denser
toward it (a draw u in [0, 1) lands u^2 of the year back: 5% of events in the last day), so
`occurs <= 30 days before now`, `yesterday` and `today` find people. The data covers the fields
Adobe's example queries use (tests/sandbox/test_doc_examples.py): half the work addresses write
the country code in `country` (`workAddress.country = "US"`), abandoned checkouts carry
`commerce.cartAbandons` and `metrics.commerce.abandons`, web hits Adobe Analytics'
`_experience.analytics.endUser.firstWeb.webPageDetails.isHomePage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.store import SandboxInfo, Store
from seg_mcp.sandbox.vocabulary import (
    CAMPAIGNS,
    CITIES,
    DEVICES,
    EMAIL_DOMAINS,
    EVENT_TYPES,
    FIRST_NAMES,
    LAST_NAMES,
    PAGES,
    PRODUCTS,
    SITE,
    STREETS,
    TRACKING_PREFIXES,
)


@dataclass(frozen=True)
class GenerateResult:
    profiles: int
    events: int


def _lit(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _list(values: tuple[object, ...]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


class _Rand:
    """SQL expressions for deterministic pseudo-random draws keyed by row expressions."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def h(self, key: str, salt: str) -> str:
        return f"hash({key}, {self.seed}, {_lit(salt)})"

    def unit(self, key: str, salt: str) -> str:
        """Uniform in [0, 1)."""
        return f"(({self.h(key, salt)} % 1000003)::DOUBLE / 1000003.0)"

    def below(self, key: str, salt: str, n: int | str) -> str:
        """Uniform integer in [0, n)."""
        return f"(({self.h(key, salt)} % ({n})::UBIGINT)::BIGINT)"

    def pick(self, values: tuple[object, ...], key: str, salt: str) -> str:
        return f"{_list(values)}[{self.below(key, salt, len(values))} + 1]"


def _ts(anchor: datetime) -> str:
    return f"TIMESTAMP '{anchor.strftime('%Y-%m-%d %H:%M:%S')}'"


def profile_select(n: int, seed: int, anchor: datetime) -> str:
    """SELECT producing `n` profile rows whose columns match the declared profile fields."""
    r = _Rand(seed)
    city = f"{_list(tuple(c[0] for c in CITIES))}[ci + 1]"
    state = f"{_list(tuple(c[1] for c in CITIES))}[ci + 1]"
    ccode = f"{_list(tuple(c[2] for c in CITIES))}[ci + 1]"
    country = f"{_list(tuple(c[3] for c in CITIES))}[ci + 1]"
    zip_tail = f"lpad(({r.below('i', 'zip', 100)})::VARCHAR, 2, '0')"
    postal = f"{_list(tuple(c[4] for c in CITIES))}[ci + 1] || {zip_tail}"
    wcity = f"{_list(tuple(c[0] for c in CITIES))}[wi + 1]"
    wstate = f"{_list(tuple(c[1] for c in CITIES))}[wi + 1]"
    wccode = f"{_list(tuple(c[2] for c in CITIES))}[wi + 1]"
    wcountry = f"{_list(tuple(c[3] for c in CITIES))}[wi + 1]"
    anchor_sql = _ts(anchor)
    return f"""
WITH base AS (
  SELECT i,
    'p' || lpad(i::VARCHAR, 7, '0') AS pid,
    {r.pick(tuple(FIRST_NAMES), "i", "fn")} AS fn,
    {r.pick(tuple(LAST_NAMES), "i", "ln")} AS ln,
    {r.below("i", "city", len(CITIES))} AS ci,
    {r.below("i", "wcity", len(CITIES))} AS wi,
    {r.unit("i", "wctry")} AS uwc,
    DATE '1945-01-01' + ({r.below("i", "bd", 22645)})::INTEGER AS bd,
    {r.unit("i", "gender")} AS ug,
    {r.unit("i", "email")} AS ue,
    {r.unit("i", "phone")} AS uph,
    {r.unit("i", "loyal")} AS ul,
    {r.unit("i", "tier")} AS ut,
    {r.unit("i", "work")} AS uw,
    {r.pick(EMAIL_DOMAINS, "i", "dom")} AS dom,
    {r.below("i", "created", 3 * 365 * 86400)} AS created_ago,
    {r.unit("i", "modified")} AS umod,
    lpad(({r.h("i", "ecid")} % 100000000000000000000::HUGEINT)::VARCHAR, 20, '0')
      || lpad(i::VARCHAR, 18, '0') AS ecid
  FROM range({n}) t(i)
)
SELECT
  pid AS "_id",
  CASE WHEN ue < 0.9 THEN
    MAP(['ECID', 'Email'],
        [[{{'id': ecid, 'primary': true}}],
         [{{'id': lower(fn || '.' || ln || i::VARCHAR || '@' || dom), 'primary': false}}]])
  ELSE MAP(['ECID'], [[{{'id': ecid, 'primary': true}}]]) END AS "identityMap",
  {{'name': {{'firstName': fn, 'lastName': ln, 'fullName': fn || ' ' || ln}},
    'birthDate': bd, 'birthYear': year(bd)::INTEGER,
    'gender': CASE WHEN ug < 0.48 THEN 'female' WHEN ug < 0.96 THEN 'male'
                   WHEN ug < 0.98 THEN 'non_specific' ELSE 'not_specified' END}} AS "person",
  {{'street1': (1 + {r.below("i", "street", 9899)})::VARCHAR || ' '
               || {r.pick(STREETS, "i", "st")},
    'city': {city}, 'stateProvince': {state}, 'postalCode': {postal},
    'countryCode': {ccode}, 'country': {country}}} AS "homeAddress",
  CASE WHEN uw < 0.4 THEN {{'city': {wcity}, 'stateProvince': {wstate}, 'countryCode': {wccode},
    'country': CASE WHEN uwc < 0.5 THEN {wccode} ELSE {wcountry} END}} END AS "workAddress",
  CASE WHEN ue < 0.9 THEN {{'address': lower(fn || '.' || ln || i::VARCHAR || '@' || dom),
                            'status': CASE WHEN ue < 0.85 THEN 'active' ELSE 'incomplete' END}}
  END AS "personalEmail",
  CASE WHEN uph < 0.7
    THEN {{'number': '+1-555-' || lpad(({r.below("i", "ph", 10000000)})::VARCHAR, 7, '0')}}
  END AS "mobilePhone",
  CASE WHEN ul < 0.6 THEN {{
    'loyaltyID': 'L' || lpad(i::VARCHAR, 8, '0'),
    'tier': CASE WHEN ut < 0.5 THEN 'bronze' WHEN ut < 0.8 THEN 'silver'
                 WHEN ut < 0.95 THEN 'gold' ELSE 'platinum' END,
    'points': round({r.unit("i", "points")} * 50000),
    'joinDate': (({anchor_sql})::DATE - ({r.below("i", "join", 8 * 365)})::INTEGER)}}
  END AS "loyalty",
  {{'createDate': {anchor_sql} - to_seconds(created_ago),
    'modifyDate': {anchor_sql} - to_seconds((created_ago * umod)::BIGINT)}} AS "_repo"
FROM base
"""


def event_select(n: int, seed: int, anchor: datetime, events_per_profile: float) -> str:
    """SELECT producing the experience events of profiles 0..n-1 (about `events_per_profile`
    each, skewed: many light users, a few heavy ones)."""
    r = _Rand(seed)
    max_events = max(1, round(events_per_profile * 3))
    type_case = (
        "CASE "
        + " ".join(f"WHEN bucket < {cut} THEN {_lit(name)}" for cut, name in EVENT_TYPES)
        + " END"
    )
    skus = _list(tuple(p[0] for p in PRODUCTS))
    pnames = _list(tuple(p[1] for p in PRODUCTS))
    prices = _list(tuple(p[2] for p in PRODUCTS))
    page_names = _list(tuple(p[0] for p in PAGES))
    page_urls = _list(tuple(SITE + p[1] for p in PAGES))
    page_home = _list(tuple(p[2] for p in PAGES))
    dtype = _list(tuple(d[0] for d in DEVICES))
    dman = _list(tuple(d[1] for d in DEVICES))
    dmod = _list(tuple(d[2] for d in DEVICES))
    n_products = len(PRODUCTS)
    items = (
        f"list_transform(range(n_items), lambda x: {{"
        f"'SKU': {skus}[((ph + x * 7) % {n_products}) + 1], "
        f"'name': {pnames}[((ph + x * 7) % {n_products}) + 1], "
        f"'quantity': (1 + (ph // 3 + x) % 3)::INTEGER, "
        f"'priceTotal': round({prices}[((ph + x * 7) % {n_products}) + 1]"
        f" * (1 + (ph // 3 + x) % 3), 2), "
        f"'currencyCode': cur}})"
    )
    anchor_sql = _ts(anchor)
    return f"""
WITH p AS (
  SELECT i, 'p' || lpad(i::VARCHAR, 7, '0') AS pid,
    floor({max_events} * pow({r.unit("i", "activity")}, 2))::BIGINT AS k,
    {r.below("i", "device", len(DEVICES))} AS di,
    {r.pick(("USD", "USD", "USD", "EUR", "GBP"), "i", "cur")} AS cur
  FROM range({n}) t(i)
), e AS (
  SELECT p.i, p.pid, r.j, p.di, p.cur,
    {r.below("p.i, r.j", "type", 100)} AS bucket,
    floor({365 * 86400} * pow({r.unit("p.i, r.j", "when")}, 2))::BIGINT AS ago,
    {r.below("p.i, r.j", "product", 1000003)} AS ph,
    {r.below("p.i, r.j", "page", len(PAGES))} AS pg,
    {r.unit("p.i, r.j", "track")} AS utrack,
    {r.below("p.i, r.j", "camp", len(CAMPAIGNS))} AS camp,
    {r.below("p.i, r.j", "tp", len(TRACKING_PREFIXES))} AS tp,
    {r.unit("p.i, r.j", "abandon")} < 0.35 AS abandoned,
    1 + {r.below("p.i, r.j", "items", 3)} AS n_items
  FROM p, range(p.k) r(j)
), t AS (
  SELECT *, {type_case} AS et FROM e
), x AS (
  SELECT *,
    CASE WHEN et IN ('commerce.productViews', 'commerce.productListAdds')
           THEN {items.replace("range(n_items)", "range(1)")}
         WHEN et IN ('commerce.checkouts', 'commerce.purchases') THEN {items}
    END AS pli,
    starts_with(et, 'directMarketing') AS is_email
  FROM t
)
SELECT
  pid || '-e' || lpad(j::VARCHAR, 3, '0') AS "_id",
  pid AS "profile_id",
  {anchor_sql} - to_seconds(ago) AS "timestamp",
  et AS "eventType",
  CASE WHEN NOT is_email THEN {{
    'webPageDetails': {{
      'name': CASE WHEN pli IS NOT NULL THEN 'product detail' ELSE {page_names}[pg + 1] END,
      'URL': CASE WHEN pli IS NOT NULL THEN '{SITE}/products/' || lower(pli[1].SKU)
                  ELSE {page_urls}[pg + 1] END,
      'isHomePage': pli IS NULL AND {page_home}[pg + 1],
      'pageViews': {{'value': 1.0}}}},
    'webReferrer': CASE WHEN utrack < 0.3 THEN {{'URL': 'https://search.example.net/?q=shop'}} END}}
  END AS "web",
  CASE
    WHEN et = 'commerce.purchases' THEN {{
      'order': {{'priceTotal': round(list_sum(list_transform(pli, lambda it: it.priceTotal)), 2),
                 'currencyCode': cur, 'purchaseID': 'ORD-' || pid || '-' || j::VARCHAR}},
      'purchases': {{'value': 1.0}}}}
    WHEN et = 'commerce.productViews' THEN {{'productViews': {{'value': 1.0}}}}
    WHEN et = 'commerce.productListAdds' THEN {{'productListAdds': {{'value': 1.0}}}}
    WHEN et = 'commerce.checkouts' AND abandoned
      THEN {{'checkouts': {{'value': 1.0}}, 'cartAbandons': {{'value': 1.0}}}}
    WHEN et = 'commerce.checkouts' THEN {{'checkouts': {{'value': 1.0}}}}
  END AS "commerce",
  pli AS "productListItems",
  CASE WHEN is_email
    THEN {{'_id': 'https://ns.adobe.com/xdm/channels/email',
           '_type': 'https://ns.adobe.com/xdm/channel-types/email', 'mediaType': 'owned'}}
    ELSE {{'_id': 'https://ns.adobe.com/xdm/channels/web',
           '_type': 'https://ns.adobe.com/xdm/channel-types/web', 'mediaType': 'owned'}}
  END AS "channel",
  {{'type': {dtype}[di + 1], 'manufacturer': {dman}[di + 1], 'model': {dmod}[di + 1]}} AS "device",
  CASE WHEN is_email OR utrack < 0.2 THEN {{
    'trackingCode': CASE WHEN is_email THEN 'em' ELSE {_list(TRACKING_PREFIXES)}[tp + 1] END
                    || ':' || {_list(CAMPAIGNS)}[camp + 1],
    'campaignName': {_list(CAMPAIGNS)}[camp + 1]}} END AS "marketing",
  CASE WHEN et = 'directMarketing.emailOpened' THEN {{'opens': {{'value': 1.0}}}}
       WHEN et = 'directMarketing.emailClicked' THEN {{'clicks': {{'value': 1.0}}}}
  END AS "directMarketing",
  CASE WHEN et = 'commerce.checkouts' AND abandoned
    THEN {{'commerce': {{'abandons': {{'value': 1.0}}}}}} END AS "metrics",
  CASE WHEN NOT is_email THEN {{'analytics': {{'endUser': {{'firstWeb': {{'webPageDetails': {{
    'isHomePage': pli IS NULL AND {page_home}[pg + 1]}}}}}}}}}} END AS "_experience"
FROM x
"""


def _insert(cur: Cursor, table: str, select: str) -> int:
    cur.execute(f"INSERT INTO {table} BY NAME ({select})")
    row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def generate(
    cur: Cursor,
    schema: str,
    *,
    profiles: int,
    seed: int,
    anchor: datetime,
    events_per_profile: float = 10.0,
    profile_root: xdm.XdmField = xdm.PROFILE_ROOT,
    event_root: xdm.XdmField = xdm.EVENT_ROOT,
) -> GenerateResult:
    """Replace the profile and event tables of `schema` with a generated dataset (inside the
    caller's transaction) and clear the segment memberships, which referred to the old data."""
    cur.execute(xdm.profiles_ddl(schema, profile_root, replace_table=True))
    cur.execute(xdm.events_ddl(schema, event_root, replace_table=True))
    cur.execute(f"DELETE FROM {xdm.qualified(schema, xdm.MEMBERSHIP_TABLE)}")
    n_profiles = _insert(
        cur, xdm.qualified(schema, xdm.PROFILES_TABLE), profile_select(profiles, seed, anchor)
    )
    n_events = _insert(
        cur,
        xdm.qualified(schema, xdm.EVENTS_TABLE),
        event_select(profiles, seed, anchor, events_per_profile),
    )
    return GenerateResult(profiles=n_profiles, events=n_events)


def generate_sandbox(
    cur: Cursor,
    store: Store,
    info: SandboxInfo,
    *,
    profiles: int,
    seed: int,
    anchor: datetime | None = None,
) -> GenerateResult:
    """`generate` into a registered sandbox with its field tree, events up to `anchor` (default:
    its clock), and the sandbox marked as holding data (inside the caller's write)."""
    profile_root, event_root = store.fields(info)
    result = generate(
        cur,
        info.schema,
        profiles=profiles,
        seed=seed,
        anchor=anchor or store.now(info).replace(microsecond=0),
        profile_root=profile_root,
        event_root=event_root,
    )
    store.mark_data(cur, info)
    return result
