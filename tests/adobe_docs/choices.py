"""The conformance suite's decisions, for the closing note of issue 15: where Adobe's documents
disagree (`CHOICES`), which documented fields the local sandbox does not give and why
(`ABSENT`), and which documented samples it answers otherwise on purpose (`DEVIATIONS`)."""

from __future__ import annotations

from typing import Any

#: Where Adobe's documents disagree (reference §13): operation, the question, what the
#: documents say, what the sandbox does, and the statuses or values this suite accepts.
CHOICES: list[dict[str, Any]] = [
    {
        "operation": "createAudience, updateAudience, patchAudience",
        "question": "success status",
        "documents": "guide 200, spec 201",
        "sandbox": "200 (the guide)",
        "accepted": [200],
        "client": "seg_mcp.aep accepts any 2xx",
    },
    {
        "operation": "deleteSegmentJob",
        "question": "body of the 204",
        "documents": "guide: 204 with {status, message}; spec: 204 no content",
        "sandbox": "204, no body, for a running job (cancelled) and a finished one (deleted)",
        "accepted": [204],
    },
    {
        "operation": "cancelExportJob",
        "question": "success status",
        "documents": "older guide and spec 200 {status, message}; newer guide 204",
        "sandbox": "200 with {status, message}",
        "accepted": [200, 204],
    },
    {
        "operation": "deleteSegmentDefinition",
        "question": "body",
        "documents": "guide: 200 with no message; spec: 200 MessageResponse",
        "sandbox": "200 with {status, message}",
        "accepted": [200],
    },
    {
        "operation": "createSegmentJob",
        "question": "status right after creation",
        "documents": "guide text NEW, examples PROCESSING",
        "sandbox": "NEW (then PROCESSING, SUCCEEDED)",
        "accepted": ["NEW", "QUEUED", "PROCESSING", "SUCCEEDED"],
    },
    {
        "operation": "createSegmentJob",
        "question": "metrics at creation",
        "documents": "create example shows finished counters and end times; get example of a "
        "running job shows {totalTime: {startTimeInMs}, profileSegmentationTime: {}}",
        "sandbox": "every documented metric key; counters empty and end times absent until the "
        "job has run",
        "accepted": "keys as the create example, times as the get example",
    },
    {
        "operation": "createExportJob",
        "question": "the job in the create answer",
        "documents": "older guide: a finished job (SUCCEEDED, end times, pushJob); newer guide: "
        "NEW, metrics {totalTime: {startTimeInMs}}, computeGatewayJobId {exportJob}",
        "sandbox": "the newer guide's: NEW, no end time yet",
        "accepted": "keys of either; end times once finished",
    },
    {
        "operation": "createAudience, updateAudience",
        "question": "type of an external audience",
        "documents": "guides ExternalSegment, spec enum ExternalAudience",
        "sandbox": "stores and answers what was sent",
        "accepted": ["ExternalSegment", "ExternalAudience"],
    },
    {
        "operation": "createAudience",
        "question": "namespace case",
        "documents": "guide sends aam, the field's description lists AAM",
        "sandbox": "case-insensitive; answers the value sent",
        "accepted": ["aam", "AAM"],
    },
    {
        "operation": "listFullTextIndexedObjects",
        "question": "schema parameter name",
        "documents": "guide schema.name, spec and Postman schemaClass",
        "sandbox": "either",
        "accepted": ["schema.name", "schemaClass"],
    },
    {
        "operation": "createSchedule",
        "question": "schedule required?",
        "documents": "guide optional (system-generated), spec required",
        "sandbox": "optional; a generated daily cron when absent",
        "accepted": "both",
    },
    {
        "operation": "updateSchedule",
        "question": "Content-Type",
        "documents": "guide's curl sends none; every other body operation sends application/json",
        "sandbox": "application/json required on every body operation (gateway 400 otherwise)",
        "accepted": "the suite sends application/json",
    },
    {
        "operation": "createSegmentDefinition",
        "question": "evaluationInfo left out",
        "documents": "definitions guide: created as batch; streaming guide: streaming-enabled "
        "automatically when the rule is eligible",
        "sandbox": "batch (the definitions guide); streaming or edge only when asked and eligible",
        "accepted": "either (types checked, not values)",
    },
    {
        "operation": "createSegmentDefinition, listSegmentDefinitions",
        "question": "is one event with no time window streaming/edge eligible?",
        "documents": "streaming and edge API guides: yes (their select ... from xEvent examples); "
        "the May 2025 methods guides: events must lie within 24 hours",
        "sandbox": "the newer rules (pql/analysis.py): such a rule asked for streaming or edge "
        "is created as batch",
        "accepted": "either (types checked, not values); seeds use a profile-only rule",
    },
    {
        "operation": "convertSegmentDefinition",
        "question": "Content-Type",
        "documents": "spec */*; guide application/json; Postman's request sends none; the "
        "troubleshooting guide: every POST/PUT/PATCH needs a valid one",
        "sandbox": "application/json required, as on every body operation (gateway 400)",
        "accepted": "application/json",
    },
    {
        "operation": "updateSchedule",
        "question": "method",
        "documents": "schedules guide and spec PATCH; the evaluate-a-segment tutorial POST",
        "sandbox": "PATCH (POST on a schedule is 405)",
        "accepted": ["PATCH"],
    },
    {
        "operation": "bulkGet*",
        "question": "id count limit",
        "documents": "example: 'Cannot be 0 or exceed 100'; spec prose: 'greater than 100 and "
        "less than 1000'",
        "sandbox": "1..100",
        "accepted": [400],
    },
    {
        "operation": "retrievePreview",
        "question": "result item shape",
        "documents": "guide {entityId: {_href, endCustomerIds}}; spec {objectId, _href, "
        "relatedObjects}",
        "sandbox": "the guide's",
        "accepted": "guide",
    },
    {
        "operation": "listExportJobs",
        "question": "offset",
        "documents": "spec: string cursor '<creationTimeMs>_<id>'; guide: the offset of pages",
        "sandbox": "the cursor, and 0 or empty for the first page",
        "accepted": ["0", "<cursor>"],
    },
    {
        "operation": "every list",
        "question": "empty next link",
        "documents": "segment jobs and schedules show _links {next: {}}; definitions link {}",
        "sandbox": "as each guide shows: _links.next always an object; link {} for definitions "
        "when on the last page",
        "accepted": "the guide's shape per operation",
    },
    {
        "operation": "timestamps",
        "question": "units",
        "documents": "examples mix ms, s and µs",
        "sandbox": "*Time ms, *Epoch s, baselineTime s",
        "accepted": "integers",
    },
]

