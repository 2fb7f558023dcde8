"""The fault suite's parts: the local sandbox on loopback, a direct reader of its state (never
through the proxy), the five kinds of write, the faults with the claims the contract allows for
each, and the figures (`Tally`). How a message is judged: rules.py.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from server import authflow

from .proxy import Fault

CLIENT_ID = "seg-mcp-local"
CLIENT_SECRET = "seg-mcp-local-secret"
ORG_ID = "seg-mcp-local@AdobeOrg"
SANDBOX = "dev"
US = 'homeAddress.countryCode = "US"'
#: The clients' timeout (AEP_TIMEOUT): a `slow` fault holds the answer past it.
TIMEOUT = 1.5
SLOW_DELAY = TIMEOUT + 1.5
#: Jobs stay in flight ~4 steps x this, longer than a timeout and a retry take.
JOB_STEP_SECONDS = 1.0
UPS = "/data/core/ups"

# -- the faults ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultCase:
    name: str
    make: Callable[[str], Fault]  # the write's path regex -> the rule
    reached: bool  # the service did the write
    allowed: frozenset[str]  # claims the contract allows


_ANSWERED = frozenset({"failed", "succeeded"})  # an answer before the service: FAILED (or a retry)
_UNKNOWN = frozenset({"unknown", "succeeded"})  # sent, no usable answer: UNKNOWN (or reconciled)

FAULTS: tuple[FaultCase, ...] = (
    FaultCase(
        "429-retry-after",
        lambda p: Fault("status", path=p, status=429, retry_after=1),
        False,
        _ANSWERED,
    ),
    FaultCase("502-before", lambda p: Fault("status", path=p, status=502), False, _UNKNOWN),
    FaultCase("503-before", lambda p: Fault("status", path=p, status=503), False, _ANSWERED),
    FaultCase("504-before", lambda p: Fault("status", path=p, status=504), False, _UNKNOWN),
    FaultCase("502-after", lambda p: Fault("gateway", path=p, status=502), True, _UNKNOWN),
    FaultCase("504-after", lambda p: Fault("gateway", path=p, status=504), True, _UNKNOWN),
    FaultCase("reset-before", lambda p: Fault("reset_before", path=p), False, _UNKNOWN),
    FaultCase("lost-after", lambda p: Fault("lost", path=p), True, _UNKNOWN),
    FaultCase("slow", lambda p: Fault("slow", path=p, delay=SLOW_DELAY), True, _UNKNOWN),
)


# -- the writes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What one case writes: a unique name, the segment a job evaluates, the export dataset."""

    name: str
    segment_id: str = ""
    dataset: str = ""


@dataclass(frozen=True)
class Write:
    kind: str
    operation: str  # for `seg-mcp api`
    path: str  # regex of the create's path
    tool: str
    body: Callable[[Target], Any]
    args: Callable[[Target], dict[str, Any]]


def _definition_body(t: Target) -> dict[str, Any]:
    return {
        "name": t.name,
        "expression": {"type": "PQL", "format": "pql/text", "value": US},
        "schema": {"name": "_xdm.context.profile"},
    }


WRITES: tuple[Write, ...] = (
    Write(
        "definition",
        "createSegmentDefinition",
        r"/segment/definitions(\?|$)",
        "save_segment_definition",
        _definition_body,
        lambda t: {"name": t.name, "pql": US},
    ),
    Write(
        "audience",
        "createAudience",
        r"/ups/audiences(\?|$)",
        "save_audience",
        lambda t: {**_definition_body(t), "type": "SegmentDefinition"},
        lambda t: {"name": t.name, "pql": US},
    ),
    Write(
        "schedule",
        "createSchedule",
        r"/config/schedules(\?|$)",
        "save_schedule",
        lambda t: {
            "name": t.name,
            "type": "batch_segmentation",
            "properties": {"segments": ["*"]},
            "schedule": "0 0 1 * * ?",
            "state": "inactive",
        },
        lambda t: {"name": t.name, "cron": "0 0 1 * * ?", "segment_ids": ["*"]},
    ),
    Write(
        "segment-job",
        "createSegmentJob",
        r"/segment/jobs(\?|$)",
        "run_segment_job",
        lambda t: [{"segmentId": t.segment_id}],
        lambda t: {"segment_ids": [t.segment_id], "wait_seconds": 0},
    ),
    Write(
        "export-job",
        "createExportJob",
        r"/export/jobs(\?|$)",
        "export_audience",
        lambda t: {
            "destination": {"datasetId": t.dataset, "segmentPerBatch": False},
            "schema": {"name": "_xdm.context.profile"},
            "filter": {"segments": [{"segmentId": t.segment_id, "segmentNs": "ups"}]},
        },
        lambda t: {"segment_ids": [t.segment_id], "dataset_id": t.dataset, "wait_seconds": 0},
    ),
)


# -- the sandbox and a direct reader of its state ------------------------------------------------


