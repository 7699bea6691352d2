#!/usr/bin/python3
"""Validates YAML files against a JSON Schema (draft-07), as an editor would.

    scripts/lib/validate-yaml.py SCHEMA FILE...

Prints one line per file, `ok FILE` or `invalid FILE: MESSAGE`. The tests use it
(Debian's python3-jsonschema and python3-yaml; scripts/test installs them) to check
that every shipped file validates and every bad configuration file is rejected.
"""
import json
import sys

import jsonschema
import yaml

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as file:
        document = yaml.safe_load(file)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    print(f"ok {path}" if not errors else f"invalid {path}: {errors[0].message}")
