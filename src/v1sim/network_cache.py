"""Converted networks kept for reuse: ``v1sim run`` converts a circuit once and reuses it while nothing changed.

A conversion is stored under ``<cache>/networks/<key>/`` (the output folder of ``v1sim convert``). The key is a
SHA-256 over the contents of every file the conversion reads — each nodes and edges file with its types table, in
the circuit's order, and every file under the ``components`` folders (cell and synapse models) — and over the
converter itself (the v1sim version and the source of ``v1sim.network``, ``v1sim.sonata`` and ``v1sim.models``).
Editing, replacing or moving any of them gives a new key; touching a file without changing it does not.

The cache folder is ``--network-cache DIR``, else ``$V1SIM_CACHE``, else ``$XDG_CACHE_HOME/v1sim`` (by default
``~/.cache/v1sim``). Deleting it is always safe. Weight-function files given on the command line
(``--weight-functions``) are part of the key too (those the config names are among its components).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from v1sim.errors import V1SimInputError
from v1sim.sonata.config import CircuitConfig

log = logging.getLogger(__name__)

#: The record in each cached network that says what was hashed.
KEY_FILE = "cache_key.json"
#: The packages whose code decides what a conversion writes.
CONVERTER_PACKAGES = ("network", "sonata", "models")


def default_cache_dir() -> Path:
    """``$V1SIM_CACHE``, else ``$XDG_CACHE_HOME/v1sim``, else ``~/.cache/v1sim``."""
    if os.environ.get("V1SIM_CACHE"):
        return Path(os.environ["V1SIM_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "v1sim"


def file_digest(path: Path, memo: dict[Path, str] | None = None) -> str:
    """SHA-256 of a file's contents (``memo`` avoids reading a file twice)."""
    path = Path(path).resolve()
    if memo is not None and path in memo:
        return memo[path]
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if memo is not None:
        memo[path] = digest
    return digest


def _tree_digest(folder: Path, memo: dict[Path, str]) -> list[tuple[str, str]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [(str(p.relative_to(folder)), file_digest(p, memo)) for p in files]


def converter_fingerprint() -> dict[str, str]:
    """The v1sim version and a digest of the converter's source files."""
    import v1sim

    root = Path(v1sim.__file__).parent
    digest = hashlib.sha256()
    for package in CONVERTER_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    try:
        version = metadata.version("v1sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"version": version, "source_sha256": digest.hexdigest()}


def circuit_contents(circuit: CircuitConfig, weight_functions: Sequence[Path] = ()) -> dict[str, Any]:
    """What a conversion of ``circuit`` depends on, as digests (see the module docstring); ``weight_functions``:
    the weight-function files given on the command line (those the config names are among its components)."""
    memo: dict[Path, str] = {}
    components: dict[str, Any] = {}
    for key in sorted(circuit.components):
        values = circuit.components[key]
        entries = []
        for value in values if isinstance(values, list) else [values]:
            path = Path(str(value))
            if path.is_dir():
                entries.append(_tree_digest(path, memo))
            elif path.is_file():
                entries.append(file_digest(path, memo))
            else:
                entries.append(value)
        components[key] = entries
    return {
        "converter": converter_fingerprint(),
        "nodes": [
            [file_digest(f.nodes_file, memo), file_digest(f.node_types_file, memo)] for f in circuit.nodes
        ],
        "edges": [
            [file_digest(f.edges_file, memo), file_digest(f.edge_types_file, memo)] for f in circuit.edges
        ],
        "components": components,
        "weight_functions": [file_digest(Path(f), memo) for f in weight_functions],
    }


def cache_key(contents: dict[str, Any]) -> str:
    """The key of a circuit's contents (hex, 24 characters)."""
    return hashlib.sha256(json.dumps(contents, sort_keys=True).encode()).hexdigest()[:24]


def cached_network(
    circuit: CircuitConfig,
    cache_dir: Path,
    *,
    progress: bool = True,
    weight_functions: Sequence[str | Path] = (),
) -> tuple[Path, bool]:
    """The converted network of ``circuit`` under ``cache_dir``, converting it first if no earlier conversion of
    the same contents is there. Returns the folder and whether it was reused. ``weight_functions``: Python files
    registering weight functions (``--weight-functions``), part of the key."""
    from v1sim.network.convert import convert_circuit
    from v1sim.provenance import write_json

    extra = [Path(f).resolve() for f in weight_functions]
    for path in extra:
        if not path.is_file():
            raise V1SimInputError(path, "--weight-functions", "weight-function file not found")
    contents = circuit_contents(circuit, extra)
    key = cache_key(contents)
    folder = Path(cache_dir) / "networks" / key
    record = folder / KEY_FILE
    if record.is_file() and (folder / "compiled_network.h5").is_file():
        try:
            same = json.loads(record.read_text()).get("contents") == json.loads(json.dumps(contents))
        except json.JSONDecodeError:
            same = False
        if same:
            log.info("reusing the converted network %s (same circuit files, same converter)", folder)
            return folder, True
    log.info("converting %s into %s", circuit.config_file, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    convert_circuit(circuit.config_file, folder, progress=progress, weight_functions=extra)
    write_json(record, {"key": key, "config": str(circuit.config_file), "contents": contents})
    return folder, False
