"""Request bodies checked against Discord's published OpenAPI spec (``spec/discord-openapi.json``).

``SpecValidator.check(method, path, body)`` finds the spec operation for the request (method
plus path template, literal segments such as ``@me`` preferred over ``{param}`` ones) and
validates the JSON body against that operation's ``requestBody`` schema with ``jsonschema``
(OpenAPI 3.1 schemas are JSON Schema 2020-12). It returns Discord's ``errors`` object for a
400 Invalid Form Body (code 50035), or None when the body is valid or the operation takes none.

The leniencies Discord documents for its spec apply: ``oneOf`` means "one of these formats"
(validated as ``anyOf``), a snowflake may be a JSON integer (discord.py sends them so), an
int-parseable string is accepted where an integer is expected, and ``format`` is informative.
Multipart requests are checked through their ``payload_json`` part against the JSON schema.

Validators are built once per operation, on first use, and the parsed spec is shared by every
emulator in the process.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema
import jsonschema.exceptions
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from emulator.models import JSON

SPEC_URI = "urn:discord-openapi"
_INT_STRING = "^-?[0-9]+$"
_METHODS = ("get", "put", "post", "patch", "delete")

#: jsonschema keyword -> Discord's error code in an Invalid Form Body answer.
_CODES = {
    "required": "BASE_TYPE_REQUIRED",
    "type": "BASE_TYPE_INVALID",
    "maxLength": "BASE_TYPE_BAD_LENGTH",
    "minLength": "BASE_TYPE_BAD_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
}


def _lenient(node: Any) -> Any:
    """The spec with Discord's documented leniencies applied (see the module docstring)."""
    if isinstance(node, list):
        return [_lenient(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _lenient(v) for k, v in node.items()}
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    kind = out.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
    if out.get("format") == "snowflake":
        pattern = out.pop("pattern", None)
        out.pop("type", None)
        string: JSON = {"type": "string"}
        if pattern is not None:
            string["pattern"] = pattern
        out["anyOf"] = [string, {"type": "integer", "minimum": 0}]
    elif "integer" in kinds and "string" not in kinds:
        out["type"] = [*kinds, "string"]
        out["pattern"] = _INT_STRING
    return out


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literals: int
    pointer: str | None  # JSON pointer to the request body schema, None when it takes none


class SpecValidator:
    """Looks up spec operations by request and validates their JSON bodies."""

    def __init__(self, spec: JSON) -> None:
        lenient = _lenient(spec)
        resource = Resource.from_contents(lenient, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._operations: dict[str, list[Operation]] = {m.upper(): [] for m in _METHODS}
        for template, item in spec.get("paths", {}).items():
            regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
            literals = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            for method in _METHODS:
                op = item.get(method)
                if op is None:
                    continue
                content = (op.get("requestBody") or {}).get("content") or {}
                kind = next(
                    (k for k in ("application/json", "multipart/form-data") if k in content), None
                )
                pointer = None
                if kind is not None:
                    parts = ["paths", template, method, "requestBody", "content", kind, "schema"]
                    pointer = "/" + "/".join(
                        urllib.parse.quote(p.replace("~", "~0").replace("/", "~1"), safe="~")
                        for p in parts
                    )
                self._operations[method.upper()].append(
                    Operation(method.upper(), template, re.compile(f"^{regex}$"), literals, pointer)
                )
        for ops in self._operations.values():
            ops.sort(key=lambda o: -o.literals)
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        """The spec operation for ``method path`` (a concrete path, without ``/api/v10``)."""
        for op in self._operations.get(method.upper(), []):
            if op.pattern.match(path):
                return op
        return None

    def _validator(self, pointer: str) -> jsonschema.protocols.Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = jsonschema.Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self._registry
            )
            self._validators[pointer] = validator
        return validator

    def check(self, method: str, path: str, body: Any) -> JSON | None:
        """Discord's ``errors`` object if ``body`` breaks the spec, else None."""
        op = self.operation(method, path)
        if op is None or op.pointer is None or body is None:
            return None
        found = list(self._validator(op.pointer).iter_errors(body))
        if not found:
            return None
        errors: JSON = {}
        for error in found[:10]:
            _add_error(errors, _most_specific(error))
        return errors


def _most_specific(
    error: jsonschema.exceptions.ValidationError,
) -> jsonschema.exceptions.ValidationError:
    """For "none of these formats" errors, the error inside the format the body meant: the
    branch whose discriminator (a ``type``/``entity_type`` const or enum) the body matched,
    and of those the one with the fewest errors."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[object, list[jsonschema.exceptions.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [
            errs
            for errs in branches.values()
            if not any(len(e.relative_path) == 1 and e.validator in ("const", "enum") for e in errs)
        ]
        chosen = min(meant or list(branches.values()), key=len)
        error = jsonschema.exceptions.best_match(chosen) or chosen[0]
    return error


def _add_error(errors: JSON, error: jsonschema.exceptions.ValidationError) -> None:
    where = [str(p) for p in error.absolute_path]
    required = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict):
        assert isinstance(required, list)
        missing = next((k for k in required if k not in error.instance), None)
        if missing is not None:
            where.append(str(missing))
    node = errors
    for key in where:
        node = node.setdefault(key, {})
    code = _CODES.get(str(error.validator), "BASE_TYPE_INVALID")
    message = "This field is required" if code == "BASE_TYPE_REQUIRED" else error.message
    node.setdefault("_errors", []).append({"code": code, "message": message[:300]})


@functools.cache
def default_validator() -> SpecValidator:
    """The validator for the bundled spec, built once per process."""
    text = resources.files("emulator").joinpath("spec/discord-openapi.json").read_text("utf-8")
    return SpecValidator(json.loads(text))
