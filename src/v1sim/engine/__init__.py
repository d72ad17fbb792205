"""The simulation engine: CPU and GPU drivers over one neuron model."""

import os

# numba's threads here are OpenMP threads. Spinning ones slow down many times over on a shared machine whenever
# another process wants a core, while sleeping ones cost a few per cent: sleep unless the user chose otherwise.
# (Read when OpenMP starts, i.e. before the first parallel call.)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
