"""SONATA node sets: which nodes an input, a clamp or a report applies to.

A node set is a name or an inline definition:

* a name refers to the config's ``node_sets`` (inline, or read from ``node_sets_file``), else to a population
  (bmtk registers each population as a node set of that name), or to ``all`` (every node of every population);
* a JSON object selects nodes by key: ``population``/``populations`` (a name or a list), ``node_id``/``node_ids``
  (an id or a list) and any node property (a value, or a list of allowed values); keys combine with AND;
* a list of numbers is a list of node ids in every population (bmtk), a list of names the union of those node
  sets (SONATA's compound node sets).

Properties are looked up in the converted ``nodes.parquet`` (every SONATA attribute of the nodes and their node
types). A property absent from a population that the node set names is an error naming the config and the field;
so is an unknown population, a node id that no covered population has, and a name that refers to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError

POPULATION_KEYS = ("population", "populations")
NODE_ID_KEYS = ("node_id", "node_ids")


@dataclass(frozen=True)
class Where:
    """The file and field a node set came from, for error messages."""

    path: Path | str | None
    field: str

    def error(self, problem: str) -> V1SimInputError:
        return V1SimInputError(self.path, self.field, problem)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def static_populations(
    spec: Any, node_sets: Mapping[str, Any], _seen: tuple[str, ...] = ()
) -> set[str] | None:
    """The populations a node set names without looking at the nodes (None: it may span every population).

    Used to match ``--input POP=FILE`` to the config's inputs before any input file is opened.
    """
    if isinstance(spec, str):
        if spec in node_sets and spec not in _seen:
            return static_populations(node_sets[spec], node_sets, (*_seen, spec))
        return None if spec == "all" else {spec}
    if isinstance(spec, Mapping):
        for key in POPULATION_KEYS:
            if key in spec:
                return {str(p) for p in _as_list(spec[key])}
        return None
    if isinstance(spec, list) and spec and all(isinstance(s, str) for s in spec):
        parts = [static_populations(s, node_sets, _seen) for s in spec]
        return None if any(p is None for p in parts) else set().union(*parts)
    return None


class NodeSetResolver:
    """Resolves node sets against a converted network's node table (``population``, ``node_id``, attributes)."""

    def __init__(self, nodes: pd.DataFrame, node_sets: Mapping[str, Any], node_sets_where: Path | str | None):
        self.nodes = nodes
        self.node_sets = dict(node_sets)
        self.node_sets_where = node_sets_where
        self.populations = list(pd.unique(nodes["population"].astype(str)))
        self._rows = {
            p: np.flatnonzero(nodes["population"].astype(str).to_numpy() == p) for p in self.populations
        }

    def resolve(self, spec: Any, where: Where) -> dict[str, np.ndarray]:
        """``{population: sorted node ids}`` of the node set ``spec`` (see the module docstring)."""
        return self._resolve(spec, where, ())

    def _resolve(self, spec: Any, where: Where, seen: tuple[str, ...]) -> dict[str, np.ndarray]:
        if isinstance(spec, str):
            if spec in self.node_sets:
                if spec in seen:
                    raise where.error(f"node set '{spec}' refers to itself ({' -> '.join((*seen, spec))})")
                named = Where(self.node_sets_where, f"node_sets.{spec}")
                return self._resolve(self.node_sets[spec], named, (*seen, spec))
            if spec == "all":
                return {p: self._ids(p, self._rows[p]) for p in self.populations}
            if spec in self.populations:
                return {spec: self._ids(spec, self._rows[spec])}
            raise where.error(
                f"node set '{spec}' is neither a node set of the config nor a population "
                f"(populations: {', '.join(self.populations)})"
            )
        if isinstance(spec, list):
            if all(isinstance(s, str) for s in spec) and spec:
                return _union([self._resolve(s, where, seen) for s in spec])
            return self._select({"node_id": spec}, where)
        if isinstance(spec, Mapping):
            return self._select(spec, where)
        raise where.error(f"a node set is a name, an object or a list, not {type(spec).__name__}")

    def _ids(self, population: str, rows: np.ndarray) -> np.ndarray:
        return np.sort(self.nodes["node_id"].to_numpy()[rows].astype(np.int64))

    def _select(self, spec: Mapping[str, Any], where: Where) -> dict[str, np.ndarray]:
        filters = dict(spec)
        explicit = None
        for key in POPULATION_KEYS:
            if key in filters:
                explicit = [str(p) for p in _as_list(filters.pop(key))]
        if explicit is not None:
            for name in explicit:
                if name not in self.populations:
                    raise where.error(
                        f"unknown population '{name}' (populations: {', '.join(self.populations)})"
                    )
        populations = explicit if explicit is not None else self.populations
        node_ids = None
        for key in NODE_ID_KEYS:
            if key in filters:
                values = _as_list(filters.pop(key))
                if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
                    raise where.error(f"{key} must be a node id or a list of node ids")
                node_ids = (
                    np.asarray(values, dtype=np.int64)
                    if node_ids is None
                    else np.intersect1d(node_ids, np.asarray(values, dtype=np.int64))
                )
        for key, value in filters.items():
            for item in _as_list(value):
                if isinstance(item, Mapping | list):
                    raise where.error(f"property '{key}': a value or a list of values, not {item!r}")
        out: dict[str, np.ndarray] = {}
        having_all = []
        for population in populations:
            rows = self._rows[population]
            lacking = [key for key in filters if self._column(key, rows) is None]
            if lacking:
                if explicit is not None:
                    raise where.error(f"population '{population}' has no node property '{lacking[0]}'")
                continue
            having_all.append(population)
            keep = np.ones(len(rows), dtype=bool)
            for key, value in filters.items():
                keep &= _matches(self._column(key, rows), value)
            ids = self.nodes["node_id"].to_numpy()[rows[keep]].astype(np.int64)
            if node_ids is not None:
                ids = ids[np.isin(ids, node_ids)]
            out[population] = np.sort(ids)
        if filters and not having_all:
            raise where.error(f"no population has the node property '{next(iter(filters))}'")
        if node_ids is not None:
            known = np.concatenate(
                [self.nodes["node_id"].to_numpy()[self._rows[p]] for p in having_all]
                or [np.zeros(0, np.int64)]
            )
            absent = np.setdiff1d(node_ids, known)
            if len(absent):
                pops = ", ".join(having_all)
                raise where.error(f"node id {int(absent[0])} is not a node of {pops}")
        return out

    def _column(self, key: str, rows: np.ndarray) -> pd.Series | None:
        """The values of property ``key`` for ``rows``; None when no node of them has the property."""
        name = f"attribute.{key}" if f"attribute.{key}" in self.nodes else key
        if name not in self.nodes or key in ("population", "engine_index", "pop_index"):
            return None
        values = self.nodes[name].iloc[rows]
        return None if values.isna().all() else values


def _matches(column: pd.Series, value: Any) -> np.ndarray:
    allowed = _as_list(value)
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        numbers = [v for v in allowed if isinstance(v, int | float) and not isinstance(v, bool)]
        return column.isin(numbers).to_numpy(dtype=bool)
    return column.isin(allowed).fillna(False).to_numpy(dtype=bool)


def _union(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for part in parts:
        for population, ids in part.items():
            out[population] = np.union1d(out.get(population, np.zeros(0, np.int64)), ids)
    return out
