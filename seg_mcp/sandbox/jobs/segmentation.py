"""Evaluate one segment definition and write its `segment_membership` (inside a write).

Relative to the previous membership of the segment: a qualifying profile that was not in it (or
had exited) is `realized`, one that was in it is `existing`, one that was in it and no longer
qualifies becomes `exited`; profiles that had already exited stay so with their old time. Every
row written carries the evaluation time (the sandbox clock) as its qualification time, so
`inSegment()` sees the new membership as soon as the write commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from seg_mcp.sandbox.db import Cursor
from seg_mcp.sandbox.jobs.common import members_table, namespace_counts, query_of
from seg_mcp.sandbox.store import SandboxInfo


@dataclass
class SegmentResult:
    realized: int = 0
    existing: int = 0
    exited: int = 0
    namespaces: dict[str, int] = field(default_factory=dict)

    @property
    def members(self) -> int:
        return self.realized + self.existing

    def by_status(self) -> dict[str, int]:
        return {"realized": self.realized, "existing": self.existing, "exited": self.exited}


def evaluate_segment(
    cur: Cursor,
    info: SandboxInfo,
    segment_id: str,
    local: dict[str, Any],
    now: datetime,
) -> SegmentResult:
    """Evaluate the stored expression `local` (pqlText/pqlJson) of `segment_id` and replace the
    segment's membership rows. Raises `JobFailure` when the engine cannot evaluate it."""
    membership = info.table("segment_membership")
    with members_table(cur, info, query_of(local), now=now) as members:
        cur.execute(
            f"""CREATE OR REPLACE TEMP TABLE job_next AS
            SELECT coalesce(m."_id", prev.profile_id) AS profile_id,
                CASE WHEN m."_id" IS NULL THEN 'exited'
                     WHEN prev.status IN ('realized', 'existing') THEN 'existing'
                     ELSE 'realized' END AS status,
                CASE WHEN m."_id" IS NULL AND prev.status = 'exited'
                     THEN prev.last_qualification_time ELSE ?::TIMESTAMP END AS qualified_at,
                (m."_id" IS NULL AND prev.status IN ('realized', 'existing')) AS newly_exited
            FROM {members} AS m FULL OUTER JOIN
                (SELECT * FROM {membership} WHERE segment_id = ?) AS prev
                ON m."_id" = prev.profile_id""",
            [now, segment_id],
        )
        row = cur.execute(
            "SELECT count(*) FILTER (WHERE status = 'realized'), "
            "count(*) FILTER (WHERE status = 'existing'), count(*) FILTER (WHERE newly_exited) "
            "FROM job_next"
        ).fetchone()
        assert row is not None
        cur.execute(f"DELETE FROM {membership} WHERE segment_id = ?", [segment_id])
        cur.execute(
            f"INSERT INTO {membership} (profile_id, segment_id, status, last_qualification_time) "
            "SELECT profile_id, ?, status, qualified_at FROM job_next",
            [segment_id],
        )
        cur.execute("DROP TABLE job_next")
        namespaces = namespace_counts(cur, info, members)
    return SegmentResult(int(row[0]), int(row[1]), int(row[2]), namespaces)
