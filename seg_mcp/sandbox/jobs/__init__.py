"""The sandbox's jobs: previews and estimates, segment jobs, export jobs, schedules.

`resume_jobs(svc)` and `scheduler_loop(svc)` are the service's hooks (see `service.job_hooks`):
the first resumes or fails the jobs a previous process left in flight, the second starts the
jobs of due schedules while the sandbox serves.
"""

from __future__ import annotations

from seg_mcp.sandbox.jobs.resume import resume_jobs
from seg_mcp.sandbox.jobs.scheduler import scheduler_loop

__all__ = ["resume_jobs", "scheduler_loop"]
