"""Current injection: NEST ``step_current_generator`` s, as bmtk PointNet's IClamp module creates them.

A :class:`StepCurrent` is one generator: a piecewise-constant current (pA) that takes ``amplitude_values_pa[j]``
from ``amplitude_times_ms[j]`` on, connected to every neuron of ``targets`` with ``weight`` and ``delay_ms``. NEST
sends the amplitude of a change at ``t_j`` during the step that ends at ``t_j``, so with a connection delay of
``d`` steps the neuron's membrane sees it from step ``t_j/dt + d`` on (one step after ``t_j`` when ``d`` = 1, the
delay of dt that PointNet uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StepCurrent:
    """One step-current generator and the neurons (engine indices) it is connected to."""

    amplitude_times_ms: np.ndarray
    amplitude_values_pa: np.ndarray
    targets: np.ndarray
    weight: float = 1.0
    #: Connection delay; None takes the simulation's dt (PointNet connects clamps with delay dt).
    delay_ms: float | None = None
    #: Where the generator came from, for error messages (a config file and input name).
    source: str = field(default="step current")
