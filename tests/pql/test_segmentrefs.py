"""``inSegment("id")`` with an id the sandbox does not have: a `unknown-segment` warning on the
id's text (what the server's online check adds; tests/server/test_check_pql_online.py)."""

from __future__ import annotations

from seg_mcp import pql
from seg_mcp.pql.segmentrefs import unknown_segments


def test_each_unknown_id_is_warned_where_it_is_written() -> None:
    text = 'inSegment("a1") and (inSegment("gone") or not inSegment("a1"))\nor inSegment("x")'
    found = unknown_segments(pql.parse(text), known={"a1"})
    assert [(d.severity, d.code, d.line, d.column, d.end_column) for d in found] == [
        ("warning", "unknown-segment", 1, 32, 38),
        ("warning", "unknown-segment", 2, 14, 17),
    ]
    assert found[0].message == (
        'the sandbox has no segment definition or audience with id "gone": '
        "this inSegment qualifies nobody"
    )
    assert found[0].hint == (
        "inSegment takes the id of a segment definition or audience, not its name"
    )
    assert text[found[1].start : found[1].end] == '"x"'


def test_known_ids_are_quiet() -> None:
    assert unknown_segments(pql.parse('inSegment("a1") and inSegment("b2")'), {"a1", "b2"}) == []
