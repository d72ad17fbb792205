"""The Billeh et al. (2020) validation targets per target group (``L2/3 E``, ``L4 PV``; the group of a class name
is :func:`v1sim.taxonomy.target_group`).

Mean evoked rates (Hz) of the GLIF core's classes under drifting gratings, from Billeh et al. 2020, *Neuron*
106:388–403 (as summarised in ``shared/docs/v1-model.md`` §6). Overall mean 3.3 Hz. They are evoked
rates: a run without a grating stimulus is compared against them for orientation only.
"""

from __future__ import annotations

import numpy as np

from v1sim.taxonomy import target_group

#: target group → mean evoked rate (Hz)
BILLEH_RATE_HZ: dict[str, float] = {
    "L1 Htr3a": 5.1,
    "L2/3 E": 1.7,
    "L2/3 PV": 8.5,
    "L2/3 SST": 7.9,
    "L2/3 VIP": 6.6,
    "L4 E": 2.1,
    "L4 PV": 8.8,
    "L4 SST": 3.2,
    "L4 VIP": 2.2,
    "L5 E": 3.6,
    "L5 PV": 6.9,
    "L5 SST": 1.9,
    "L5 VIP": 1.6,
    "L6 E": 3.7,
    "L6 PV": 11.1,
    "L6 SST": 5.5,
    "L6 VIP": 4.8,
}
BILLEH_OVERALL_HZ = 3.3

#: target group → (median OSI, median DSI) of the GLIF core under drifting gratings, counted for cells of at
#: least 0.5 Hz at their preferred direction (Billeh et al. 2020; ``shared/docs/v1-model.md`` §6).
BILLEH_OSI_DSI: dict[str, tuple[float, float]] = {
    "L1 Htr3a": (0.05, 0.04),
    "L2/3 E": (0.30, 0.14),
    "L2/3 PV": (0.11, 0.15),
    "L2/3 SST": (0.09, 0.13),
    "L2/3 VIP": (0.05, 0.06),
    "L4 E": (0.25, 0.15),
    "L4 PV": (0.09, 0.10),
    "L4 SST": (0.19, 0.32),
    "L4 VIP": (0.15, 0.24),
    "L5 E": (0.28, 0.16),
    "L5 PV": (0.14, 0.12),
    "L5 SST": (0.19, 0.28),
    "L5 VIP": (0.21, 0.36),
    "L6 E": (0.23, 0.17),
    "L6 PV": (0.11, 0.20),
    "L6 SST": (0.13, 0.20),
    "L6 VIP": (0.29, 0.38),
}


def target_rate_hz(cell_class: str) -> float:
    """The Billeh target rate of a class (NaN when it has none)."""
    group = target_group(cell_class)
    return BILLEH_RATE_HZ.get(group, np.nan) if group else np.nan
