"""V1→V1 connections: distance-dependent Bernoulli draws for every (source, target) pair, without visiting them all.

A source of class ``s`` connects to a target of class ``t`` at horizontal distance ``d`` with probability
``p = p0[s, t] · exp(−d² / (2 σ[s, t]²)) · (b[s, t] + g[s, t]·Δφ)`` for ``d ≤ cutoff · σ`` (zero beyond), where
Δφ ∈ [0°, 90°] is the difference of the two cells' ``tuning_angle`` as orientations: the linear like-to-like
factor of Billeh et al. (2020), whose mean over Δφ is 1 (b = 1, g = 0 where a pair has none). Sources of each
class are binned on a square grid in the x–z plane; for each target and grid cell the draw uses the cell's
upper bound ``p0 · max(b, b + 90 g) · exp(−d_min² / 2σ²)`` with geometric skipping over the cell's sources,
then keeps a candidate with probability ``p / p_upper`` (thinning). Each pair is thus an exact Bernoulli draw
of ``p``, and the work grows with the number of edges, not with the number of pairs. Every target draws from
its own random stream (:mod:`v1sim.rng`), so the result does not depend on threads; a counting pass sizes
the output, a second pass with the same draws fills it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from v1sim.rng import stream, uniform


@dataclass
class SourceGrid:
    """Nodes of each class binned on a square grid: ``nodes[pointer[c, cell]:pointer[c, cell+1]]``."""

    nodes: np.ndarray
    pointer: np.ndarray
    origin: float
    cell_um: float
    n_side: int


def bin_sources(
    x: np.ndarray, z: np.ndarray, node_class: np.ndarray, n_classes: int, radius: float, cell_um: float
) -> SourceGrid:
    """Bin every node by (class, grid cell) with a stable counting sort."""
    n_side = max(1, math.ceil(2 * radius / cell_um) + 1)
    origin = -radius - cell_um / 2
    ix = np.clip(((x - origin) // cell_um).astype(np.int64), 0, n_side - 1)
    iz = np.clip(((z - origin) // cell_um).astype(np.int64), 0, n_side - 1)
    key = node_class.astype(np.int64) * n_side * n_side + ix * n_side + iz
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=n_classes * n_side * n_side).reshape(n_classes, n_side * n_side)
    pointer = np.zeros((n_classes, n_side * n_side + 1), dtype=np.int64)
    pointer[:, 1:] = np.cumsum(counts, axis=1)
    pointer += np.concatenate([[0], np.cumsum(counts.sum(axis=1))[:-1]])[:, None]
    return SourceGrid(order.astype(np.int64), pointer, float(origin), float(cell_um), n_side)


@numba.njit(cache=True, inline="always")
def orientation_difference(a_deg: float, b_deg: float) -> float:
    """Difference of two angles as orientations, folded onto 0–90°."""
    return abs(abs(abs(180.0 - abs(a_deg - b_deg) % 360.0) - 90.0) - 90.0)


@numba.njit(cache=True)
def _draw_target(
    t,
    fill,
    out_src,
    out_nsyns,
    start,
    x,
    z,
    angle,
    node_class,
    p0,
    sigma,
    like_b,
    like_g,
    cutoff,
    nodes,
    pointer,
    origin,
    h,
    n_side,
    seed,
    nsyns_lo,
    nsyns_hi,
):
    state = stream(seed, t)
    xt, zt, ct = x[t], z[t], node_class[t]
    found = 0
    for cs in range(p0.shape[0]):
        peak = p0[cs, ct]
        if peak <= 0.0:
            continue
        b, g = like_b[cs, ct], like_g[cs, ct]
        boost = max(b, b + 90.0 * g)
        inv = 0.5 / (sigma[cs, ct] * sigma[cs, ct])
        rmax = cutoff * sigma[cs, ct]
        rmax2 = rmax * rmax
        ix0 = max(0, int((xt - rmax - origin) // h))
        ix1 = min(n_side - 1, int((xt + rmax - origin) // h))
        iz0 = max(0, int((zt - rmax - origin) // h))
        iz1 = min(n_side - 1, int((zt + rmax - origin) // h))
        for ix in range(ix0, ix1 + 1):
            cx0 = origin + ix * h
            dx = max(cx0 - xt, 0.0, xt - (cx0 + h))
            for iz in range(iz0, iz1 + 1):
                cell = ix * n_side + iz
                lo, hi = pointer[cs, cell], pointer[cs, cell + 1]
                if lo == hi:
                    continue
                cz0 = origin + iz * h
                dz = max(cz0 - zt, 0.0, zt - (cz0 + h))
                dmin2 = dx * dx + dz * dz
                if dmin2 > rmax2:
                    continue
                upper = peak * boost * math.exp(-dmin2 * inv)
                log_miss = math.log1p(-upper)
                j = lo - 1
                while True:
                    state, u = uniform(state)
                    j += 1 + int(math.log(u) / log_miss)
                    if j >= hi:
                        break
                    s = nodes[j]
                    d2 = (x[s] - xt) ** 2 + (z[s] - zt) ** 2
                    state, u = uniform(state)
                    if s == t or d2 > rmax2:
                        continue
                    like = b + g * orientation_difference(angle[s], angle[t]) if g != 0.0 else b
                    if u * upper >= peak * like * math.exp(-d2 * inv):
                        continue
                    state, u = uniform(state)
                    if fill:
                        out_src[start + found] = s
                        out_nsyns[start + found] = nsyns_lo + min(
                            int(u * (nsyns_hi - nsyns_lo + 1)), nsyns_hi - nsyns_lo
                        )
                    found += 1
    if fill and found > 1:  # sources in ascending order, nsyns alongside
        order = np.argsort(out_src[start : start + found])
        out_src[start : start + found] = out_src[start : start + found][order]
        out_nsyns[start : start + found] = out_nsyns[start : start + found][order]
    return found


@numba.njit(parallel=True, cache=True)
def _draw(
    targets,
    fill,
    offsets,
    out_src,
    out_nsyns,
    x,
    z,
    angle,
    node_class,
    p0,
    sigma,
    like_b,
    like_g,
    cutoff,
    nodes,
    pointer,
    origin,
    h,
    n_side,
    seed,
    nsyns_lo,
    nsyns_hi,
):
    counts = np.zeros(len(targets), dtype=np.int64)
    for i in numba.prange(len(targets)):
        counts[i] = _draw_target(
            targets[i],
            fill,
            out_src,
            out_nsyns,
            offsets[i],
            x,
            z,
            angle,
            node_class,
            p0,
            sigma,
            like_b,
            like_g,
            cutoff,
            nodes,
            pointer,
            origin,
            h,
            n_side,
            seed,
            nsyns_lo,
            nsyns_hi,
        )
    return counts


@dataclass(frozen=True)
class ConnectionRule:
    """Per (source class, target class): peak probability, Gaussian width (µm) and like-to-like line.

    ``like_intercept`` and ``like_gradient_per_deg`` give the orientation factor ``b + g·Δφ``; ``None`` means
    no orientation dependence anywhere (b = 1, g = 0).
    """

    p0: np.ndarray
    sigma_um: np.ndarray
    cutoff_sigmas: float
    nsyns: tuple[int, int]
    like_intercept: np.ndarray | None = None
    like_gradient_per_deg: np.ndarray | None = None

    def orientation_lines(self) -> tuple[np.ndarray, np.ndarray]:
        """(b, g) matrices, filled in where the rule has none."""
        b = np.ones_like(self.p0) if self.like_intercept is None else self.like_intercept
        g = np.zeros_like(self.p0) if self.like_gradient_per_deg is None else self.like_gradient_per_deg
        return np.ascontiguousarray(b, dtype=np.float64), np.ascontiguousarray(g, dtype=np.float64)

    def peak_bound(self) -> float:
        """The largest probability the rule can give any pair (must stay below 1)."""
        b, g = self.orientation_lines()
        return float(np.max(self.p0 * np.maximum(b, b + 90.0 * g)))


def like_to_like_line(ratio: float) -> tuple[float, float]:
    """(b, g) of the linear orientation factor with p(90°)/p(0°) = ``ratio`` and mean 1 over 0–90°.

    Billeh et al. (2020): b = 2/(1 + ratio) at Δφ = 0, ratio·b at Δφ = 90°, linear between.
    """
    b = 2.0 / (1.0 + ratio)
    return b, (ratio * b - b) / 90.0


def draw_connections(
    targets: np.ndarray,
    x: np.ndarray,
    z: np.ndarray,
    tuning_angle: np.ndarray,
    node_class: np.ndarray,
    grid: SourceGrid,
    rule: ConnectionRule,
    seed: int,
    count_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sources and nsyns of every connection onto ``targets``: (per-target counts, sources, nsyns), by target.

    With ``count_only`` only the counts are computed (the sources and nsyns returned are empty).
    """
    like_b, like_g = rule.orientation_lines()
    args = (
        x,
        z,
        np.ascontiguousarray(tuning_angle, dtype=np.float64),
        node_class,
        rule.p0,
        rule.sigma_um,
        like_b,
        like_g,
        float(rule.cutoff_sigmas),
        grid.nodes,
        grid.pointer,
        grid.origin,
        grid.cell_um,
        grid.n_side,
        int(seed),
        int(rule.nsyns[0]),
        int(rule.nsyns[1]),
    )
    empty_i, empty_u = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    zeros = np.zeros(len(targets), dtype=np.int64)
    counts = _draw(targets, False, zeros, empty_i, empty_u, *args)
    if count_only:
        return counts, empty_i, empty_u
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    sources = np.empty(int(counts.sum()), dtype=np.int64)
    nsyns = np.empty(len(sources), dtype=np.uint8)
    filled = _draw(targets, True, offsets, sources, nsyns, *args)
    assert np.array_equal(filled, counts)
    return counts, sources, nsyns


def expected_probability(
    d_um: np.ndarray,
    peak: float,
    sigma_um: float,
    cutoff_sigmas: float,
    orientation_difference_deg: np.ndarray | float = 0.0,
    like_intercept: float = 1.0,
    like_gradient_per_deg: float = 0.0,
) -> np.ndarray:
    """The connection probability the rule uses at horizontal distance ``d_um`` and orientation difference Δφ."""
    d = np.asarray(d_um, dtype=float)
    like = like_intercept + like_gradient_per_deg * np.asarray(orientation_difference_deg, dtype=float)
    return np.where(d <= cutoff_sigmas * sigma_um, peak * np.exp(-(d**2) / (2 * sigma_um**2)) * like, 0.0)
