"""SONATA report files (membrane potential of point neurons), in the layout bmtk writes and libsonata reads.

``/report/<population>/data`` [samples × cells] holds the values (attributes ``variable`` and ``units``);
``/report/<population>/mapping`` has ``node_ids``, ``element_ids`` (0: a point neuron has one element),
``element_pos`` (0.0), the index pointers into the columns of ``data`` — under bmtk's name ``index_pointer`` and
the specification's ``index_pointers`` (libsonata reads only the latter) — and ``time`` = [start, stop, step] in
ms (``units`` ms). ``stop`` is exclusive, as the specification and both readers count samples
(``(stop - start) / step``): bmtk's own writer stores the last sample's time instead, so its readers drop the
last row of bmtk's files; ours read every row.

The values are stored in the run's precision: float32 runs write float32 (which libsonata's ``ElementReportReader``
requires), float64 runs float64 (bmtk's dtype; libsonata opens such a file but refuses to read its data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.sonata.writer import SONATA_MAGIC, SONATA_VERSION
from v1sim.storage import create_dataset, read_array


@dataclass
class PopulationReport:
    """One population's samples: ``data[k, j]`` is the value of ``node_ids[j]`` at ``start_ms + k * step_ms``."""

    node_ids: np.ndarray
    data: np.ndarray
    start_ms: float
    step_ms: float

    @property
    def times_ms(self) -> np.ndarray:
        return self.start_ms + np.arange(len(self.data)) * self.step_ms


def exclusive_stop(start_ms: float, step_ms: float, n_samples: int) -> float:
    """The ``time[1]`` to store so that ``int((stop - start) / step)`` (bmtk's and libsonata's count) is
    ``n_samples``: ``start + n * step``, nudged up by a few ulps where rounding would lose a sample."""
    stop = start_ms + n_samples * step_ms
    while int((stop - start_ms) / step_ms) < n_samples:
        stop = float(np.nextafter(stop, np.inf))
    return stop


def write_report(
    path: Path,
    populations: dict[str, PopulationReport],
    variable: str = "V_m",
    units: str = "mV",
) -> None:
    """Write a SONATA report of ``variable`` with one group per population (see the module docstring)."""
    with h5py.File(path, "w") as h5:
        h5.attrs["magic"] = SONATA_MAGIC
        h5.attrs["version"] = SONATA_VERSION
        root = h5.create_group("report")
        for name, report in populations.items():
            data = np.asarray(report.data)
            n_cells = len(report.node_ids)
            if data.ndim != 2 or data.shape[1] != n_cells:
                raise ValueError(
                    f"report data of {name} has shape {data.shape}, expected (samples, {n_cells})"
                )
            group = root.create_group(name)
            mapping = group.create_group("mapping")
            create_dataset(mapping, "node_ids", data=np.asarray(report.node_ids, dtype=np.uint64))
            create_dataset(mapping, "element_ids", data=np.zeros(n_cells, dtype=np.uint64))
            create_dataset(mapping, "element_pos", data=np.zeros(n_cells, dtype=np.float64))
            pointers = np.arange(n_cells + 1, dtype=np.uint64)
            create_dataset(mapping, "index_pointer", data=pointers)
            create_dataset(mapping, "index_pointers", data=pointers)
            stop = exclusive_stop(report.start_ms, report.step_ms, len(data))
            time = create_dataset(mapping, "time", data=np.array([report.start_ms, stop, report.step_ms]))
            time.attrs["units"] = "ms"
            # whole samples (rows of every cell) per chunk, as libsonata reads them
            dataset = create_dataset(group, "data", data=data)
            dataset.attrs["variable"] = variable
            dataset.attrs["units"] = units


def read_report(path: Path) -> dict[str, PopulationReport]:
    """Read a SONATA report written by v1sim or bmtk (``index_pointer`` or ``index_pointers``; one element per
    cell). ``time[1]`` is not used: the sample count is the number of rows of ``data``."""
    from v1sim.sonata.tables import open_h5

    path = Path(path)
    out = {}
    with open_h5(path, "report file") as h5:
        if "report" not in h5:
            raise V1SimInputError(path, "/report", "no /report group: not a SONATA report")
        for name, group in h5["report"].items():
            for needed in ("data", "mapping/node_ids", "mapping/time"):
                if needed not in group:
                    raise V1SimInputError(path, f"/report/{name}/{needed}", "missing")
            start, _, step = (float(v) for v in read_array(group["mapping/time"], path)[:3])
            out[name] = PopulationReport(
                node_ids=read_array(group["mapping/node_ids"], path).astype(np.int64),
                data=read_array(group["data"], path),
                start_ms=start,
                step_ms=step,
            )
    return out
