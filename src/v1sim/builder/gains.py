"""The built-in column's calibrated per-class gains: the committed default tables, their checks, and gain-table
files (what ``v1sim calibrate`` writes and ``v1sim build-v1 --gains FILE`` reads).

Two tables, both ``V1Spec`` fields and so recorded in the circuit's provenance:

* ``lgn_class_gain``: per class (every one of the 21), the factor on its LGN → V1 ``syn_weight``;
* ``recurrent_e_gain``: per class, the factor on the ``syn_weight`` of every excitatory V1 → V1 edge type onto
  it; classes not listed keep 1.

A gain-table file is JSON: ``{"format": "v1sim gain table 1", "lgn_class_gain": {...}, "recurrent_e_gain":
{...}}``, optionally with the ``calibration`` that made it (settings and convergence trace; the builder ignores it).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from v1sim.builder import published_figures as figures
from v1sim.errors import V1SimInputError

FORMAT = "v1sim gain table 1"
#: The spec fields a gain table sets.
GAIN_FIELDS = ("lgn_class_gain", "recurrent_e_gain")

#: Per-class factor on the LGN → V1 weights, calibrated so that every class fires at its Billeh rate under
#: drifting gratings at the core's size (scale 0.225; ``v1sim calibrate``, docs/builtin-v1.md).
LGN_CLASS_GAIN: Mapping[str, float] = MappingProxyType(
    {
        "i1Htr3a": 5.634,
        "e23Cux2": 1.586,
        "i23Htr3a": 3.148,
        "i23Pvalb": 1.783,
        "i23Sst": 3.054,
        "e4Nr5a1": 2.191,
        "e4Rorb": 2.433,
        "e4Scnn1a": 1.508,
        "e4other": 1.921,
        "i4Htr3a": 1.428,
        "i4Pvalb": 0.627,
        "i4Sst": 0.05,
        "e5Rbp4": 0.55,
        "e5noRbp4": 3.657,
        "i5Htr3a": 2.454,
        "i5Pvalb": 0.748,
        "i5Sst": 0.05,
        "e6Ntsr1": 6.436,
        "i6Htr3a": 11.888,
        "i6Pvalb": 2.73,
        "i6Sst": 1.374,
    }
)
#: Per-class factor on the syn_weight of the excitatory V1 → V1 edge types onto the class, for the classes
#: whose LGN gain reached its floor and still fired above their Billeh rate: their excess is recurrent
#: (``v1sim calibrate``; docs/builtin-v1.md). Classes not listed keep 1.
RECURRENT_E_GAIN: Mapping[str, float] = MappingProxyType(
    {
        "i4Sst": 0.7,
        "i5Sst": 0.717,
    }
)


def default_lgn_class_gain() -> dict[str, float]:
    """A copy of the committed LGN gain table."""
    return dict(LGN_CLASS_GAIN)


def default_recurrent_e_gain() -> dict[str, float]:
    """A copy of the committed recurrent excitatory gain table."""
    return dict(RECURRENT_E_GAIN)


def check_gains(table: object, field: str, source: str | Path | None = None) -> dict[str, float]:
    """``table`` as ``{class: gain}`` with every gain finite and positive and every class one of the column's;
    the LGN table must name every class. One-line input errors name ``source`` and ``field``."""
    if not isinstance(table, Mapping):
        raise V1SimInputError(source, field, f"expected a table {{class: gain}}, got {type(table).__name__}")
    names = [c.name for c in figures.CLASSES]
    unknown = [c for c in table if c not in names]
    if unknown:
        raise V1SimInputError(
            source, field, f"unknown class {unknown[0]!r} (the classes: {', '.join(names)})"
        )
    if field == "lgn_class_gain":
        missing = [c for c in names if c not in table]
        if missing:
            raise V1SimInputError(source, field, f"no gain for class {missing[0]!r} (every class needs one)")
    out = {}
    for name, gain in table.items():
        if (
            isinstance(gain, bool)
            or not isinstance(gain, int | float)
            or not math.isfinite(gain)
            or gain <= 0
        ):
            raise V1SimInputError(
                source, f"{field}.{name}", f"must be a finite positive number, got {gain!r}"
            )
        out[name] = float(gain)
    return out


def read_gain_table(path: str | Path) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """The spec fields a gain-table file sets (``lgn_class_gain``, ``recurrent_e_gain``) and the record of the
    file for provenance (its resolved path and sha256)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise V1SimInputError(path, None, f"cannot read the gain table ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise V1SimInputError(path, None, f"not a JSON gain table ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise V1SimInputError(path, "format", f"expected {FORMAT!r}, got {found!r}")
    tables = {}
    for field in GAIN_FIELDS:
        if field not in data:
            raise V1SimInputError(
                path, field, "missing (a gain table has lgn_class_gain and recurrent_e_gain)"
            )
        tables[field] = check_gains(data[field], field, path)
    record = {"path": str(path.resolve()), "sha256": hashlib.sha256(raw).hexdigest()}
    return tables, record


def gain_table(
    lgn_class_gain: Mapping[str, float],
    recurrent_e_gain: Mapping[str, float],
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of a gain-table file (classes in the column's order; recurrent gains of 1 left out)."""
    order = [c.name for c in figures.CLASSES]
    table: dict[str, Any] = {
        "format": FORMAT,
        "lgn_class_gain": {c: lgn_class_gain[c] for c in order if c in lgn_class_gain},
        "recurrent_e_gain": {c: recurrent_e_gain[c] for c in order if recurrent_e_gain.get(c, 1.0) != 1.0},
    }
    if calibration is not None:
        table["calibration"] = dict(calibration)
    return table