@contextmanager
def local_sandbox(data_dir: Path) -> Iterator[str]:
    """The local sandbox on loopback: 40 profiles, jobs slow enough to be caught running, and no
    limit on jobs in flight (the faults pile them up)."""
    with authflow.local_sandbox(
        data_dir, job_step_seconds=JOB_STEP_SECONDS, max_jobs_in_flight=1000
    ) as url:
        yield url


class Direct:
    """Reads and prepares the sandbox's state over plain HTTP, straight to it (no proxy)."""

    def __init__(self, url: str) -> None:
        self.http = httpx2.Client(base_url=url, timeout=30)
        token = self.http.post(
            "/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": "openid,AdobeID,read_organizations",
            },
        )
        token.raise_for_status()
        self.headers = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "x-api-key": CLIENT_ID,
            "x-gw-ims-org-id": ORG_ID,
            "x-sandbox-name": SANDBOX,
        }

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, UPS + path, headers=self.headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    def _all(self, path: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.request("GET", path, params={"limit": 100, "start": len(items)})
            got = page.get(key) or []
            items.extend(got)
            if len(got) < 100:
                return items

    def ids(self, kind: str, t: Target) -> list[str]:
        """Ids of the objects case `t` may have written (by name, or by job target)."""
        if kind == "definition":
            found = self._all("/segment/definitions", "segments")
            return [d["id"] for d in found if d["name"] == t.name]
        if kind == "audience":
            return [d["id"] for d in self._all("/audiences", "children") if d["name"] == t.name]
        if kind == "schedule":
            found = self._all("/config/schedules", "children")
            return [d["id"] for d in found if d["name"] == t.name]
        if kind == "segment-job":
            found = self._all("/segment/jobs", "children")
            return [
                j["id"] for j in found if [s["segmentId"] for s in j["segments"]] == [t.segment_id]
            ]
        records = self.request("GET", "/export/jobs", params={"limit": 1000})["records"]
        return [str(j["id"]) for j in records if j["destination"]["datasetId"] == t.dataset]

    def jobs_by_status(self) -> dict[str, str]:
        found = self._all("/segment/jobs", "children")
        return {j["id"]: j["status"] for j in found}

    def create_definition(self, name: str) -> str:
        return str(
            self.request("POST", "/segment/definitions", json=_definition_body(Target(name)))["id"]
        )

    def start_evaluation(self, name: str) -> tuple[str, str]:
        """A new definition and the segment job evaluating it (an export needs members)."""
        sid = self.create_definition(name)
        return sid, self.request("POST", "/segment/jobs", json=[{"segmentId": sid}])["id"]

    def wait_job(self, job_id: str) -> None:
        for _ in range(400):
            status = self.request("GET", f"/segment/jobs/{job_id}")["status"]
            if status == "SUCCEEDED":
                return
            assert status in {"NEW", "PROCESSING"}, status
            time.sleep(0.05)
        raise AssertionError(f"segment job {job_id} did not finish")

    def clear_schedules(self) -> None:
        """A sandbox has one schedule of a type: each schedule case starts without one."""
        for s in self._all("/config/schedules", "children"):
            self.request("DELETE", f"/config/schedules/{s['id']}")


# -- counting ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """The suite's figures, printed as one line at the end (`pytest -s`, and the summary)."""

    cases: set[str] = field(default_factory=set)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    misreported: list[str] = field(default_factory=list)
    off_contract: list[str] = field(default_factory=list)
    messages: int = 0
    actionable: int = 0
    audit_lines: int = 0
    audit_good: int = 0
    checks: int = 0  # "how to check" steps of unknown outcomes, followed
    checks_ok: int = 0  # ... that ran and showed the object when it exists
    #: (case, claim, message) of every answer, written to $SEG_FAULTS_MESSAGES when set.
    samples: list[tuple[str, str, str]] = field(default_factory=list)

    def line(self) -> str:
        faults, kinds = len(FAULTS), len(WRITES)
        pct = 100.0 * self.actionable / self.messages if self.messages else 100.0
        clients = {c.split(":")[0] for c in self.cases}
        return (
            f"fault suite: {faults} faults x {kinds} write kinds x {len(clients)} clients = "
            f"{len(self.cases)} cases; objects lost {len(self.lost)}, duplicated "
            f"{len(self.duplicated)}, misreported {len(self.misreported)}; messages actionable "
            f"{self.actionable}/{self.messages} ({pct:.0f}%); claims off contract "
            f"{len(self.off_contract)}; suggested checks that work {self.checks_ok}/{self.checks}; "
            f"audit lines with an outcome {self.audit_good}/{self.audit_lines}"
        )

    def dump(self) -> None:
        path = os.environ.get("SEG_FAULTS_MESSAGES")
        if path:
            Path(path).write_text(json.dumps(self.samples, indent=1))


TALLY = Tally()
