"""`JobContext`: what a job uses of the sandbox, and nothing else.

A job reads and writes the store (objects, data tables, the sandbox clock `store.now(info)`),
reads its settings (steps, limits, the data folder), starts and cancels background work on the
runner, and waits between two progress steps (`pace`). The service builds one context when it
opens (`SandboxService.jobs`); routes hand it to the jobs they start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from seg_mcp.sandbox.runner import JobRunner
from seg_mcp.sandbox.settings import SandboxSettings
from seg_mcp.sandbox.store import Store

Pace = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class JobContext:
    store: Store
    settings: SandboxSettings
    runner: JobRunner
    #: Wait between two progress steps of a job (settings.job_step_seconds, or a test's stepper).
    pace: Pace
    #: Whether a job's intermediate steps can be seen (there is a wait between them); when not,
    #: a job stores its result without them.
    watched: bool = True
