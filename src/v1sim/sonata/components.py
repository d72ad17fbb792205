"""Component files named by types tables: cell-model and synaptic-model ``dynamics_params`` JSONs."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from v1sim.errors import V1SimInputError


def find_component(
    name: str, search_dirs: list[Path], types_file: Path, field: str = "dynamics_params"
) -> Path:
    """Locate a ``dynamics_params`` file by name in the config's component folders (or as an absolute path)."""
    candidate = Path(name)
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
    else:
        for folder in search_dirs:
            if (folder / candidate).is_file():
                return folder / candidate
    where = ", ".join(str(d) for d in search_dirs) or "no component folder is configured"
    raise V1SimInputError(types_file, field, f"file '{name}' not found (searched: {where})")


@lru_cache(maxsize=4096)
def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open() as handle:
            text = handle.read()
    except OSError as exc:
        raise V1SimInputError(path, None, f"cannot read: {exc.strerror}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise V1SimInputError(path, None, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise V1SimInputError(path, None, "expected a JSON object of parameters")
    return data


def load_component(path: Path) -> dict[str, Any]:
    """Read a component JSON (cached; a fresh copy each call). An empty file means no parameters."""
    return json.loads(json.dumps(_load(path)))


def receptor_type(path: Path) -> int:
    """NEST receptor port named by a synaptic-model JSON; an empty file (or object) means port 0.

    The synapse model the JSON may name (``synapse_model``, NEST 2's ``model``) is checked by the edge reader.
    """
    params = load_component(path)
    unknown = sorted(set(params) - {"receptor_type", "synapse_model", "model"})
    if unknown:
        raise V1SimInputError(
            path,
            unknown[0],
            "unsupported synaptic-model parameter (static_synapse takes only receptor_type here)",
        )
    value = params.get("receptor_type", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise V1SimInputError(path, "receptor_type", f"expected a non-negative integer, found {value!r}")
    return value
