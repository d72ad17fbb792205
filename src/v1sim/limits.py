"""The ranges of values v1sim can run, shared by the command line's argument types and the config check.

Times are counted as NEST counts them: in tics of 0.001 ms, a time step being a whole number of tics. A run
length v1sim is given (``--tstop``/``--dt``, ``simulate.tstop_ms``/``dt_ms``, ``grating.duration_ms``) must be
a whole number of steps: NEST would silently run the next whole step (``--tstop 200 --dt 0.3`` runs 200.1 ms),
v1sim refuses it and names the nearest lengths that are. A bmtk simulation config's own ``run`` is run as NEST
runs it (the next whole step), with a warning.
"""

from __future__ import annotations

import functools
import math

#: NEST's tic: the finest time a step can be a multiple of (ms).
TIC_MS = 0.001
#: Longest time accepted anywhere (ms): 10⁹ ms, 11.6 days of model time.
MAX_MS = 1e9
#: Most steps in a run (the engine counts steps in 32-bit integers).
MAX_STEPS = 2**31 - 1
#: Seeds: what every random generator v1sim uses accepts (scikit-learn and UMAP take 32-bit seeds).
MAX_SEED = 2**32 - 1
#: Highest Poisson rate per node (Hz): far above any cell's, low enough that the spike trains fit in memory.
MAX_POISSON_HZ = 1e5
#: Most threads, parts, cells or sweeps asked for by a count: anything larger overflows a 32-bit index.
MAX_COUNT = 2**31 - 1


def tics(ms: float) -> int:
    """``ms`` in NEST tics, rounded to the nearest (as ``nest::Time::ms`` rounds)."""
    return math.floor(ms / TIC_MS + 0.5)


def dt_problem(dt_ms: float) -> str | None:
    """Why ``dt_ms`` cannot be a time step (not a positive whole number of 0.001 ms tics), else None."""
    if not (math.isfinite(dt_ms) and dt_ms > 0):
        return f"time step {dt_ms:g} ms is not a positive number"
    if tics(dt_ms) == 0 or abs(dt_ms / TIC_MS - tics(dt_ms)) > 1e-6 * max(1.0, dt_ms / TIC_MS):
        return f"time step {dt_ms:g} ms is not a whole number of NEST's {TIC_MS:g} ms tics"
    return None


def whole_steps_problem(length_ms: float, dt_ms: float, *, whole: bool = True) -> str | None:
    """Why a run of ``length_ms`` at step ``dt_ms`` cannot be run as given, else None: ``dt_ms`` is not a
    time step, the length is not a whole number of steps (naming the nearest lengths that are; not checked
    when ``whole`` is false), or it has more than :data:`MAX_STEPS` steps."""
    problem = dt_problem(dt_ms)
    if problem:
        return problem
    if not (math.isfinite(length_ms) and length_ms > 0):
        return f"{length_ms:g} ms is not a positive length"
    step = tics(dt_ms)
    n, rest = divmod(tics(length_ms), step)
    if rest and whole:
        below, above = n * step * TIC_MS, (n + 1) * step * TIC_MS
        shorter = f"{below:g} or " if n else ""
        return f"{length_ms:g} ms is not a whole number of {dt_ms:g} ms steps: choose {shorter}{above:g} ms"
    if n + bool(rest) > MAX_STEPS:
        return f"{length_ms:g} ms at {dt_ms:g} ms is {n:,} steps, more than the {MAX_STEPS:,} a run can have"
    return None


@functools.cache
def smallest_builtin_scale() -> float:
    """The smallest ``scale`` (two significant digits) at which every class of the built-in V1 column has a
    cell (counts are rounded per class in the core and in the annulus, so a class needs half a cell in one)."""
    from v1sim.builder import published_figures as figures
    from v1sim.builder.v1 import class_counts

    largest_part = min(max(c.n_core, c.n_full - c.n_core) for c in figures.CLASSES)
    scale = 0.5 / largest_part
    digits = 2 - math.floor(math.log10(scale)) - 1
    candidate = math.ceil(scale * 10**digits) / 10**digits
    while min(sum(parts) for parts in zip(*class_counts(candidate), strict=True)) < 1:
        candidate += 10**-digits
    return round(candidate, digits)
