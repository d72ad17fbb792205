"""Provenance sidecars and atomic outputs: every stage writes to a temporary place, then renames."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import shutil
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

_PACKAGES = (
    "v1sim",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "h5py",
    "numba",
    "scikit-learn",
    "umap-learn",
    "matplotlib",
)


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what platform knows."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def provenance(started: float, **fields: Any) -> dict[str, Any]:
    """A provenance record: what ran, on what, with which versions, how long and how much memory."""
    return {
        "command": " ".join(sys.argv),
        "host": platform.node(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "versions": versions(),
        "wall_time_s": round(time.perf_counter() - started, 3),
        "peak_memory_mb": round(peak_memory_mb(), 1),
        **fields,
    }


def stage_record(folder: str | Path, stage: str, needs: tuple[str, ...] = ()) -> dict[str, Any]:
    """The provenance record of an output folder of ``stage`` (``v1sim <stage>``); a folder of another stage,
    or one missing a file of ``needs``, is one input error naming the folder and what is wrong."""
    from v1sim.errors import V1SimInputError

    folder = Path(folder)
    path = folder / "provenance.json"
    if not path.is_file():
        raise V1SimInputError(folder, "provenance.json", f"missing: not an output folder of v1sim {stage}")
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise V1SimInputError(path, None, f"not a readable provenance record ({exc})") from None
    found = record.get("stage") if isinstance(record, dict) else None
    if found != stage:
        made = f"of v1sim {found}" if isinstance(found, str) else "of no v1sim stage"
        raise V1SimInputError(path, "stage", f"an output folder {made}, expected one of v1sim {stage}")
    missing = [name for name in needs if not (folder / name).is_file()]
    if missing:
        raise V1SimInputError(folder, missing[0], f"missing from this output folder of v1sim {stage}")
    return record


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (temporary file in the same folder, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    tmp.replace(path)


@contextlib.contextmanager
def atomic_directory(target: Path, marker: str = "provenance.json") -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``, on error it is removed.

    Either the whole output appears or none of it does: a failed run never leaves partial files behind.
    An existing ``target`` is replaced only if it is empty or holds ``marker`` (an earlier output of ours).
    """
    target = Path(target).resolve()
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / marker).exists())
    ):
        raise FileExistsError(
            f"{target}: exists and is not an earlier v1sim output; choose a new or empty folder"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
