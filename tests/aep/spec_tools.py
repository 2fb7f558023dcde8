"""Read Adobe's OpenAPI spec: operations, parameters, examples (given or built from the schema)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (repeatedly)."""
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def inline(spec: dict[str, Any], node: Any) -> Any:
    """A copy of `node` with every `$ref` replaced by its target (for jsonschema).

    `oneOf` becomes `anyOf`: the spec's alternatives (e.g. UpdateAudienceName / UpdateAudiencePQL)
    are open objects that do not exclude each other, so its own examples match several.
    """
    node = resolve(spec, node)
    if isinstance(node, dict):
        return {
            ("anyOf" if k == "oneOf" else k): inline(spec, v)
            for k, v in node.items()
            if k not in {"example", "examples"}
        }
    if isinstance(node, list):
        return [inline(spec, v) for v in node]
    return node


_SCALAR_DEFAULTS = {"string": "string-value", "integer": 7, "number": 1.5, "boolean": True}


def synthesize(spec: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """An instance built from the schema's own `example` values (types where none is given)."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 12:
        return None
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return synthesize(spec, schema[key][0], depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(synthesize(spec, part, depth + 1) or {})
        return merged
    kind = schema.get("type")
    if kind == "array":
        return [synthesize(spec, schema.get("items", {}), depth + 1)]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        out = {name: synthesize(spec, sub, depth + 1) for name, sub in props.items()}
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict):
            out["key-1"] = synthesize(spec, extra, depth + 1)
        return out
    if "enum" in schema:
        return schema["enum"][0]
    return _SCALAR_DEFAULTS.get(kind or "")


@dataclass
class SpecOperation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, Any]
    spec: dict[str, Any]

    def params(self, location: str) -> list[dict[str, Any]]:
        out = []
        for p in self.raw.get("parameters", []):
            p = resolve(self.spec, p)
            if p.get("in") == location:
                out.append(p)
        return out

    def example_value(self, param: dict[str, Any]) -> Any:
        schema = resolve(self.spec, param.get("schema", {}))
        if "example" in param:
            return param["example"]
        if "example" in schema:
            return schema["example"]
        if schema.get("type") in {"integer", "number"}:
            return 7
        if "enum" in schema:
            return schema["enum"][0]
        return f"{param['name'].lower()}-value"

    def request_schema(self) -> Any:
        body = self.raw.get("requestBody")
        if not body:
            return None
        content = next(iter(body["content"].values()))
        return content.get("schema")

    def request_examples(self) -> list[tuple[str, Any]]:
        """(name, example) pairs; one synthesized from the schema when the spec gives none."""
        body = self.raw.get("requestBody")
        if not body:
            return []
        content = next(iter(body["content"].values()))
        examples = [
            (name, resolve(self.spec, ex)["value"])
            for name, ex in (content.get("examples") or {}).items()
        ]
        if "example" in content:
            examples.append(("example", content["example"]))
        if not examples:
            examples.append(("from schema", synthesize(self.spec, content.get("schema", {}))))
        return examples

    def responses(self) -> list[tuple[int, str, Any]]:
        """(status, name, body) for every documented response; body None when there is none."""
        out = []
        for status, response in self.raw.get("responses", {}).items():
            status = int(status)
            content = (response or {}).get("content") or {}
            media = content.get("application/json")
            if not media:
                out.append((status, "no content", None))
                continue
            named = [
                (name, resolve(self.spec, ex)["value"])
                for name, ex in (media.get("examples") or {}).items()
            ]
            if "example" in media:
                named.append(("example", media["example"]))
            schema = resolve(self.spec, media.get("schema") or {})
            if (
                not named
                and 200 <= status < 300
                and (schema.get("properties") or "$ref" in (media.get("schema") or {}))
            ):
                named.append(("from schema", synthesize(self.spec, media["schema"])))
            if not named:
                out.append((status, "no example", None))
            out.extend((status, name, body) for name, body in named)
        return out


def spec_operations(spec: dict[str, Any]) -> dict[str, SpecOperation]:
    ops: dict[str, SpecOperation] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                raw = item[method]
                ops[raw["operationId"]] = SpecOperation(
                    raw["operationId"], method.upper(), path, raw, spec
                )
    return ops


def scalar_equivalent(expected: Any, actual: Any) -> bool:
    """Same value, allowing the lax coercions the models apply ("3" -> 3, "true" -> True,
    100.0 -> 100, 8.0000018E7 -> "80000018.0")."""
    if expected == actual and type(expected) is type(actual):
        return True
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).lower() == str(actual).lower()
    try:
        return float(expected) == float(actual)
    except (TypeError, ValueError):
        return False


def assert_preserved(expected: Any, actual: Any, where: str = "$") -> None:
    """Every key and value of `expected` is in `actual`, and nothing else."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        assert set(expected) == set(actual), (
            f"{where}: lost {sorted(set(expected) - set(actual))}, "
            f"added {sorted(set(actual) - set(expected))}"
        )
        for key, value in expected.items():
            assert_preserved(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_preserved(e, a, f"{where}[{i}]")
    else:
        assert scalar_equivalent(expected, actual), f"{where}: {expected!r} became {actual!r}"
