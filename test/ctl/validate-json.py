#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""validate-json.py SCHEMA [FILE]: check a JSON document (FILE or stdin) against the
subset of JSON Schema that helpers/ctl/status.schema.json uses: type (one or a list),
const, required, properties, items, minimum, $ref to #/$defs/..., allOf, not, if/then.
Unknown members are allowed (the schema only ever grows). Prints each violation with
its JSON path; exit 1 if there is any. No jsonschema package needed."""
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
HANDLED = {"type", "const", "required", "properties", "items", "minimum", "$ref", "allOf", "not",
           "if", "then", "$schema", "$id", "title", "description", "$defs"}


def resolve(root, ref):
    assert ref.startswith("#/"), ref
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def validate(root, schema, value, path, errors):
    unknown = set(schema) - HANDLED
    if unknown:
        errors.append(f"{path}: schema uses unsupported keywords {sorted(unknown)}")
    if "$ref" in schema:
        validate(root, resolve(root, schema["$ref"]), value, path, errors)
    for sub in schema.get("allOf", []):
        validate(root, sub, value, path, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            errors.append(f"{path}: {json.dumps(value)[:60]} is not of type {'/'.join(types)}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} != {schema['const']!r}")
    if "minimum" in schema and TYPES["number"](value) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if "not" in schema:
        e = []
        validate(root, schema["not"], value, path, e)
        if not e:
            errors.append(f"{path}: matches a 'not' schema")
    if "if" in schema:
        e = []
        validate(root, schema["if"], value, path, e)
        if not e and "then" in schema:
            validate(root, schema["then"], value, path, errors)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing member '{key}'")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                validate(root, sub, value[key], f"{path}.{key}", errors)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(root, schema["items"], item, f"{path}[{i}]", errors)


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    doc = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
    errors = []
    validate(schema, schema, doc, "$", errors)
    for e in errors:
        print(e)
    if not errors:
        print("valid")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