#: Documented fields the local sandbox does not give, per operation ("*": every operation), as
#: dotted paths ("[]" for list items, "{}" for the values of a map keyed by id), with the reason.
_JOB_RUN_BY_API = "only on a job a schedule started (source scheduler); these ran by API"
_NOT_ENDED = "a job just created has not ended (CHOICES: metrics at creation)"
_SCHEDULED = {
    "properties.scheduleId": _JOB_RUN_BY_API,
    "properties.runId": _JOB_RUN_BY_API,
}
_EXPORT = {
    "destination.batches": "only with segmentPerBatch true (this example shows batchId too)",
    "errors": "only on a failed job",
}
ABSENT: dict[str, dict[str, str]] = {
    "*": {},
    "createSegmentJob": {
        **_SCHEDULED,
        "metrics.totalTime.endTimeInMs": _NOT_ENDED,
        "metrics.totalTime.totalTimeInMs": _NOT_ENDED,
        "metrics.profileSegmentationTime.startTimeInMs": _NOT_ENDED,
        "metrics.profileSegmentationTime.endTimeInMs": _NOT_ENDED,
        "metrics.profileSegmentationTime.totalTimeInMs": _NOT_ENDED,
    },
    "retrieveSegmentJob": _SCHEDULED,
    "listSegmentJobs": {f"children[].{k}": v for k, v in _SCHEDULED.items()},
    "createExportJob": {
        **_EXPORT,
        "destination.dataSetId": "the tutorial spells dataSetId; the guide, and the sandbox, "
        "datasetId",
        "metrics.totalTime.endTimeInMs": _NOT_ENDED,
        "metrics.totalTime.totalTimeInMs": _NOT_ENDED,
        "metrics.profileExportTime": _NOT_ENDED,
        "metrics.aCPDatasetWriteTime": _NOT_ENDED,
        "computeGatewayJobId.pushJob": _NOT_ENDED,
    },
    "retrieveExportJob": {
        **_EXPORT,
        "destination.dataSetId": "the segmentPerBatch example spells dataSetId; every other "
        "example, and the sandbox, datasetId",
    },
    "listExportJobs": {f"records[].{k}": v for k, v in _EXPORT.items()},
    "listAudiences": {
        "children[].definedOn[].meta: resourceType": "the list example's typo (the get example "
        "and the sandbox: meta:resourceType)",
        "children[].definedOn[].meta: containerId": "the list example's typo (meta:containerId)",
    },
    "bulkGetAudiences": {
        "results{}.ansibleUiEnabled": "an internal UI flag shown in this example only",
        "results{}.state": "an internal flag shown in this example only",
        "results{}.saveSegmentMembership": "shown in this example only, undocumented",
        "results{}.sourceId": "a field of Audience Orchestration audiences, which the sandbox "
        "does not make",
        "results{}.linkedAudienceRef.aoWorkflowId": "the seed links a dataflow (flowId), the "
        "example an Orchestration workflow",
    },
}
#: Samples the sandbox answers otherwise on purpose: sample id -> (status, text the answer
#: contains, why).
DEVIATIONS: dict[str, tuple[int, str, str]] = {
    "createSegmentDefinition:create, pql/json": (
        400,
        "unknown profile field `a`",
        "the guide's pql/json tab compares made-up fields a and b; the sandbox checks every field "
        "against the sandbox's XDM schema and names the unknown ones",
    ),
}
