"""``v1sim calibrate``: fit the built-in column's per-class gains (:mod:`v1sim.builder.gains`) to Billeh's class
rates under drifting gratings.

Each iteration builds the column (the spec's scale and seed) with the current gains, converts it, runs every
(direction, trial) of the grating experiment (:func:`v1sim.grating_trial.run_trial`: its LGN spikes, seeds and
simulation are the pipeline's), and takes each class's mean rate over the grating (from the end of the gray
screen to the end of the trial, all cells of the class, all trials). Then, per class:

* the correction factor is ``((target + 0.2) / (rate + 0.2))^0.5`` (damped; the 0.2 Hz keeps silent classes
  finite), the target being the class's Billeh rate (:mod:`v1sim.analysis.targets`);
* the LGN gain takes it, within [0.05, 20];
* a class whose LGN gain is at that floor and that still fires too fast is driven by the network: the rest of
  its correction goes onto its recurrent excitatory gain (the factor on every E → class edge type), within
  [0.1, 1] and damped once more (square root); a class with a recurrent gain below 1 that fires too slowly gets
  that gain back first.

It starts from the spec's tables (the committed defaults, or ``--gains FILE``). The result is a gain-table file
(``OUTDIR/gains.json``: the tables after the last iteration's correction, rounded to 3 decimals, with the
settings and the convergence trace), the trace as a table (``OUTDIR/trace.csv``: every iteration's gains and
rates per class) and ``OUTDIR/provenance.json``. ``v1sim build-v1 --gains OUTDIR/gains.json`` builds with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from v1sim.analysis.targets import target_rate_hz
from v1sim.builder import published_figures as figures
from v1sim.builder.gains import gain_table
from v1sim.builder.v1 import V1Spec, build_v1
from v1sim.errors import V1SimInputError
from v1sim.grating_trial import GratingProtocol, TrialSimulation, lgn_responder, run_trial
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.sonata.spikes import read_spikes
from v1sim.storage import read_parquet

log = logging.getLogger(__name__)

LGN_GAIN_RANGE = (0.05, 20.0)
RECURRENT_GAIN_RANGE = (0.1, 1.0)
#: exponent on the rate ratio: each step takes the square root of the full correction
DAMPING = 0.5
#: added to target and rate in the ratio, so that a silent class gets a finite correction
RATE_OFFSET_HZ = 0.2
#: extra damping exponent on recurrent-gain steps: a floored class's rate moves several-fold per unit of that
#: gain (halving it took L4 SST from 7.1 to 1.4 Hz), and undamped steps oscillated
RECURRENT_DAMPING = 0.5
#: a class "meets its target" within this relative difference (the trace's summary)
WITHIN = 0.15
#: decimals of the written tables (those of the committed defaults)
TABLE_DECIMALS = 3
TRACE_COLUMNS = [
    "iteration",
    "scale",
    "duration_ms",
    "cell_class",
    "target_hz",
    "rate_hz",
    "gain",
    "recurrent_e_gain",
]
POPULATION = "v1"


@dataclass(frozen=True)
class CalibrationSettings:
    """How the gains are measured and corrected (the spec says what is built: scale, seed, starting gains)."""

    iterations: int = 6
    directions_deg: tuple[float, ...] = (0.0, 90.0)
    trials: int = 1
    #: the grating of every trial and the experiment's seed (the published 3 s with 500 ms gray by default)
    protocol: GratingProtocol = field(default_factory=GratingProtocol)
    simulation: TrialSimulation = field(default_factory=lambda: TrialSimulation(device="cpu"))

    def validate(self) -> None:
        """Refuse settings that cannot be run, naming the option."""
        p, s = self.protocol, self.simulation
        checks = [
            ("--iterations", self.iterations >= 1, "must be at least 1"),
            ("--trials", self.trials >= 1, "must be at least 1"),
            ("--directions", len(self.directions_deg) >= 1, "name at least one direction"),
            ("--directions", all(math.isfinite(d) for d in self.directions_deg), "must be finite"),
            ("--duration", math.isfinite(p.duration_ms) and p.duration_ms > 0, "must be a positive number"),
            (
                "--gray-ms",
                math.isfinite(p.gray_ms) and 0 <= p.gray_ms < p.duration_ms,
                "must be in [0, duration)",
            ),
            ("--stimulus-seed", p.seed >= 0, "must be non-negative"),
            ("--dt", math.isfinite(s.dt_ms) and 0 < s.dt_ms <= p.duration_ms, "must be in (0, duration]"),
            ("--threads", s.threads is None or s.threads >= 1, "must be at least 1"),
        ]
        for option, ok, problem in checks:
            if not ok:
                raise V1SimInputError(None, option, problem)
        labels = {round(d * 1000) for d in self.directions_deg}
        if len(labels) != len(self.directions_deg):
            raise V1SimInputError(None, "--directions", "two directions within 0.001° of each other")
        p.stimulus(self.directions_deg[0])  # the stimulus's own checks (sf, tf, contrast)

    def record(self) -> dict[str, Any]:
        """The settings as plain data (provenance, the gain table's calibration section)."""
        return dataclasses.asdict(self)


def correction_factor(target_hz: float, rate_hz: float) -> float:
    """The damped factor by which a class's drive is corrected: ((target + 0.2) / (rate + 0.2))^0.5."""
    return ((target_hz + RATE_OFFSET_HZ) / (rate_hz + RATE_OFFSET_HZ)) ** DAMPING


def corrected_gains(lgn_gain: float, recurrent_gain: float, factor: float) -> tuple[float, float]:
    """The class's (LGN gain, recurrent excitatory gain) after a correction ``factor`` of its drive.

    Down: the LGN gain takes it as far as its floor, the recurrent gain the rest (damped further). Up: a
    recurrent gain below 1 is raised first (as damped), the LGN gain only once it is back at 1."""
    if factor < 1.0 and lgn_gain * factor < LGN_GAIN_RANGE[0]:
        rest = lgn_gain * factor / LGN_GAIN_RANGE[0]
        recurrent = recurrent_gain * rest**RECURRENT_DAMPING
        return LGN_GAIN_RANGE[0], float(np.clip(recurrent, *RECURRENT_GAIN_RANGE))
    if factor > 1.0 and recurrent_gain < 1.0:
        return lgn_gain, min(recurrent_gain * factor**RECURRENT_DAMPING, 1.0)
    return float(np.clip(lgn_gain * factor, *LGN_GAIN_RANGE)), recurrent_gain


def class_rates(
    nodes: str | Path, spike_files: Sequence[str | Path], window_ms: tuple[float, float]
) -> dict[str, float]:
    """Mean rate (Hz) of every class of the column over ``window_ms`` of each spike file (all cells of the class,
    silent ones included, averaged over the files)."""
    cells = read_parquet(nodes, columns=["population", "node_id", "pop_name"])
    cells = cells[cells["population"] == POPULATION]
    counts = np.zeros(int(cells["node_id"].max()) + 1)
    start, stop = window_ms
    for path in spike_files:
        ids, times = read_spikes(Path(path), POPULATION).get(POPULATION, (np.array([], int), np.array([])))
        counts += np.bincount(ids[(times >= start) & (times < stop)], minlength=len(counts))
    rate = counts / (len(spike_files) * (stop - start) / 1000.0)
    by_class = pd.Series(rate[cells["node_id"].to_numpy()]).groupby(cells["pop_name"].to_numpy()).mean()
    return {c.name: float(by_class.get(c.name, np.nan)) for c in figures.CLASSES}


@contextlib.contextmanager
def _work_folder(workdir: Path | None, outdir: Path) -> Iterator[Path]:
    """``workdir`` (kept), or a temporary folder beside ``outdir`` (removed at the end)."""
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    outdir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{outdir.name}.work-", dir=outdir.parent) as tmp:
        yield Path(tmp)


def measure_rates(
    spec: V1Spec, settings: CalibrationSettings, work: Path, progress: bool = False
) -> dict[str, float]:
    """Build the column of ``spec`` into ``work``, run the grating trials, and return each class's rate (Hz)."""
    from v1sim.network.convert import convert_circuit

    for folder in ("circuit", "network", "trials"):
        shutil.rmtree(work / folder, ignore_errors=True)
    config = build_v1(spec, work / "circuit")
    convert_circuit(config, work / "network", progress=False)
    p = settings.protocol
    responder = lgn_responder(work / "network" / "nodes.parquet", p)
    trials = [(d, t) for d in settings.directions_deg for t in range(settings.trials)]
    spikes = []
    for d, t in tqdm(trials, desc="grating trials", unit="trial", leave=False, disable=not progress):
        result = run_trial(
            work / "network", work / "trials" / f"dir{d:g}_trial{t}", p, d, t, settings.simulation, responder
        )
        spikes.append(result.spikes)
    return class_rates(work / "network" / "nodes.parquet", spikes, (p.gray_ms, p.duration_ms))


def calibrate(
    spec: V1Spec,
    settings: CalibrationSettings,
    outdir: str | Path,
    *,
    workdir: str | Path | None = None,
    gains_file: dict[str, str] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Calibrate the gains of the column ``spec`` describes, starting from its tables; write ``gains.json``,
    ``trace.csv`` and ``provenance.json`` into ``outdir`` (atomically) and return the gain table written.

    ``workdir``: where the circuits and trials go (kept); by default a temporary folder beside ``outdir``.
    ``gains_file``: the record of the file the starting tables were read from (provenance)."""
    started = time.perf_counter()
    spec.validate()
    settings.validate()
    outdir = Path(outdir)
    names = [c.name for c in figures.CLASSES]
    lgn = {c: spec.lgn_class_gain.get(c, 1.0) for c in names}
    recurrent = {c: spec.recurrent_e_gain.get(c, 1.0) for c in names}
    target = {c: target_rate_hz(c) for c in names}
    rows, iterations = [], []
    with _work_folder(None if workdir is None else Path(workdir), outdir) as work:
        for it in tqdm(
            range(settings.iterations), desc="calibration", unit="iteration", disable=not progress
        ):
            built = spec.replace(
                lgn_class_gain=dict(lgn), recurrent_e_gain={c: g for c, g in recurrent.items() if g != 1.0}
            )
            rates = measure_rates(built, settings, work, progress)
            error = {c: rates[c] / target[c] - 1 for c in names}
            worst = max(names, key=lambda c: abs(error[c]))
            within = sum(abs(e) <= WITHIN for e in error.values())
            log.info(
                "iteration %d: %d of %d classes within %.0f%%, worst %s %+.0f%%",
                it, within, len(names), 100 * WITHIN, worst, 100 * error[worst],
            )  # fmt: skip
            rows += [
                {"iteration": it, "scale": spec.scale, "duration_ms": settings.protocol.duration_ms,
                 "cell_class": c, "target_hz": target[c], "rate_hz": round(rates[c], 3),
                 "gain": round(lgn[c], 4), "recurrent_e_gain": round(recurrent[c], 4)}
                for c in names
            ]  # fmt: skip
            iterations.append(
                {
                    "iteration": it,
                    "classes_within_15_percent": within,
                    "worst_class": worst,
                    "worst_relative_error": round(error[worst], 4),
                    "rate_hz": {c: round(rates[c], 3) for c in names},
                    "lgn_class_gain": {c: round(lgn[c], 4) for c in names},
                    "recurrent_e_gain": {c: round(recurrent[c], 4) for c in names},
                }
            )
            for c in names:
                lgn[c], recurrent[c] = corrected_gains(
                    lgn[c], recurrent[c], correction_factor(target[c], rates[c])
                )
    calibration = {
        "scale": spec.scale,
        "seed": spec.seed,
        "settings": settings.record(),
        "started_from": dict(gains_file) if gains_file else spec.gains_source(),
        "trace": iterations,
    }
    table = gain_table(
        {c: round(g, TABLE_DECIMALS) for c, g in lgn.items()},
        {c: round(g, TABLE_DECIMALS) for c, g in recurrent.items()},
        calibration,
    )
    with atomic_directory(outdir) as tmp:
        write_json(tmp / "gains.json", table)
        pd.DataFrame(rows, columns=TRACE_COLUMNS).to_csv(tmp / "trace.csv", index=False)
        write_json(
            tmp / "provenance.json",
            provenance(
                started,
                stage="calibrate",
                spec=dataclasses.asdict(spec),
                gains_source=calibration["started_from"],
                settings=settings.record(),
                iterations=settings.iterations,
                last_classes_within_15_percent=iterations[-1]["classes_within_15_percent"],
            ),
        )
    return table
