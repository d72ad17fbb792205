"""One trial of the drifting-grating experiment: the LGN spikes of a direction and trial, and the simulation they
drive — with the one seed scheme that the pipeline's grating rules, ``v1sim calibrate`` and the grating
benchmark share.

**Seed scheme.** With the experiment's ``seed``:

* the LGN spikes of trial ``t`` are Poisson draws from the random stream ``(seed, t)``
  (:func:`v1sim.inputs.lgn.lgn_spikes`) at the rates of that direction's grating: the stream is the same for
  every direction of a trial, the rates it draws at are not;
* the simulation of (direction ``d``, trial ``t``) — its 1 kHz background and any other Poisson source drawn on
  the device — is seeded ``seed · 1,000,003 + round(1000 · d) · 1009 + t``, so that every direction and trial has
  its own noise.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from v1sim.inputs.lgn import LGNResponder
from v1sim.inputs.lgn_stage import read_units, write_lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating, Screen
from v1sim.simulation import RunSettings, SimulationResult, run_simulation

#: the trial's LGN spike file and simulation folder inside the folder :func:`run_trial` writes
LGN_FILE, SIMULATION_DIR = "lgn.h5", "simulation"


@dataclass(frozen=True)
class GratingProtocol:
    """The drifting grating every trial shows (config.yaml ``grating``) and the experiment's seed. The defaults
    are the published experiment's: 500 ms gray, then 2.5 s of a 0.04 cpd, 2 Hz grating at contrast 0.8."""

    duration_ms: float = 3000.0
    #: gray screen at the start of each trial (included in duration_ms)
    gray_ms: float = 500.0
    sf_cpd: float = 0.04
    tf_hz: float = 2.0
    contrast: float = 0.8
    seed: int = 0

    @classmethod
    def from_config(cls, grating: Mapping[str, Any]) -> GratingProtocol:
        """The protocol of a config.yaml ``grating`` section (its other keys are ignored)."""
        return cls(**{k: grating[k] for k in cls.__dataclass_fields__ if k in grating})

    def stimulus(self, direction_deg: float) -> DriftingGrating:
        """The grating drifting along ``direction_deg``, phase 0, after the gray screen."""
        return DriftingGrating(
            direction_deg, self.duration_ms, self.sf_cpd, self.tf_hz, self.contrast, 0.0, self.gray_ms
        )

    def screen(self) -> Screen:
        """The screen the gratings are shown on (FilterNet's grid for the spatial frequency)."""
        return Screen.for_grating(self.sf_cpd)

    def simulation_seed(self, direction_deg: float, trial: int) -> int:
        """The seed of the simulation of (direction, trial): see the module docstring."""
        return self.seed * 1_000_003 + round(direction_deg * 1000) * 1009 + trial


@dataclass(frozen=True)
class TrialSimulation:
    """How each trial is simulated (config.yaml ``simulate``: dt_ms, device, dtype, threads)."""

    dt_ms: float = 0.25
    device: str = "auto"
    dtype: str = "float32"
    #: CPU threads (None: all)
    threads: int | None = None


@dataclass(frozen=True)
class TrialResult:
    """The files of one trial and how long its two steps took."""

    lgn_spikes: Path
    spikes: Path
    lgn_s: float
    simulate_s: float
    n_spikes: int


def lgn_responder(nodes: str | Path, protocol: GratingProtocol) -> LGNResponder:
    """The LGN units of a convert-stage nodes.parquet on the protocol's screen; pass it to :func:`write_trial_lgn`
    to compute the units' spatial kernels once for every trial."""
    return LGNResponder(read_units(nodes), protocol.screen())


def write_trial_lgn(
    nodes: str | Path,
    out: str | Path,
    protocol: GratingProtocol,
    direction_deg: float,
    trial: int,
    responder: LGNResponder | None = None,
) -> dict[str, Any]:
    """Write the LGN spikes of (direction, trial) to ``out`` (SONATA, provenance beside it); their summary."""
    stimulus = protocol.stimulus(direction_deg)
    return write_lgn_spikes(nodes, out, stimulus, seed=protocol.seed, trial=trial, responder=responder)


def simulate_trial(
    network_dir: str | Path,
    outdir: str | Path,
    lgn_spikes: str | Path,
    protocol: GratingProtocol,
    direction_deg: float,
    trial: int,
    simulation: TrialSimulation,
) -> SimulationResult:
    """Simulate (direction, trial) of the converted network in ``network_dir`` driven by ``lgn_spikes`` (the
    population ``lgn``), with the background at 1 kHz; spikes and provenance into ``outdir``."""
    settings = RunSettings(
        tstop_ms=protocol.duration_ms,
        dt_ms=simulation.dt_ms,
        device=simulation.device,
        dtype=simulation.dtype,
        seed=protocol.simulation_seed(direction_deg, trial),
        threads=simulation.threads,
        input_files={"lgn": str(lgn_spikes)},
    )
    return run_simulation(network_dir, outdir, None, settings)


def run_trial(
    network_dir: str | Path,
    outdir: str | Path,
    protocol: GratingProtocol,
    direction_deg: float,
    trial: int,
    simulation: TrialSimulation,
    responder: LGNResponder | None = None,
) -> TrialResult:
    """The whole trial: its LGN spikes (``outdir/lgn.h5``) and its simulation (``outdir/simulation/``)."""
    outdir, network_dir = Path(outdir), Path(network_dir)
    started = time.perf_counter()
    lgn = outdir / LGN_FILE
    write_trial_lgn(network_dir / "nodes.parquet", lgn, protocol, direction_deg, trial, responder)
    lgn_done = time.perf_counter()
    result = simulate_trial(
        network_dir, outdir / SIMULATION_DIR, lgn, protocol, direction_deg, trial, simulation
    )
    return TrialResult(
        lgn_spikes=lgn,
        spikes=outdir / SIMULATION_DIR / "spikes.h5",
        lgn_s=lgn_done - started,
        simulate_s=time.perf_counter() - lgn_done,
        n_spikes=len(result.spike_step),
    )
