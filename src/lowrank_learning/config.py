"""Loading and validating the pipeline configuration.

The JSON schema (``workflow/schemas/config.schema.yaml``) is the single
source of truth for keys, types, ranges and defaults. Validation fills in
defaults and turns the first violation into one sentence that names the
config key, the offending value and what to do about it. A few checks that
a schema cannot express (t_max a multiple of dt, phases naming defined
tasks) run afterwards.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

from .protocol import build_protocol
from .tasks import n_steps

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"
)


class ConfigError(ValueError):
    """A configuration value is missing, unknown or out of range."""


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


def load_schema(path=SCHEMA_PATH) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def _key(path) -> str:
    parts = []
    for p in path:
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts).lstrip(".") or "<top level>"


def _message(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        where = f"under {key}" if error.absolute_path else "at the top level"
        hint = f"known keys: {known}" if known else "names are free here"
        return (
            f"config key(s) {extra} {where} are not recognised ({hint}); "
            "remove or rename them"
        )
    if error.validator == "required":
        return f"config {key} misses a required key: {error.message}; add it"
    description = " ".join(str(error.schema.get("description", "")).split())
    hint = f" ({description})" if description else ""
    return (
        f"config key {key} = {error.instance!r} is invalid: {error.message}{hint}; "
        "fix the value in your config file"
    )


def validate(config: dict, schema: dict | None = None) -> dict:
    """Validate ``config`` in place, filling defaults; return it.

    Raises:
        ConfigError: with a message naming the key, the value and the fix.
    """
    schema = load_schema() if schema is None else schema
    errors = sorted(
        _Validator(schema).iter_errors(config),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        # Default-filling happens during validation, so the first error in
        # path order is the most specific root cause.
        raise ConfigError(_message(errors[0]))
    for name, exp in config.get("experiments", {}).items():
        try:
            n_steps(exp["t_max"], exp["dt"])
            if exp["train"].get("probe_t_max"):
                n_steps(exp["train"]["probe_t_max"], exp["dt"])
            build_protocol(exp)
        except ValueError as err:
            raise ConfigError(f"config experiments.{name}: {err}") from None
    return config


def load(path, overrides: dict | None = None) -> dict:
    """Read a YAML config file, apply overrides, validate and fill defaults."""
    with open(path) as fh:
        config = yaml.safe_load(fh) or {}
    if overrides:
        config.update(overrides)
    return validate(config)
