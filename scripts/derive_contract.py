"""Derive seg-mcp's API contract from a copy of Adobe's Segmentation Service OpenAPI spec.

    python scripts/derive_contract.py path/to/segmentation.yaml [-o contract/segmentation.json]

Keeps the machine-readable parts only: operation ids, methods, paths, parameters, request and
response schemas and examples. Drops Adobe's prose (descriptions, summaries, titles of schemas,
tag texts, external docs). Example values are kept whole: they are data, not prose. The output is
JSON, sorted, so a regenerated contract diffs cleanly. Needs PyYAML (a dependency of the test
extra's schemathesis).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

PROSE = frozenset({"description", "summary", "x-summary", "title", "externalDocs"})
#: Values under these keys are data (examples, defaults, enums): copied as they are.
DATA = frozenset({"example", "examples", "default", "enum"})
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "contract" / "segmentation.json"


class _JsonLikeLoader(yaml.SafeLoader):
    """YAML as the JSON the service speaks: timestamps stay strings."""


_JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def strip(node: Any, *, names: bool = False) -> Any:
    """`node` without prose keys. `names`: the keys of this mapping are names the API defines
    (schema properties, paths, status codes), never prose keys, so none is dropped here."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        key = str(key)  # YAML reads status codes such as 200 as numbers
        if not names and key in PROSE:
            continue
        if key == "examples" and isinstance(value, dict):
            out[key] = {str(name): _example(ex) for name, ex in value.items()}
        elif key in DATA:
            out[key] = _as_json(value)
        else:
            out[key] = strip(value, names=key in ("properties", "paths", "responses", "schemas"))
    return out


def _example(example: Any) -> Any:
    """An OpenAPI Example object without its prose: its `value` (or `$ref`) whole."""
    if isinstance(example, dict) and ("value" in example or "$ref" in example):
        return {k: _as_json(v) for k, v in example.items() if k in ("value", "$ref")}
    return _as_json(example)


def _as_json(value: Any) -> Any:
    """Data as JSON holds it: mapping keys are strings (YAML reads `200:` as a number)."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    contract = strip({k: v for k, v in spec.items() if k not in ("info", "tags")})
    info = spec.get("info", {})
    contract["info"] = {
        "title": info.get("title", ""),
        "version": str(info.get("version", "")),
        "x-derived-from": "Adobe's published Segmentation Service OpenAPI spec (prose removed)",
    }
    contract["tags"] = [{"name": t["name"]} for t in spec.get("tags", [])]
    return contract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="Adobe's segmentation.yaml")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    spec = yaml.load(args.spec.read_text(encoding="utf-8"), Loader=_JsonLikeLoader)
    text = json.dumps(derive(spec), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text):,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
