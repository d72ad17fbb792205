"""Figure of a v1sim-against-NEST comparison: rates per class and the two rasters over each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from v1sim.reference.compare import Spikes


def plot_comparison(
    summary: dict[str, Any],
    ours: Path,
    nest: Path,
    populations: list[str],
    path: Path,
    window_ms: float = 500.0,
    max_neurons: int = 300,
) -> None:
    """Left: mean rate per class, v1sim against NEST; right: both rasters in the first ``window_ms``."""
    per_class = pd.DataFrame(summary["per_class"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1, 1.3]})
    x = np.arange(len(per_class))
    left.bar(x - 0.2, per_class["rate_nest_hz"], 0.4, label="NEST 3.10 (bmtk)", color="0.6")
    left.bar(x + 0.2, per_class["rate_v1sim_hz"], 0.4, label="v1sim", color="tab:red")
    left.set_xticks(x, per_class["cell_class"], rotation=60, ha="right", fontsize=8)
    left.set_ylabel("mean rate (Hz)")
    left.legend(frameon=False)
    diverge = summary["first_divergence_ms"]
    left.set_title(
        "identical spike trains" if diverge is None else f"first difference at {diverge:.2f} ms", fontsize=10
    )
    for label, source, marker, color in (("NEST", nest, "o", "0.5"), ("v1sim", ours, "x", "tab:red")):
        table = Spikes.read(source, populations).table
        table = table[(table["time_ms"] <= window_ms) & (table["node_id"] < max_neurons)]
        right.scatter(
            table["time_ms"], table["node_id"], s=6, marker=marker, color=color, label=label, linewidths=0.6
        )
    if diverge is not None and diverge <= window_ms:
        right.axvline(diverge, color="k", lw=0.8, ls="--")
    right.set_xlabel("time (ms)")
    right.set_ylabel(f"node id (first {max_neurons})")
    right.legend(frameon=False, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
