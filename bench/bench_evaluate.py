"""Median latency of engine.count() on a generated sandbox (default 1M profiles / 10M events).

    .venv/bin/python bench/bench_evaluate.py [--profiles N] [--events-per-profile K]
        [--cache PATH | env SEG_BENCH_CACHE] [--runs R] [--threads T] [--shapes]

The dataset is generated with seg_mcp.sandbox.generate into a DuckDB file (a temporary one,
removed at the end, unless a cache path is given: then it is reused when it already holds a dataset
of the asked size). Prints the generation time, then for each query the median and min of R warm
runs of count() (compile + introspection + execution), with --shapes one run of each of SHAPES,
and the machine's load average.
Targets (issue 4): profile + event under 100 ms, chain under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from seg_mcp.pql import ast as a
from seg_mcp.pql import parser
from seg_mcp.sandbox import engine, generate, xdm
from seg_mcp.sandbox.store import SandboxInfo

NOW = datetime(2026, 11, 1)
SCHEMA = "bench"
QUERIES = {
    "profile-only": 'homeAddress.city = "Paris" and loyalty.tier in ["gold", "platinum"]',
    "profile + event": (
        'homeAddress.city = "Paris" and select e from xEvent where '
        'e.eventType = "commerce.purchases" and e.timestamp occurs <= 30 days before now '
        "and e.commerce.order.priceTotal > 100"
    ),
    "event aggregate": (
        'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 90 days before now]'
        ".sum(commerce.order.priceTotal) > 1000"
    ),
    "chain": (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds"), '
        'B: WHAT(eventType = "commerce.purchases") WHEN(<= 7 days after A)])'
    ),
}

#: More shapes assistants write (--shapes): each once slow in some way; none should be now.
SHAPES = {
    "event count": 'xEvent[eventType = "commerce.purchases"].count() > 3',
    "forall": 'forall X from xEvent where X.eventType != "commerce.purchases"',
    "not event": 'not(xEvent[eventType = "commerce.purchases"])',
    "max timestamp": "xEvent.timestamp.max() occurs <= 3 days before now",
    "item projection": 'xEvent.productListItems.SKU = "GLV-TREK-01"',
    "item intersects": 'xEvent.productListItems.SKU.intersects(["GLV-TREK-01", "CC"])',
    "item filter": "xEvent[productListItems[priceTotal > 100]]",
    "item sum": "xEvent.productListItems.priceTotal.sum() > 1000",
    "^ in event": "xEvent[commerce.order.priceTotal > ^.loyalty.points / 10]",
    "^^ in item": "xEvent[productListItems[priceTotal > ^^.loyalty.points / 10]]",
    "chain, 3 steps": (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productViews"), '
        'B: WHAT(eventType = "commerce.productListAdds") WHEN(<= 1 days after A), '
        'C: WHAT(eventType = "commerce.purchases") WHEN(<= 7 days after B)])'
    ),
    "chain COUNT(3)": (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "web.webpagedetails.pageViews") '
        'COUNT(3), B: WHAT(eventType = "commerce.purchases")])'
    ),
    "chain with ^": (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productListAdds" and '
        '^.loyalty.tier = "gold"), B: WHAT(eventType = "commerce.purchases") '
        "WHEN(<= 7 days after A)])"
    ),
    "two declarations": (
        'select A from xEvent, B from xEvent where A.eventType = "commerce.productViews" '
        'and B.eventType = "commerce.purchases" and B.timestamp > A.timestamp'
    ),
    "topN of purchases": (
        'xEvent[eventType = "commerce.purchases"].topN(commerce.order.priceTotal, 3)'
        ".sum(commerce.order.priceTotal) > 500"
    ),
    "head of events": (
        'xEvent[eventType = "commerce.purchases"].head().commerce.order.priceTotal > 100'
    ),
}


def parse(text: str) -> a.Query:
    built = parser.build(parser.lark_parser().parse(text))
    return built[0] if isinstance(built, tuple) else built  # the builder also returns problems


def prepare(
    path: Path, profiles: int, per_profile: float, threads: int
) -> tuple[duckdb.DuckDBPyConnection, float | None]:
    con = duckdb.connect(str(path), config={"threads": threads, "memory_limit": "8GB"})
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {xdm.quote_ident(SCHEMA)}")
    for ddl in xdm.data_tables_ddl(SCHEMA):
        con.execute(ddl)
    have = con.execute(f"SELECT count(*) FROM {xdm.qualified(SCHEMA, 'profiles')}").fetchone()
    if have and have[0] == profiles:
        return con, None
    start = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    generate.generate(
        con, SCHEMA, profiles=profiles, seed=7, anchor=NOW, events_per_profile=per_profile
    )
    con.execute("COMMIT")
    return con, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=1_000_000)
    ap.add_argument("--events-per-profile", type=float, default=10.0)
    ap.add_argument("--cache", default=os.environ.get("SEG_BENCH_CACHE"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shapes", action="store_true", help="also time the SHAPES, once each")
    args = ap.parse_args(argv)

    tmp = None
    if args.cache:
        path = Path(args.cache)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="seg-bench-")
        path = Path(tmp.name) / "dataset.duckdb"  # not "bench": the catalog would shadow the schema
    con, took = prepare(path, args.profiles, args.events_per_profile, args.threads)
    counts = con.execute(
        f"SELECT (SELECT count(*) FROM {xdm.qualified(SCHEMA, 'profiles')}), "
        f"(SELECT count(*) FROM {xdm.qualified(SCHEMA, 'experience_events')})"
    ).fetchone()
    assert counts is not None
    print(f"python {sys.version.split()[0]}, duckdb {duckdb.__version__}, threads={args.threads}")
    print(f"dataset: {counts[0]:,} profiles, {counts[1]:,} events in {path}")
    if took is None:
        print("generation: reused the cached dataset")
    else:
        print(f"generation: {took:.1f} s")
    info = SandboxInfo(
        org="bench",
        name="bench",
        sandbox_id="bench",
        title="bench",
        type="development",
        is_default=True,
        schema=SCHEMA,
        clock=NOW,
        created_ms=0,
        has_data=True,
    )
    for label, text in QUERIES.items():
        query = parse(text)
        cur = con.cursor()
        result = engine.count(cur, info, query, now=NOW)  # warm-up
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            engine.count(cur, info, query, now=NOW)
            times.append(time.perf_counter() - start)
        cur.close()
        median, best = statistics.median(times) * 1000, min(times) * 1000
        print(f"{label:16} count={result:>9,}  median {median:8.1f} ms  min {best:8.1f} ms")
    for label, text in SHAPES.items() if args.shapes else ():
        cur = con.cursor()
        start = time.perf_counter()
        result = engine.count(cur, info, parse(text), now=NOW)
        took = (time.perf_counter() - start) * 1000
        cur.close()
        print(f"{label:18} count={result:>9,}  once   {took:8.1f} ms")
    load = os.getloadavg()
    print(
        f"load average (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        f"on {os.cpu_count()} cpus",
    )
    con.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
