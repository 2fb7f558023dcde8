"""The sandbox's jobs: previews and estimates, segment jobs, export jobs, schedules.

Every job function takes a `JobContext` (`jobs.context`: store, settings, runner, pace), never
the service. `resume_jobs(jobs)` and `scheduler_loop(jobs)` are what the service runs on start:
the first resumes or fails the jobs a previous process left in flight, the second starts the
jobs of due schedules while the sandbox serves.
"""

from __future__ import annotations

from seg_mcp.sandbox.jobs.resume import resume_jobs
from seg_mcp.sandbox.jobs.scheduler import scheduler_loop

__all__ = ["resume_jobs", "scheduler_loop"]
