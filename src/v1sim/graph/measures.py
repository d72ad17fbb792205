"""How good a community structure or a K-way partition is: modularity, agreement, cut, balance, spike traffic.

Spike traffic models the multicast routing of neuromorphic hardware (SpiNNaker, Loihi, FPGA AER links): a spike of
neuron ``i`` is sent once to every *other* chip that holds at least one of ``i``'s targets. With ``D_i`` that
number of remote chips and ``r_i`` the neuron's rate, the traffic leaving chip ``c`` is ``Σ_{i∈c} r_i D_i`` and
the traffic arriving at chip ``c`` is the sum of ``r_i`` over the neurons elsewhere with a target on ``c``
(spikes per second). ``unicast`` counts one packet per crossing synapse instead (``Σ`` over cut edges of the
source's rate), the cost without multicast.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numba
import numpy as np
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def modularity(undirected: sp.spmatrix, labels: np.ndarray, resolution: float = 1.0) -> float:
    """Newman's modularity of ``labels`` on a symmetric weighted adjacency (γ = ``resolution``)."""
    coo = sp.coo_matrix(undirected)
    two_m = coo.data.sum()
    if two_m == 0:
        return 0.0
    inside = coo.data[labels[coo.row] == labels[coo.col]].sum()
    strength = np.bincount(labels, weights=np.asarray(undirected.sum(axis=1)).ravel())
    return float(inside / two_m - resolution * np.sum((strength / two_m) ** 2))


def directed_modularity(directed: sp.spmatrix, labels: np.ndarray, resolution: float = 1.0) -> float:
    """Leicht & Newman's (2008) modularity for a directed weighted adjacency (rows = sources)."""
    coo = sp.coo_matrix(directed)
    m = coo.data.sum()
    if m == 0:
        return 0.0
    inside = coo.data[labels[coo.row] == labels[coo.col]].sum()
    out_strength = np.bincount(
        labels, weights=np.asarray(directed.sum(axis=1)).ravel(), minlength=labels.max() + 1
    )
    in_strength = np.bincount(
        labels, weights=np.asarray(directed.sum(axis=0)).ravel(), minlength=labels.max() + 1
    )
    return float(inside / m - resolution * np.sum(out_strength * in_strength) / m**2)


def agreement(labels: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Normalised mutual information and adjusted Rand index of ``labels`` against ``reference``."""
    return {
        "nmi": float(normalized_mutual_info_score(reference, labels)),
        "ari": float(adjusted_rand_score(reference, labels)),
    }


def balance(parts: np.ndarray, k: int, load: np.ndarray | None = None) -> float:
    """Heaviest part over the mean part (1 = perfect), by node count or by ``load``."""
    per_part = np.bincount(parts, weights=load, minlength=k)
    return float(per_part.max() / per_part.mean())


@numba.njit(cache=True)
def _traffic_kernel(indptr, indices, data, parts, rates, k):  # pragma: no cover - compiled
    n = len(indptr) - 1
    sent = np.zeros(k)
    received = np.zeros(k)
    seen = np.full(k, -1, np.int64)
    remote = np.zeros(n, np.int64)
    cut_edges = 0
    cut_weight = 0.0
    unicast = 0.0
    for i in range(n):
        home = parts[i]
        for e in range(indptr[i], indptr[i + 1]):
            chip = parts[indices[e]]
            if chip != home:
                cut_edges += 1
                cut_weight += data[e]
                unicast += rates[i]
                if seen[chip] != i:
                    seen[chip] = i
                    remote[i] += 1
                    received[chip] += rates[i]
        sent[home] += rates[i] * remote[i]
    return sent, received, remote, cut_edges, cut_weight, unicast


@dataclass
class PartitionCost:
    """What a K-way partition costs (see the module docstring for the traffic model)."""

    k: int
    edge_cut_fraction: float  #: directed edges (pairs) joining two parts / all
    weight_cut_fraction: float  #: their weight / all weight
    balance_nodes: float
    balance_load: float  #: heaviest part's summed rate over the mean (NaN without rates)
    remote_chips_per_neuron: float  #: mean D_i
    traffic_hz: float  #: multicast spikes/s crossing chips, all chips (NaN without rates)
    traffic_hz_worst_out: float
    traffic_hz_worst_in: float
    unicast_hz: float  #: one packet per crossing synapse

    def as_row(self) -> dict[str, float]:
        return asdict(self)


def partition_cost(
    directed: sp.csr_matrix, parts: np.ndarray, k: int, rates_hz: np.ndarray | None
) -> PartitionCost:
    """Cut, balance and (with per-node rates, Hz) the crossing spike traffic of ``parts`` on ``directed``."""
    directed = sp.csr_matrix(directed)
    have_rates = rates_hz is not None
    rates = np.asarray(rates_hz, dtype=np.float64) if have_rates else np.zeros(directed.shape[0])
    sent, received, remote, cut_edges, cut_weight, unicast = _traffic_kernel(
        directed.indptr.astype(np.int64), directed.indices, directed.data, parts.astype(np.int64), rates, k
    )
    nan = float("nan")
    return PartitionCost(
        k=k,
        edge_cut_fraction=cut_edges / max(directed.nnz, 1),
        weight_cut_fraction=float(cut_weight / directed.data.sum()) if directed.nnz else 0.0,
        balance_nodes=balance(parts, k),
        balance_load=balance(parts, k, rates) if have_rates and rates.sum() > 0 else nan,
        remote_chips_per_neuron=float(remote.mean()),
        traffic_hz=float(sent.sum()) if have_rates else nan,
        traffic_hz_worst_out=float(sent.max()) if have_rates else nan,
        traffic_hz_worst_in=float(received.max()) if have_rates else nan,
        unicast_hz=float(unicast) if have_rates else nan,
    )
