"""`seg_mcp.sandbox.load`: JSON lines into a sandbox, all or nothing, bad lines named exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from starlette.applications import Starlette

from seg_mcp import pql
from seg_mcp.aep import AEPClient
from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.load import MAX_ERRORS, LoadError, load
from seg_mcp.sandbox.settings import DEFAULT_ORG_ID
from seg_mcp.sandbox.store import SandboxInfo, Store, open_store

from .conftest import make_settings


def person(pid: str, **extra: Any) -> dict[str, Any]:
    return {"_id": pid, "person": {"name": {"firstName": pid.title()}}, **extra}


def event(eid: str, pid: str, ts: str = "2026-10-01T12:00:00Z", **extra: Any) -> dict[str, Any]:
    return {
        "_id": eid,
        "profileId": pid,
        "timestamp": ts,
        "eventType": "commerce.purchases",
        **extra,
    }


def jsonl(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(make_settings(tmp_path / "data", default_profiles=0))
    try:
        yield st
    finally:
        st.db.close()


def dev(store: Store) -> SandboxInfo:
    info = store.sandbox(DEFAULT_ORG_ID, "dev")
    assert info is not None
    return info


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return store.db.read(lambda cur: cur.execute(sql).fetchall())


def counts(store: Store) -> tuple[int, int]:
    info = dev(store)
    (p,) = rows(store, f"SELECT count(*) FROM {info.table('profiles')}")[0]
    (e,) = rows(store, f"SELECT count(*) FROM {info.table('experience_events')}")[0]
    return p, e


def test_loads_profiles_and_events_with_their_values(store: Store, tmp_path: Path) -> None:
    profiles = jsonl(
        tmp_path / "p.jsonl",
        person(
            "alice",
            identityMap={"Email": [{"id": "a@example.com", "primary": True}]},
            person={"birthDate": "1980-05-17", "gender": "female"},
            loyalty={"tier": "gold", "points": 1200},
        ),
        "",
        person("bob"),
    )
    events = jsonl(
        tmp_path / "e.jsonl",
        event(
            "e1",
            "alice",
            "2026-10-01T12:00:00+02:00",
            commerce={"order": {"priceTotal": 99.5, "currencyCode": "EUR"}},
            productListItems=[{"SKU": "PS", "quantity": 2, "priceTotal": 45.98}],
        ),
        event("e2", "bob", "2026-10-02 08:30:00"),
    )
    result = load(store, dev(store), profiles=profiles, events=events)
    assert (result.profiles, result.events, result.new_fields) == (2, 2, ())
    info = dev(store)
    assert rows(
        store,
        f"SELECT _id, identityMap['Email'][1].id, person.birthDate::VARCHAR, loyalty.tier, "
        f"loyalty.points FROM {info.table('profiles')} ORDER BY _id",
    ) == [("alice", "a@example.com", "1980-05-17", "gold", 1200.0), ("bob", None, None, None, None)]
    assert rows(
        store,
        f"SELECT _id, profile_id, timestamp, commerce.order.priceTotal, "
        f"productListItems[1].quantity FROM {info.table('experience_events')} ORDER BY _id",
    ) == [
        ("e1", "alice", datetime(2026, 10, 1, 10, 0), 99.5, 2),  # +02:00 stored as UTC
        ("e2", "bob", datetime(2026, 10, 2, 8, 30), None, None),
    ]
    assert dev(store).has_data


BAD_PROFILES = [
    ("{not json", "not JSON: Expecting property name enclosed in double quotes (column 2)"),
    ('["p9"]', "not a JSON object (found an array)"),
    ({"person": {}}, "missing _id (every profile needs one)"),
    ({"_id": 9}, "_id must be a string, found an integer"),
    (person("alice"), 'duplicate _id "alice" (first on line 1)'),
    (
        person("p9", person={"birthDate": 19800517}),
        "person.birthDate: found an integer, but the field is a date (YYYY-MM-DD)",
    ),
    (
        person("p9", person={"birthDate": "1980-02-30"}),
        'person.birthDate: "1980-02-30" is not a date (YYYY-MM-DD)',
    ),
    (
        person("p9", loyalty={"points": "many"}),
        "loyalty.points: found a string, but the field is a number",
    ),
    (
        person("p9", homeAddress="Paris"),
        "homeAddress: found a string, but the field is an object",
    ),
    (
        person("p9", identityMap={"ECID": {"id": "1"}}),
        "identityMap.ECID: found an object, but the field is an array",
    ),
    (person("p9", **{"first name": "x"}), '"first name" is not a valid field name'),
    (person("p9", nickname=5), "nickname: found an integer, but the field is a string"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_PROFILES)
def test_a_bad_profile_line_is_named_and_nothing_is_loaded(
    store: Store, tmp_path: Path, bad: dict[str, Any] | str, message: str
) -> None:
    profiles = jsonl(
        tmp_path / "p.jsonl", person("alice", nickname="Al"), "", person("bob"), bad, person("eve")
    )
    fields_before = store.fields(dev(store))
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=profiles)
    assert len(caught.value.errors) == 1
    error = caught.value.errors[0]
    assert (error.file, error.line) == (profiles, 4)
    assert message in error.message
    assert str(error).startswith(f"{profiles}:4: ")
    assert counts(store) == (0, 0)
    assert store.fields(dev(store)) == fields_before
    assert not dev(store).has_data


BAD_EVENTS = [
    (event("e9", "alice", profile_id="bob"), "profile_id is reserved: give the event's profile"),
    ({"_id": "e9", "profileId": "alice"}, "missing timestamp"),
    (event("e9", "alice", "yesterday"), 'timestamp: "yesterday" is not a date-time'),
    ({"_id": "e9", "timestamp": "2026-10-01T00:00:00Z"}, "missing profileId"),
    (event("e9", "carol"), 'profileId "carol" is not a profile of this load or of sandbox dev'),
    (event("e1", "alice"), 'duplicate _id "e1" (first on line 1)'),
    (
        event("e9", "alice", productListItems=[{"SKU": "PS", "quantity": 2.5}]),
        "productListItems.quantity: found a number, but the field is an integer (int)",
    ),
    (
        event("e9", "alice", productListItems=[{"quantity": 3_000_000_000}]),
        "productListItems.quantity: 3000000000 is out of range for an integer (int)",
    ),
]


@pytest.mark.parametrize(("bad", "message"), BAD_EVENTS)
def test_a_bad_event_line_is_named_and_nothing_is_loaded(
    store: Store, tmp_path: Path, bad: dict[str, Any], message: str
) -> None:
    profiles = jsonl(tmp_path / "p.jsonl", person("alice"), person("bob"))
    events = jsonl(tmp_path / "e.jsonl", event("e1", "alice"), event("e2", "bob"), bad)
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=profiles, events=events)
    [error] = caught.value.errors
    assert (error.file, error.line) == (events, 3)
    assert message in error.message
    assert counts(store) == (0, 0)


def test_rows_already_in_the_sandbox_are_refused_unless_replacing(
    store: Store, tmp_path: Path
) -> None:
    first = jsonl(tmp_path / "a.jsonl", person("alice"), person("bob"))
    load(store, dev(store), profiles=first)
    again = jsonl(tmp_path / "b.jsonl", person("carol"), person("bob"))
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=again)
    [error] = caught.value.errors
    assert error.line == 2 and "already in sandbox dev" in error.message
    assert counts(store) == (2, 0)

    events = jsonl(tmp_path / "e.jsonl", event("e1", "alice"))  # a profile loaded before
    assert load(store, dev(store), events=events).events == 1
    assert counts(store) == (2, 1)

    result = load(store, dev(store), profiles=again, replace=True)
    assert (result.profiles, counts(store)) == (2, (2, 0))
    info = dev(store)
    assert rows(store, f"SELECT _id FROM {info.table('profiles')} ORDER BY _id") == [
        ("bob",),
        ("carol",),
    ]


def test_every_problem_is_listed_up_to_the_limit(store: Store, tmp_path: Path) -> None:
    lines = [person(f"p{i}") if i % 2 else "oops" for i in range(1, 2 * MAX_ERRORS + 6)]
    profiles = jsonl(tmp_path / "p.jsonl", *lines)
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=profiles)
    assert [e.line for e in caught.value.errors] == list(range(2, 2 * MAX_ERRORS + 1, 2))
    assert caught.value.truncated
    assert f"stopped after the first {MAX_ERRORS}" in str(caught.value)


def test_a_new_field_conflicting_with_an_earlier_line_is_named(
    store: Store, tmp_path: Path
) -> None:
    profiles = jsonl(
        tmp_path / "p.jsonl",
        person("a", preferences={"color": "blue"}),
        person("b", preferences={"color": 7}),
    )
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=profiles)
    [error] = caught.value.errors
    assert error.line == 2
    assert error.message == "preferences.color: found an integer, but the field is a string"


def test_empty_objects_and_blank_files_load(store: Store, tmp_path: Path) -> None:
    profiles = jsonl(tmp_path / "p.jsonl", person("a", loyalty={}, homeAddress=None))
    blank = jsonl(tmp_path / "e.jsonl", "", "  ")
    result = load(store, dev(store), profiles=profiles, events=blank)
    assert (result.profiles, result.events) == (1, 0)


def test_a_file_name_with_glob_characters_is_read_as_named(store: Store, tmp_path: Path) -> None:
    jsonl(tmp_path / "p1x.jsonl", person("other"))  # what the name matches as a pattern
    profiles = jsonl(tmp_path / "p[1]*?.jsonl", person("a"))
    assert load(store, dev(store), profiles=profiles).profiles == 1
    assert rows(store, f"SELECT _id FROM {dev(store).table('profiles')}") == [("a",)]


def test_new_fields_join_the_tree_and_the_tables(store: Store, tmp_path: Path) -> None:
    load(store, dev(store), profiles=jsonl(tmp_path / "a.jsonl", person("old")))
    profiles = jsonl(
        tmp_path / "p.jsonl",
        person(
            "new",
            loyalty={"nickname": "Neo", "tier": "gold"},
            preferences={"channels": ["email", "sms"], "optIn": True},
            identityMap={"ECID": [{"id": "1", "primary": True, "authenticatedState": "known"}]},
        ),
    )
    events = jsonl(
        tmp_path / "e.jsonl",
        event("e1", "new", productListItems=[{"SKU": "PS", "color": "red"}]),
    )
    result = load(store, dev(store), profiles=profiles, events=events)
    assert set(result.new_fields) == {
        ("profile", "loyalty.nickname"),
        ("profile", "preferences"),
        ("profile", "identityMap.authenticatedState"),
        ("event", "productListItems.color"),
    }
    profile, _ = store.fields(dev(store))
    assert xdm.lookup(profile, "loyalty.nickname") == xdm.XdmField("nickname", "string")
    channels = xdm.lookup(profile, "preferences.channels")
    assert channels is not None and channels.items == xdm.XdmField("items", "string")
    assert xdm.lookup(profile, "preferences.optIn") == xdm.XdmField("optIn", "boolean")
    info = dev(store)
    assert rows(
        store,
        f"SELECT _id, loyalty.nickname, preferences.channels, "
        f"identityMap['ECID'][1].authenticatedState FROM {info.table('profiles')} ORDER BY _id",
    ) == [("new", "Neo", ["email", "sms"], "known"), ("old", None, None, None)]
    assert rows(
        store, f"SELECT productListItems[1].color FROM {info.table('experience_events')}"
    ) == [("red",)]


async def test_served_union_schema_and_catalog_include_loaded_fields(
    sandbox_app: Starlette, aep: AEPClient, tmp_path: Path
) -> None:
    await aep.list_sandboxes()  # the service is open
    service = sandbox_app.state.service
    info = service.store.sandbox(DEFAULT_ORG_ID, "dev")
    profiles = jsonl(tmp_path / "p.jsonl", person("loaded-1", loyalty={"nickname": "Neo"}))
    await anyio.to_thread.run_sync(partial(load, service.store, info, profiles=profiles))

    loyalty = (await aep.get_union_schema())["properties"]["loyalty"]["properties"]
    assert loyalty["nickname"]["meta:xdmType"] == "string"
    assert "tier" in loyalty
    info = service.store.sandbox(DEFAULT_ORG_ID, "dev")
    catalog = service.catalog(info)
    found = catalog.get("profile", "loyalty.nickname")
    assert found is not None and found.xdm_type == "string"
    assert catalog.get("profile", "loyalty.nicknam") is None
    assert pql.check('loyalty.nickname = "Neo"', catalog).ok
    assert not pql.check('loyalty.nicknam = "Neo"', catalog).ok


CASE_COLLISIONS = [  # (profile lines, bad line, message) — XDM names are case-sensitive
    (
        [person("a", Loyalty={"tier": "gold"})],
        1,
        "Loyalty: differs only by case from loyalty (declared, or on an earlier line)",
    ),
    (
        [person("a"), person("b", loyalty={"Points": 3})],
        2,
        "loyalty.Points: differs only by case from loyalty.points (declared, or on an earlier "
        "line)",
    ),
    (
        [person("a", prefs={"x": 1}), person("b", prefs={"X": 2})],
        2,
        "prefs.X: differs only by case from prefs.x (declared, or on an earlier line)",
    ),
    (
        [person("a", prefs={"x": 1}), person("b", Prefs={"x": 2})],
        2,
        "Prefs: differs only by case from prefs (declared, or on an earlier line)",
    ),
    (
        [person("a", hobby="x", Hobby="y")],
        1,
        "Hobby: differs only by case from hobby on the same line",
    ),
]


@pytest.mark.parametrize(("lines", "bad", "message"), CASE_COLLISIONS)
def test_a_field_differing_only_by_case_is_named_and_nothing_is_loaded(
    store: Store, tmp_path: Path, lines: list[dict[str, Any]], bad: int, message: str
) -> None:
    profiles = jsonl(tmp_path / "p.jsonl", *lines)
    fields_before = store.fields(dev(store))
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=profiles)
    [error] = caught.value.errors
    assert (error.file, error.line) == (profiles, bad)
    assert error.message == (
        message + "; XDM field names are case-sensitive and the local sandbox cannot store both: "
        "rename one"
    )
    assert counts(store) == (0, 0)
    assert store.fields(dev(store)) == fields_before


def test_an_event_field_differing_only_by_case_is_named(store: Store, tmp_path: Path) -> None:
    profiles = jsonl(tmp_path / "p.jsonl", person("alice"))
    events = jsonl(tmp_path / "e.jsonl", event("e1", "alice", EventType="x"))
    with pytest.raises(LoadError) as caught:
        load(store, dev(store), profiles=profiles, events=events)
    [error] = caught.value.errors
    assert (error.file, error.line) == (events, 1)
    assert error.message.startswith("EventType: differs only by case from eventType ")


def test_names_that_only_look_renamed_still_load(store: Store, tmp_path: Path) -> None:
    profiles = jsonl(tmp_path / "p.jsonl", person("a", prefs="x", prefs_1="y"))
    result = load(store, dev(store), profiles=profiles)
    assert set(result.new_fields) == {("profile", "prefs"), ("profile", "prefs_1")}
    table = dev(store).table("profiles")
    assert rows(store, f"SELECT prefs, prefs_1 FROM {table}") == [("x", "y")]
