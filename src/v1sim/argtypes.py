"""Argument types of the ``v1sim`` command line: every value is checked as it is parsed.

Each type is a callable argparse calls on the text of one argument; a bad value raises
``argparse.ArgumentTypeError``, which the command line prints as one line naming the argument
(``v1sim simulate: error: argument --dt: nan is not a finite number``) before anything runs.
The bounds are those of :mod:`v1sim.limits`, shared with the pipeline's config check. Paths are checked
too: inputs must exist (a file or a folder, as asked), outputs must be writable (tried, not guessed).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from v1sim.errors import V1SimInputError
from v1sim.limits import (
    MAX_COUNT,
    MAX_MS,
    MAX_POISSON_HZ,
    MAX_SEED,
    dt_problem,
    smallest_builtin_scale,
    whole_steps_problem,
)

ArgumentTypeError = argparse.ArgumentTypeError


def refuse(option: str, problem: str) -> NoReturn:
    """Refuse an argument after parsing (a check across arguments): one line naming it, exit status 2."""
    raise V1SimInputError(None, f"argument {option}", problem)


def _bound(value: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> str | None:
    if low is not None and (value <= low if low_open else value < low):
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None and (value >= high if high_open else value > high):
        return f"{'<' if high_open else '<='} {high:g}"
    return None


@dataclass(frozen=True)
class Number:
    """A finite number within bounds (``low``/``high``; ``*_open``: the bound itself excluded)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __call__(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise ArgumentTypeError(f"{value:g} is not a finite number")
        broken = _bound(value, self.low, self.high, self.low_open, self.high_open)
        if broken:
            raise ArgumentTypeError(f"{value:g} is not {broken}")
        return value

    def __repr__(self) -> str:  # argparse names the type in some messages
        return "number"


@dataclass(frozen=True)
class Integer:
    """A whole number (written as one: ``12``, not ``12.0`` or ``1e3``) within ``[low, high]``."""

    low: int | None = None
    high: int | None = None

    def __call__(self, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ArgumentTypeError(f"{text!r} is not a whole number") from None
        broken = _bound(value, self.low, self.high, False, False)
        if broken:
            raise ArgumentTypeError(f"{value} is not {broken}")
        return value

    def __repr__(self) -> str:
        return "integer"


@dataclass(frozen=True)
class TimeStep(Number):
    """A simulation time step (ms): a positive whole number of NEST's 0.001 ms tics."""

    low: float | None = 0.0
    high: float | None = MAX_MS
    low_open: bool = True

    def __call__(self, text: str) -> float:
        value = super().__call__(text)
        problem = dt_problem(value)
        if problem:
            raise ArgumentTypeError(problem)
        return value


@dataclass(frozen=True)
class Scale(Number):
    """The built-in column's scale: in (0, 1], and large enough that every class has a cell."""

    low: float | None = 0.0
    high: float | None = 1.0
    low_open: bool = True

    def __call__(self, text: str) -> float:
        value = super().__call__(text)
        smallest = smallest_builtin_scale()
        if value < smallest:
            raise ArgumentTypeError(
                f"{value:g} leaves a class without a cell (the smallest scale that keeps every class is {smallest:g})"
            )
        return value


@dataclass(frozen=True)
class Text:
    """A non-empty name without control characters (a population, a column, a class prefix)."""

    def __call__(self, text: str) -> str:
        if not text.strip() or any(ord(c) < 32 for c in text):
            raise ArgumentTypeError(f"{text!r} is not a name")
        return text

    def __repr__(self) -> str:
        return "name"


@dataclass(frozen=True)
class Pair:
    """``KEY<sep>VALUE``: a population and its value (``lgn=5``, ``lgn=spikes.h5``, ``v1:0,1,2``)."""

    value: object
    sep: str = "="
    form: str = "POPULATION=VALUE"

    def __call__(self, text: str) -> tuple[str, object]:
        key, sep, item = text.partition(self.sep)
        if not sep or not key.strip():
            raise ArgumentTypeError(f"expected {self.form}, got {text!r}")
        try:
            return key, self.value(item)
        except ArgumentTypeError as exc:
            raise ArgumentTypeError(f"{key}: {exc}") from None

    def __repr__(self) -> str:
        return self.form


@dataclass(frozen=True)
class IdList:
    """Comma-separated node ids (``0,3,7``): whole numbers >= 0."""

    def __call__(self, text: str) -> list[int]:
        ids = [part.strip() for part in text.split(",")]
        if not text.strip() or not all(ids):
            raise ArgumentTypeError(f"expected node ids separated by commas, got {text!r}")
        return [NODE_ID(part) for part in ids]


@dataclass(frozen=True)
class Sha256:
    """64 hexadecimal digits."""

    def __call__(self, text: str) -> str:
        if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
            raise ArgumentTypeError(f"{text!r} is not a sha256 (64 hexadecimal digits)")
        return text.lower()


# --- paths ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """An existing, readable file (``what`` names it in messages)."""

    what: str = "file"

    def __call__(self, text: str) -> Path:
        path = Path(text)
        if not text:
            raise ArgumentTypeError("no path given")
        if path.is_dir():
            raise ArgumentTypeError(f"{path}: is a folder, expected a {self.what}")
        if not path.is_file():
            raise ArgumentTypeError(f"{path}: {self.what} not found")
        if not os.access(path, os.R_OK):
            raise ArgumentTypeError(f"{path}: cannot be read")
        return path

    def __repr__(self) -> str:
        return "file"


@dataclass(frozen=True)
class InputFolder:
    """An existing folder (holding ``needs``, when given: the file that makes it the right kind of folder)."""

    needs: str | None = None
    made_by: str | None = None

    def __call__(self, text: str) -> Path:
        path = Path(text)
        if not text:
            raise ArgumentTypeError("no path given")
        if not path.is_dir():
            raise ArgumentTypeError(f"{path}: {'is a file' if path.exists() else 'not found'}, expected a folder")
        if self.needs and not (path / self.needs).is_file():
            maker = f" (an output folder of {self.made_by})" if self.made_by else ""
            raise ArgumentTypeError(f"{path}: holds no {self.needs}{maker}")
        return path

    def __repr__(self) -> str:
        return "folder"


@dataclass(frozen=True)
class StageFolder:
    """An output folder of ``v1sim <stage>`` (its provenance record says so)."""

    stage: str

    def __call__(self, text: str) -> Path:
        from v1sim.provenance import stage_record

        path = InputFolder()(text)
        try:
            stage_record(path, self.stage)
        except V1SimInputError as exc:
            raise ArgumentTypeError(exc.message) from None
        return path

    def __repr__(self) -> str:
        return "folder"


def _writable_folder(folder: Path) -> str | None:
    """Why nothing can be written into the existing folder ``folder`` (tried with a temporary folder)."""
    try:
        Path(tempfile.mkdtemp(prefix=".v1sim-probe-", dir=folder)).rmdir()
    except OSError as exc:
        return f"cannot write into {folder} ({exc.strerror or exc})"
    return None


def _nearest_folder(path: Path) -> tuple[Path, str | None]:
    """The nearest existing ancestor of ``path`` and why it cannot be written into (None: it can)."""
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return parent, f"{parent} is a file, not a folder"
    return parent, _writable_folder(parent)


@dataclass(frozen=True)
class OutputFolder:
    """A folder to write (replaced atomically by the command): not an existing file, in a writable place;
    when it exists, it must be writable too (its earlier contents are removed on success)."""

    def __call__(self, text: str) -> Path:
        path = Path(text)
        if not text:
            raise ArgumentTypeError("no path given")
        if path.exists() and not path.is_dir():
            raise ArgumentTypeError(f"{path}: is a file, expected a folder")
        _, problem = _nearest_folder(path)
        if problem is None and path.is_dir():
            problem = _writable_folder(path)
        if problem:
            raise ArgumentTypeError(f"{path}: {problem}")
        return path

    def __repr__(self) -> str:
        return "folder"


@dataclass(frozen=True)
class OutputFile:
    """A file to write: not an existing folder, in a writable place."""

    def __call__(self, text: str) -> Path:
        path = Path(text)
        if not text or text.endswith(("/", os.sep)):
            raise ArgumentTypeError(f"{text!r} is not a file name")
        if path.is_dir():
            raise ArgumentTypeError(f"{path}: is a folder, expected a file")
        _, problem = _nearest_folder(path)
        if problem:
            raise ArgumentTypeError(f"{path}: {problem}")
        return path

    def __repr__(self) -> str:
        return "file"


# --- the types of v1sim's arguments ---------------------------------------------------------------------------

#: a duration or an end time, ms
DURATION_MS = Number(0.0, MAX_MS, low_open=True)
#: a start time or a delay, ms
START_MS = Number(0.0, MAX_MS)
DT_MS = TimeStep()
SCALE = Scale()
SEED = Integer(0, MAX_SEED)
#: a count of at least one (cells, sweeps, types, parts)
COUNT = Integer(1, MAX_COUNT)
NODE_ID = Integer(0, 2**63 - 1)
POISSON_HZ = Number(0.0, MAX_POISSON_HZ)
FRACTION = Number(0.0, 1.0, low_open=True)
NAME = Text()
FILE = InputFile()
FOLDER = InputFolder()
OUTPUT_FOLDER = OutputFolder()
OUTPUT_FILE = OutputFile()
NETWORK_FOLDER = InputFolder("compiled_network.h5", "v1sim convert")
INPUT_SPIKES = Pair(FILE, form="POPULATION=FILE")
POISSON = Pair(POISSON_HZ, form="POPULATION=HZ")
RECORD = Pair(IdList(), sep=":", form="POPULATION:ID,ID")
SHA256_PIN = Pair(Sha256(), form="FILE=SHA256")


def threads(text: str) -> int:
    """CPU threads: from 1 to what numba may use on this machine (``NUMBA_NUM_THREADS``, the CPU count)."""
    import numba

    return Integer(1, int(numba.config.NUMBA_NUM_THREADS))(text)


threads.__name__ = "threads"


def check_run_length(tstop_option: str, tstop_ms: float | None, dt_ms: float | None) -> None:
    """Refuse a run length that is not a whole number of time steps (both given), naming ``tstop_option``."""
    if tstop_ms is not None and dt_ms is not None:
        problem = whole_steps_problem(tstop_ms, dt_ms)
        if problem:
            refuse(tstop_option, problem)


def check_device(device: str) -> None:
    """Refuse ``--device cuda`` where numba sees no CUDA GPU (nor its simulator)."""
    if device == "cuda":
        from v1sim.engine.simulate import resolve_device

        try:
            resolve_device(device)
        except V1SimInputError as exc:
            refuse("--device", exc.problem)
