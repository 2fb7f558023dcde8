"""Schedules: `/config/schedules`, `/config/schedules/{SCHEDULE_ID}`."""

from __future__ import annotations

from seg_mcp.aep.models.common import AEPModel, ChildrenList, SandboxRef
from seg_mcp.aep.models.export_jobs import ExportDestination

__all__ = [
    "Schedule",
    "ScheduleInput",
    "ScheduleList",
    "ScheduleProperties",
]


class ScheduleProperties(AEPModel):
    #: Segment definition ids to evaluate; `["*"]` means all. Required for batch_segmentation.
    segments: list[str] | None = None
    #: An `export` schedule's target: each run evaluates, then exports the members there. The
    #: docs name the type without its properties; these are the export job's own fields.
    destination: ExportDestination | None = None
    fields: str | None = None  # comma-separated dot paths; omitted = all


class ScheduleInput(AEPModel):
    """Body of `POST /config/schedules`.

    `type` is `batch_segmentation` (spec) or `export` (docs); `schedule` (Quartz cron, UTC, at most
    once a day) is required by the spec and optional in the docs (reference §13.4).
    """

    name: str
    type: str = "batch_segmentation"
    properties: ScheduleProperties
    schedule: str | None = None
    state: str | None = None  # active | inactive (default inactive)


class Schedule(AEPModel):
    id: str | None = None
    name: str | None = None
    type: str | None = None
    schedule: str | None = None
    state: str | None = None
    properties: ScheduleProperties | None = None
    ims_org_id: str | None = None
    sandbox: SandboxRef | None = None
    create_epoch: int | None = None  # epoch s
    update_epoch: int | None = None


class ScheduleList(ChildrenList[Schedule]):
    """`{"children": [...], "_page": {...}, "_links": {"next": ...}}`."""
