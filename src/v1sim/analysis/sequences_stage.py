"""``v1sim sequences``: PPSeq on a chosen subset of a simulation's cells, tables written atomically."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.analysis.activity import load_activity
from v1sim.analysis.classes import AUTO
from v1sim.analysis.sequences import NO_SEQUENCE_GAIN_NATS_PER_SPIKE, fit_ppseq, likelihood_gain
from v1sim.errors import V1SimInputError
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.storage import write_parquet

log = logging.getLogger(__name__)

TABLES = ("neurons.csv", "events.csv", "trace.csv", "spikes.parquet", "provenance.json")
#: Every file :func:`detect_sequences` writes into its folder.
OUTPUTS = TABLES


@dataclass
class SequenceSettings:
    """Which cells and how to fit (config.yaml ``sequences``)."""

    population: str | None = None  #: None: the first simulated population of the nodes table
    cell_class_prefix: str | None = None  #: e.g. "e23" or "e4": only classes whose name starts so
    class_column: str = AUTO  #: the node column naming classes (:mod:`v1sim.analysis.classes`)
    n_neurons: int = 200  #: the most active cells of the selection
    n_types: int = 2
    sweeps: int = 200
    anneal_sweeps: int = 100
    window_s: float = 0.5  #: how far a spike may lie from the mean time of its event
    t_start_ms: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_neurons", "n_types", "sweeps"):
            if getattr(self, name) < 1:
                raise V1SimInputError(
                    None, f"sequences.{name}", f"must be at least 1, got {getattr(self, name)}"
                )
        if not 0 <= self.anneal_sweeps <= self.sweeps:
            raise V1SimInputError(None, "sequences.anneal_sweeps", "must be between 0 and sweeps")
        if not self.window_s > 0:
            raise V1SimInputError(None, "sequences.window_s", f"must be positive, got {self.window_s}")


def detect_sequences(
    spikes: str | Path,
    nodes: str | Path,
    t_stop_ms: float,
    outdir: str | Path,
    settings: SequenceSettings | None = None,
) -> dict[str, Any]:
    """Fit PPSeq to the most active cells of the selection and write neurons, events, trace and spikes tables.

    A population or class prefix that selects no cell is an input error; a selection whose cells did not
    spike in the window is a result: empty tables, and ``no_spiking_cells`` in the provenance.
    """
    started = time.perf_counter()
    s = settings or SequenceSettings()
    activity = load_activity(spikes, nodes, t_stop_ms, s.t_start_ms, s.class_column)
    cells = activity.cells
    population = s.population if s.population is not None else first_population(cells, nodes)
    chosen = (cells["population"] == population).to_numpy().copy()
    if s.cell_class_prefix:
        chosen &= cells["cell_class"].str.startswith(s.cell_class_prefix).to_numpy()
    if not chosen.any():
        raise V1SimInputError(
            nodes,
            "sequences",
            f"no cell of population {population!r}"
            + (f" has a class starting {s.cell_class_prefix!r}" if s.cell_class_prefix else ""),
        )
    counts = activity.spike_counts()
    candidates = np.flatnonzero(chosen & (counts > 0))
    if len(candidates) == 0:
        log.warning("no cell of the selection spiked in the window: nothing to fit, the tables are empty")
        return _write_empty(spikes, nodes, t_stop_ms, outdir, s, started, population)
    picked = candidates[np.argsort(-counts[candidates], kind="stable")[: s.n_neurons]]
    picked = np.sort(picked)
    index = np.full(activity.n_cells, -1, np.int64)
    index[picked] = np.arange(len(picked))
    mine = index[activity.cell] >= 0
    neuron = index[activity.cell[mine]]
    time_s = (activity.time_ms[mine] - s.t_start_ms) / 1000.0
    duration_s = activity.duration_s
    log.info(
        "PPSeq on %d cells, %s spikes, %.1f s, %d types",
        len(picked),
        f"{len(time_s):,}",
        duration_s,
        s.n_types,
    )

    def report(sweep: int, ll: float) -> None:
        if sweep % max(s.sweeps // 10, 1) == 0 or sweep == s.sweeps - 1:
            log.info("sweep %d/%d: log-likelihood %.1f", sweep + 1, s.sweeps, ll)

    result = fit_ppseq(
        neuron,
        time_s,
        len(picked),
        s.n_types,
        duration_s,
        s.sweeps,
        s.anneal_sweeps,
        max_event_window_s=s.window_s,
        seed=s.seed,
        progress=report,
    )
    gain = likelihood_gain(result, neuron, len(picked), duration_s)
    order = np.empty(len(picked), np.int64)
    order[result.order()] = np.arange(len(picked))
    types = result.neuron_types()
    with atomic_directory(Path(outdir)) as tmp:
        table = cells.iloc[picked][["population", "node_id", "cell_class"]].reset_index(drop=True)
        table["n_spikes"] = counts[picked]
        table["sequence_type"] = types
        table["order"] = order
        for r in range(s.n_types):
            table[f"weight_{r}"] = result.neuron_weights[:, r]
            table[f"offset_ms_{r}"] = 1000.0 * result.offsets_s[:, r]
            table[f"width_ms_{r}"] = 1000.0 * result.widths_s[:, r]
        table.to_csv(tmp / "neurons.csv", index=False)
        events = result.events
        pd.DataFrame(
            {
                "time_ms": s.t_start_ms + 1000.0 * events["time_s"],
                "sequence_type": events["type"],
                "amplitude": events["amplitude"],
                "n_spikes": events["n_spikes"],
            }
        ).sort_values("time_ms").to_csv(tmp / "events.csv", index=False)
        pd.DataFrame({"sweep": np.arange(1, s.sweeps + 1), "log_likelihood": result.log_likelihood}).to_csv(
            tmp / "trace.csv", index=False
        )
        frame = pd.DataFrame(
            {
                "neuron": neuron,
                "time_ms": s.t_start_ms + 1000.0 * time_s,
                "event": result.assignment,
                "sequence_type": result.spike_type,
            }
        )
        write_parquet(frame, tmp / "spikes.parquet")
        summary = {
            "n_neurons": len(picked),
            "n_spikes": len(time_s),
            "n_events": len(events["time_s"]),
            "spikes_in_events": float(np.mean(result.assignment >= 0)),
            "gain_nats_per_spike": gain,
            "no_sequence_threshold_nats_per_spike": NO_SEQUENCE_GAIN_NATS_PER_SPIKE,
            "sequences_detected": bool(gain > NO_SEQUENCE_GAIN_NATS_PER_SPIKE),
        }
        _write_provenance(tmp, started, spikes, nodes, s, population, t_stop_ms, summary)
    log.info(
        "%d events, gain %.3f nats/spike (sequences %s)",
        summary["n_events"],
        gain,
        "detected" if summary["sequences_detected"] else "not detected",
    )
    return summary


def _write_provenance(
    tmp: Path,
    started: float,
    spikes: str | Path,
    nodes: str | Path,
    s: SequenceSettings,
    population: str,
    t_stop_ms: float,
    summary: dict[str, Any],
) -> None:
    write_json(
        tmp / "provenance.json",
        provenance(
            started,
            stage="sequences",
            spikes=str(Path(spikes).resolve()),
            nodes=str(Path(nodes).resolve()),
            settings=dataclasses.asdict(s),
            population=population,
            t_stop_ms=t_stop_ms,
            **summary,
        ),
    )


def first_population(cells: pd.DataFrame, nodes: str | Path) -> str:
    """The first simulated population of a nodes table (the default population of the sequence stage)."""
    if cells.empty:
        raise V1SimInputError(nodes, "population", "the network has no simulated cell")
    return str(cells["population"].iloc[0])


def _write_empty(
    spikes: str | Path,
    nodes: str | Path,
    t_stop_ms: float,
    outdir: str | Path,
    s: SequenceSettings,
    started: float,
    population: str,
) -> dict[str, Any]:
    """The tables of a selection without spikes: the columns of a fit, no rows."""
    per_type = [f"{kind}_{r}" for r in range(s.n_types) for kind in ("weight", "offset_ms", "width_ms")]
    columns = {
        "neurons.csv": [
            "population",
            "node_id",
            "cell_class",
            "n_spikes",
            "sequence_type",
            "order",
            *per_type,
        ],
        "events.csv": ["time_ms", "sequence_type", "amplitude", "n_spikes"],
        "trace.csv": ["sweep", "log_likelihood"],
    }
    summary = {
        "n_neurons": 0,
        "n_spikes": 0,
        "n_events": 0,
        "spikes_in_events": None,
        "gain_nats_per_spike": None,
        "no_sequence_threshold_nats_per_spike": NO_SEQUENCE_GAIN_NATS_PER_SPIKE,
        "sequences_detected": False,
        "no_spiking_cells": True,
    }
    with atomic_directory(Path(outdir)) as tmp:
        for name, names in columns.items():
            pd.DataFrame(columns=names).to_csv(tmp / name, index=False)
        frame = pd.DataFrame(
            {
                "neuron": np.zeros(0, np.int64),
                "time_ms": np.zeros(0),
                "event": np.zeros(0, np.int64),
                "sequence_type": np.zeros(0, np.int64),
            }
        )
        write_parquet(frame, tmp / "spikes.parquet")
        _write_provenance(tmp, started, spikes, nodes, s, population, t_stop_ms, summary)
    return summary
