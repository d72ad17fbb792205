"""The pipeline's configuration (config.yaml) checked once, up front: one line naming the first bad key.

:func:`validate_config` is what the Snakefile calls in place of Snakemake's ``validate``. It

1. coerces the strings Snakemake hands over for nested command-line overrides (``--config
   "simulate={tstop_ms: 200}"`` arrives as ``{"tstop_ms": "200"}``) as YAML would read them, wherever the
   schema does not take a string (``"null"`` and ``"~"`` become null where null is allowed);
2. fills in the schema's defaults;
3. refuses NaN and infinite numbers anywhere, then checks the schema (``schemas/config.schema.yaml``);
4. checks what one key cannot say alone: a run of whole time steps, a gray screen shorter than its trial,
   windows that start before the run ends, a built-in column with a cell in every class.

Every failure is a :class:`~v1sim.errors.V1SimInputError` whose message is one line, e.g.
``config.yaml: simulate.dt_ms: -1 is not > 0``.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from v1sim.errors import V1SimInputError

#: The schema beside the package in a checkout (the Snakefile passes its own path).
DEFAULT_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
#: Command-line spellings of null (Snakemake hands every nested value over as a string).
NULL_STRINGS = ("null", "Null", "NULL", "~")


def load_schema(path: str | Path = DEFAULT_SCHEMA) -> dict[str, Any]:
    """The configuration schema (YAML)."""
    with open(path) as handle:
        return yaml.safe_load(handle)


def validate_config(
    config: dict[str, Any], schema: str | Path | dict[str, Any] = DEFAULT_SCHEMA, source: str = "config.yaml"
) -> dict[str, Any]:
    """Coerce, complete and check ``config`` in place (see the module docstring); return it.

    ``source`` names the configuration in messages. Raises :class:`V1SimInputError` on the first bad key.
    """
    import jsonschema

    if not isinstance(schema, dict):
        schema = load_schema(schema)
    if not isinstance(config, dict):
        raise V1SimInputError(source, None, f"expected a mapping of sections, got {_show(config)}")
    _coerce_object(config, schema)
    _fill_defaults(config, schema)
    for where, value in _numbers(config, ""):
        if not math.isfinite(value):
            raise V1SimInputError(source, where, f"{_show(value)} is not a finite number")
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        field, problem = _describe(error)
        raise V1SimInputError(source, field or None, problem)
    check_consistency(config, source)
    return config


# --- coercion of command-line strings -------------------------------------------------------------------


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    types = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    for value in schema.get("enum", []):
        types.add({bool: "boolean", str: "string", type(None): "null"}.get(type(value), "number"))
    return types


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` as the schema wants it: a string read as YAML where the schema takes no string."""
    if isinstance(value, dict):
        _coerce_object(value, schema)
        return value
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_coerce(v, items) for v in value]
    types = _types(schema)
    if isinstance(value, float) and value.is_integer() and "integer" in types and "number" not in types:
        return int(value)  # 2.0 where a count is asked for: the count 2, as the code expects an int
    if not isinstance(value, str):
        return value
    if value in NULL_STRINGS and "null" in types:
        return None
    if not types or ("string" in types and value in schema.get("enum", [value])):
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(parsed, str) and types & {"number", "integer"}:
        try:  # YAML 1.1 reads 1e3 as a string; Python as the number
            parsed = float(parsed)
        except ValueError:
            return value
    return _coerce(parsed, schema) if isinstance(parsed, dict | list | float) else parsed


