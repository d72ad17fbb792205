"""Child of grating_experiment.py, step 2, the peer: bmtk 1.2 FilterNet's cell loader, ``evaluate`` (the per-unit
work of ``FilterSimulator.run``, with FilterNet's own numba kernel) and spike generator on a seeded sample of
LGN units for one 3-s grating at 45°; its rates are compared with v1sim's for the same units.

Arguments: a convert-stage nodes.parquet, the number of units sampled. Result: the times (the first unit's
includes numba's compilation) and the largest rate differences.
"""

from __future__ import annotations

import time
from pathlib import Path

DIRECTION_DEG, DURATION_MS, SF_CPD = 45.0, 3000.0, 0.04


def main(argv: list[str]) -> dict:
    import numpy as np
    from bmtk.simulator.filternet.lgnmodel.movie import GratingMovie
    from bmtk.simulator.filternet.modules.create_spikes import f_rate_to_spike_train

    from v1sim.inputs.lgn import LGNResponder
    from v1sim.inputs.lgn_stage import read_units
    from v1sim.inputs.stimulus import DriftingGrating, Screen
    from v1sim.reference.filternet import filternet_cell

    nodes, n_sample = Path(argv[0]), int(argv[1])
    units = read_units(nodes)
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(len(units), n_sample, replace=False))
    started = time.perf_counter()
    movie = GratingMovie(row_size=120, col_size=240, frame_rate=1000.0, y_dir="up").create_movie(
        t_min=0.0,
        t_max=DURATION_MS / 1000.0,
        gray_screen_dur=0.0,
        cpd=SF_CPD,
        temporal_f=2.0,
        theta=DIRECTION_DEG,
        contrast=0.8,
    )
    movie_s = time.perf_counter() - started
    theirs, first_unit_s = [], None
    for u in pick:
        kind = str(units.unit_type[u])
        node = {
            "x": units.x_deg[u],
            "y": units.y_deg[u],
            "spatial_size": units.spatial_size_deg[u],
            "tuning_angle": units.tuning_angle_deg[u],
            "sf_sep": units.sf_sep_deg[u],
        }
        t0 = time.perf_counter()
        cell = filternet_cell(node, kind)
        ts, rates = cell.evaluate(movie, separable=False)
        rates = np.asarray(rates, dtype=float)
        f_rate_to_spike_train(np.asarray(ts) * 1000.0, rates, int(u), 0.0, DURATION_MS, 0.1)
        if first_unit_s is None:
            first_unit_s = time.perf_counter() - t0  # includes numba's compilation of FilterNet's kernel
        theirs.append(rates)
    total = time.perf_counter() - started
    per_unit = (total - movie_s - first_unit_s) / max(len(pick) - 1, 1)
    sub = type(units)(*(getattr(units, f)[pick] for f in units.__dataclass_fields__))
    ours = LGNResponder(sub, Screen.for_grating(SF_CPD)).rates(DriftingGrating(DIRECTION_DEG, DURATION_MS))
    return {
        "units": len(pick),
        "inner_s": round(total, 2),
        "movie_s": round(movie_s, 2),
        "first_unit_s": round(first_unit_s, 2),
        "per_unit_direction_s": per_unit,
        "max_abs_rate_diff_hz": float(np.max(np.abs(ours - np.array(theirs)))),
        "max_mean_rate_rel_diff": float(
            np.max(np.abs(ours.mean(axis=1) / np.array(theirs).mean(axis=1) - 1))
        ),
    }
