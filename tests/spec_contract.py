"""The API contract the tests check against: `contract/segmentation.json`, derived from Adobe's
published Segmentation Service OpenAPI spec by `scripts/derive_contract.py` (machine-readable
parts only). Importable from every test folder (pytest puts `tests/` on sys.path)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "contract" / "segmentation.json"


@cache
def _text() -> str:
    return CONTRACT_PATH.read_text(encoding="utf-8")


def load_contract() -> dict[str, Any]:
    """A fresh copy of the contract (callers may change it)."""
    return json.loads(_text())  # type: ignore[no-any-return]


def operation_ids() -> set[str]:
    return {
        op["operationId"]
        for path in load_contract()["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