def _coerce_object(config: dict[str, Any], schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key in list(config):
        sub = properties.get(key, extra if isinstance(extra, dict) else {})
        config[key] = _coerce(config[key], sub)


def _fill_defaults(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Set every missing key that has a default, section by section (as Snakemake's ``set_default``)."""
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if isinstance(config.get(key), dict) and "properties" in sub:
            _fill_defaults(config[key], sub)


def _numbers(value: Any, where: str) -> Iterator[tuple[str, float]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{where}[{i}]")
    elif isinstance(value, float):
        yield where, value


# --- one line per schema error ----------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as the user wrote it in YAML (a long list or mapping shortened)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return repr(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return text if len(text) <= 60 else text[:57] + "..."


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TYPE_NAMES = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
_BOUNDS = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}


def _describe(error: Any) -> tuple[str, str]:
    """(dotted key, problem) of a jsonschema error, in a few words."""
    field, value, kind, expected = _path(error.absolute_path), error.instance, error.validator, error.validator_value
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in value if k not in known)
        key = f"{field}.{unknown[0]}" if field else unknown[0]
        return key, f"unknown key (known: {', '.join(sorted(known))})"
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return field, f"{_show(value)} is not {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}"
    if kind in _BOUNDS:
        return field, f"{_show(value)} is not {_BOUNDS[kind]} {_show(expected)}"
    if kind == "enum":
        return field, f"{_show(value)} is not one of {', '.join(_show(v) for v in expected)}"
    if kind == "minItems":
        return field, f"needs at least {expected} item{'s' if expected != 1 else ''}, got {len(value)}"
    if kind == "uniqueItems":
        seen: list[Any] = []
        twice = next((v for v in value if v in seen or seen.append(v)), None)
        return field, f"holds {_show(twice)} more than once"
    if kind == "minLength":
        return field, "must not be empty"
    if kind == "pattern":
        return field, f"{_show(value)} does not match {expected}"
    return field, " ".join(error.message.split())[:200]


# --- what one key cannot say alone -------------------------------------------------------------------------


def check_consistency(config: dict[str, Any], source: str = "config.yaml") -> None:
    """Checks across keys of a schema-valid config (see the module docstring); the message names the key."""
    from v1sim.limits import smallest_builtin_scale, whole_steps_problem

    simulate, grating = config["simulate"], config["grating"]
    tstop, dt = simulate["tstop_ms"], simulate["dt_ms"]

    def refuse(field: str, problem: str) -> None:
        raise V1SimInputError(source, field, problem)

    if tstop is not None and dt is not None:
        problem = whole_steps_problem(tstop, dt)
        if problem:
            refuse("simulate.tstop_ms", problem)
    if dt is not None and grating["enabled"]:
        problem = whole_steps_problem(grating["duration_ms"], dt)
        if problem:
            refuse("grating.duration_ms", problem)
    if grating["enabled"] and not grating["gray_ms"] < grating["duration_ms"]:
        refuse(
            "grating.gray_ms",
            f"{_show(grating['gray_ms'])} leaves no grating in a trial of {_show(grating['duration_ms'])} ms",
        )
    if tstop is not None:
        for section in ("analysis", "sequences"):
            start = config[section]["t_start_ms"]
            if not start < tstop:
                refuse(f"{section}.t_start_ms", f"{_show(start)} is not before simulate.tstop_ms ({_show(tstop)})")
    sequences = config["sequences"]
    if sequences["anneal_sweeps"] > sequences["sweeps"]:
        refuse(
            "sequences.anneal_sweeps",
            f"{sequences['anneal_sweeps']} is more than sequences.sweeps ({sequences['sweeps']})",
        )
    circuit = config["circuit"]
    if circuit["config"] is None:
        smallest = smallest_builtin_scale()
        if circuit["scale"] < smallest:
            refuse(
                "circuit.scale",
                f"{_show(circuit['scale'])} leaves a class of the built-in column without a cell "
                f"(the smallest scale that keeps every class is {smallest:g})",
            )
    release = config["release"]
    for name in release["sha256"]:
        if name not in release["files"]:
            refuse(f"release.sha256.{name}", "pins a file that is not in release.files")


# --- the Snakefile's entry point ---------------------------------------------------------------------------


def check_workflow_config(config: dict[str, Any], workflow: Any) -> None:
    """:func:`validate_config` for the Snakefile: the schema beside it, messages naming the config files
    (and ``--config`` when the command line overrides keys). A bad key prints one line on stderr and exits
    with status 2, before Snakemake plans anything (a WorkflowError would add the Snakefile's traceback)."""
    names = list(dict.fromkeys(Path(str(f)).name for f in getattr(workflow, "configfiles", []))) or ["config.yaml"]
    settings = getattr(workflow, "config_settings", None)
    if settings is not None and getattr(settings, "config", None):
        names.append("--config")
    try:
        validate_config(config, Path(workflow.basedir) / "schemas" / "config.schema.yaml", " + ".join(names))
    except V1SimInputError as exc:
        print(f"v1sim: error: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
