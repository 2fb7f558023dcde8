"""The DuckDB database file: one connection, one cursor per unit of work, run in worker threads.

DuckDB (2.0) wants one cursor per thread and raises on concurrent writes to the same rows, so:
reads run on their own cursor in a worker thread; writes also take a process-wide lock and run in
one transaction (all or nothing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import duckdb

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


class Database:
    def __init__(self, path: Path | str, *, threads: int = 2, memory_limit: str = "2GB") -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(
            str(path),
            config={"threads": threads, "memory_limit": memory_limit},
        )
        self._write_lock = threading.RLock()
        self._closed = False

    def close(self) -> None:
        with self._write_lock:
            if not self._closed:
                self._closed = True
                self._con.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- synchronous (call from worker threads or the CLI) ------------------------------------

    def read(self, fn: Callable[..., T], *args: Any) -> T:
        cur = self._con.cursor()
        try:
            return fn(cur, *args)
        finally:
            cur.close()

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(cursor, *args)` in one transaction under the write lock."""
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    result = fn(cur, *args)
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
                return result
            finally:
                cur.close()

    # -- asynchronous (from request handlers and background jobs) -----------------------------

    async def aread(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(partial(self.read, fn, *args))

    async def awrite(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(partial(self.write, fn, *args))
