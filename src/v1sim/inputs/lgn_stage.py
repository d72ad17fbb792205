"""``v1sim lgn``: LGN spike files for a stimulus (grating, gray screen, flash or a user's movie), with provenance."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.inputs.lgn import LGNResponder, LGNUnits, default_screen, lgn_spikes
from v1sim.inputs.stimulus import DriftingGrating, FullFieldFlash, GrayScreen, Movie, Screen
from v1sim.provenance import provenance, write_json
from v1sim.sonata.spikes import write_spikes
from v1sim.storage import parquet_columns, read_parquet

log = logging.getLogger(__name__)

#: The provenance record of a spike file ``X.h5`` is ``X.h5`` + this, beside it.
PROVENANCE_SUFFIX = ".json"

LGN_NODE_COLUMNS = [
    "population",
    "node_id",
    "model_template",
    "pop_name",
    "x",
    "y",
    "spatial_size",
    "tuning_angle",
]


def read_units(nodes_path: str | Path, population: str = "lgn") -> LGNUnits:
    """The LGN units of a convert-stage nodes.parquet (``sf_sep`` too when the circuit has it)."""
    nodes_path = Path(nodes_path)
    names = parquet_columns(nodes_path)
    columns = [c for c in [*LGN_NODE_COLUMNS, "sf_sep"] if c in names]
    return LGNUnits.from_nodes(read_parquet(nodes_path, columns=columns), population, str(nodes_path))


def load_movie(path: str | Path, pixel_deg: float, rows_deg: float = 120.0, cols_deg: float = 240.0) -> Movie:
    """A user's movie from a ``.npy`` file (frames × rows × columns, contrast in [−1, 1], 1 ms per frame)."""
    path = Path(path)
    try:
        frames = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise V1SimInputError(path, None, f"not a readable .npy array ({exc})") from None
    if not np.issubdtype(frames.dtype, np.floating):
        raise V1SimInputError(path, "dtype", f"expected floating-point contrasts, got {frames.dtype}")
    try:
        return Movie(frames, Screen(rows_deg, cols_deg, pixel_deg))
    except V1SimInputError as exc:
        raise V1SimInputError(path, exc.field, exc.problem) from None


def write_lgn_spikes(
    nodes: str | Path,
    out: str | Path,
    stimulus: DriftingGrating | GrayScreen | FullFieldFlash | Movie,
    seed: int = 0,
    trial: int = 0,
    population: str = "lgn",
    responder: LGNResponder | None = None,
) -> dict[str, Any]:
    """Write the LGN spikes of one trial of ``stimulus`` to ``out`` (SONATA) and ``out`` + ``.json`` (provenance)."""
    started = time.perf_counter()
    out = Path(out)
    if responder is None:
        units = read_units(nodes, population)
        responder = LGNResponder(units, default_screen(stimulus))
    rates = responder.rates(stimulus)
    ids, times = lgn_spikes(rates, responder.units.node_id, seed, trial)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    write_spikes(tmp, {population: (ids, times)})
    tmp.replace(out)
    summary = {
        "units": len(responder.units),
        "spikes": len(times),
        "duration_ms": float(rates.shape[1] - 1),
        "mean_rate_hz": float(rates[:, :-1].mean()),
    }
    stimulus_record = (
        {"kind": "movie", "frames": int(stimulus.n_frames)}
        if isinstance(stimulus, Movie)
        else {"kind": type(stimulus).__name__, **dataclasses.asdict(stimulus)}
    )
    write_json(
        out.with_suffix(out.suffix + PROVENANCE_SUFFIX),
        provenance(
            started,
            stage="lgn",
            nodes=str(Path(nodes).resolve()),
            stimulus=stimulus_record,
            screen=dataclasses.asdict(responder.screen),
            seed=seed,
            trial=trial,
            population=population,
            **summary,
        ),
    )
    log.info(
        "%s LGN spikes of %s units (mean %.2f Hz) -> %s",
        f"{len(times):,}",
        f"{len(responder.units):,}",
        summary["mean_rate_hz"],
        out,
    )
    return summary
