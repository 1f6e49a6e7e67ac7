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
    if "finite_size" in config:
        derived = finite_size_experiments(config)
        clash = sorted(set(derived) & set(config["experiments"]))
        if clash:
            raise ConfigError(
                f"experiment name(s) {clash} are reserved for the finite-N "
                "check; rename them"
            )
    for name, exp in config.get("experiments", {}).items():
        try:
            n_steps(exp["t_max"], exp["dt"])
            if exp["train"].get("probe_t_max"):
                n_steps(exp["train"]["probe_t_max"], exp["dt"])
            build_protocol(exp)
        except ValueError as err:
            raise ConfigError(f"config experiments.{name}: {err}") from None
    return config


def finite_size_name(n_neurons: int, seed: int) -> str:
    """Experiment name of one run of the finite-N check."""
    return f"finite_size_N{n_neurons}_seed{seed}"


def finite_size_experiments(config: dict) -> dict[str, dict]:
    """The runs of the finite-N check as ordinary experiment configs.

    Each is the base experiment with N replaced, one phase of
    ``finite_size.epochs`` epochs, its own name (hence its own initial
    vectors and trials), one theory method, short probes and a single
    final snapshot.

    Raises:
        ConfigError: if the base experiment does not exist or has more than
            one phase.
    """
    fs = config["finite_size"]
    base_name = fs["base"]
    if not base_name:
        return {}
    if base_name not in config["experiments"]:
        raise ConfigError(
            f"config key finite_size.base = {base_name!r} names no experiment "
            f"(defined: {sorted(config['experiments'])}); fix the name"
        )
    base = config["experiments"][base_name]
    if len(base["phases"]) != 1:
        raise ConfigError(
            f"config key finite_size.base = {base_name!r} has "
            f"{len(base['phases'])} phases; the finite-N check needs a "
            "single-phase experiment"
        )
    runs = {}
    for n in fs["N"]:
        for seed in range(fs["seeds"]):
            exp = copy.deepcopy(base)
            exp["description"] = f"finite-N check: {base_name} at N = {n}, seed {seed}"
            exp["network"].update(N=n, init_key="")
            exp["phases"][0]["epochs"] = fs["epochs"]
            exp["train"].update(snapshot_stride=fs["epochs"], probe_t_max=None)
            exp["theory"]["methods"] = [fs["method"]]
            runs[finite_size_name(n, seed)] = exp
    return runs


def load(path, overrides: dict | None = None) -> dict:
    """Read a YAML config file, apply overrides, validate and fill defaults."""
    with open(path) as fh:
        config = yaml.safe_load(fh) or {}
    if overrides:
        config.update(overrides)
    return validate(config)
