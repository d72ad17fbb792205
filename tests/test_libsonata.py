"""Every SONATA file v1sim writes opens in libsonata (the SONATA reference reader) and in bmtk's readers.

Spike files: libsonata's ``SpikeReader`` needs ``sorting`` as the specification's enum (a string fails with
"Unable to read attribute (Datatype)"), bmtk reads either. Reports: libsonata's ``ElementReportReader`` needs
``index_pointers`` and ``units`` and float32 data; bmtk's ``CompartmentReport`` needs ``index_pointer``.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import libsonata
import numpy as np
import pandas as pd
import pytest

from tests.conftest import require_shared
from v1sim.sonata.reports import PopulationReport, exclusive_stop, read_report, write_report
from v1sim.sonata.spikes import read_spikes, spike_sorting, write_spikes, write_spikes_csv


def _spikes(seed: int = 3) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    v1 = (rng.integers(0, 50, 400), np.round(rng.uniform(0.1, 1000.0, 400), 3))
    lm = (rng.integers(0, 9, 30), np.round(rng.uniform(0.1, 1000.0, 30), 3))
    return {"v1": v1, "lm": lm, "silent": (np.zeros(0, np.int64), np.zeros(0))}


def _as_set(ids: np.ndarray, times: np.ndarray) -> list[tuple[int, float]]:
    return sorted(zip(np.asarray(ids).tolist(), np.asarray(times).tolist(), strict=True))


@pytest.mark.parametrize("sorting", ["by_time", "by_id", "none"])
def test_spike_files_open_in_libsonata_and_bmtk(tmp_path: Path, sorting: str) -> None:
    from bmtk.utils.reports.spike_trains import SpikeTrains

    spikes = _spikes()
    path = tmp_path / "spikes.h5"
    write_spikes(path, spikes, sorting)
    reader = libsonata.SpikeReader(str(path))
    assert set(reader.get_population_names()) == set(spikes)
    theirs = SpikeTrains.load(str(path))
    for population, (ids, times) in spikes.items():
        pop = reader[population]
        assert pop.sorting == sorting
        got = pop.get()
        assert _as_set([i for i, _ in got], [t for _, t in got]) == _as_set(ids, times)
        frame = theirs.to_dataframe(populations=population)
        assert _as_set(frame["node_ids"], frame["timestamps"]) == _as_set(ids, times)
        ours = read_spikes(path)[population]
        assert _as_set(*ours) == _as_set(ids, times)
        if sorting == "by_time":
            assert np.all(np.diff(ours[1]) >= 0)
        elif sorting == "by_id":
            assert np.all(np.diff(ours[0]) >= 0)
    assert spike_sorting(path) == dict.fromkeys(spikes, sorting)


def test_bmtk_spike_files_read_with_their_string_sorting(tmp_path: Path) -> None:
    """bmtk writes ``sorting`` as a string: our reader takes it (libsonata cannot: that is why we write the enum)."""
    from bmtk.utils.reports.spike_trains import SpikeTrains, sort_order

    spikes = _spikes(7)
    trains = SpikeTrains(cache_to_disk=False)
    for population, (ids, times) in spikes.items():
        if len(ids):
            trains.add_spikes(node_ids=ids, timestamps=times, population=population)
    path = tmp_path / "bmtk.h5"
    trains.to_sonata(
        str(path), sort_order=sort_order.by_time, compression="none"
    )  # libsonata's wheel has no gzip
    with h5py.File(path) as h5:
        assert h5["spikes/v1"].attrs["sorting"] == "by_time"
    assert spike_sorting(path) == {"v1": "by_time", "lm": "by_time"}
    ours = read_spikes(path)
    for population in ("v1", "lm"):
        assert _as_set(*ours[population]) == _as_set(*spikes[population])
    with pytest.raises(Exception, match="Datatype"):
        libsonata.SpikeReader(str(path))["v1"].get()
    reference = require_shared(
        "sonata", "bmtk_point", "nest_reference", "point_120cells", "config.simulation"
    )
    assert spike_sorting(reference / "spikes.h5") == {"cortex": "none"}
    assert len(read_spikes(reference / "spikes.h5")["cortex"][0]) == 1197


def test_csv_in_bmtk_layout_reads_back_in_bmtk(tmp_path: Path) -> None:
    from bmtk.utils.reports.spike_trains import SpikeTrains

    spikes = _spikes(11)
    path = tmp_path / "spikes.csv"
    write_spikes_csv(path, spikes, "by_time")
    assert path.read_text().splitlines()[0] == "timestamps population node_ids"
    frame = SpikeTrains.load(str(path), file_type="csv").to_dataframe()
    for population in ("v1", "lm"):
        mine = frame[frame["population"] == population]
        assert _as_set(mine["node_ids"], mine["timestamps"]) == _as_set(*spikes[population])
    from v1sim.sonata.spikes import read_spikes_csv

    back = read_spikes_csv(path)
    assert set(back) == {"v1", "lm"} and _as_set(*back["v1"]) == _as_set(*spikes["v1"])


def _report(dtype: str) -> dict[str, PopulationReport]:
    rng = np.random.default_rng(5)
    n = 1234
    return {
        "cortex": PopulationReport(
            node_ids=np.array([0, 20, 60, 80, 100]),
            data=(-70.0 + rng.normal(0.0, 3.0, (n, 5))).astype(dtype),
            start_ms=0.01,
            step_ms=0.01,
        ),
        "l4": PopulationReport(
            node_ids=np.array([3]),
            data=(-60.0 + rng.normal(0.0, 1.0, (n, 1))).astype(dtype),
            start_ms=0.01,
            step_ms=0.01,
        ),
    }


def test_float32_report_opens_in_libsonata_and_bmtk(tmp_path: Path) -> None:
    from bmtk.utils.reports.compartment import CompartmentReport

    report = _report("float32")
    path = tmp_path / "v_m.h5"
    write_report(path, report)
    element = libsonata.ElementReportReader(str(path))
    soma = libsonata.SomaReportReader(str(path))
    theirs = CompartmentReport(str(path), mode="r")
    assert set(element.get_population_names()) == set(report)
    for population, expected in report.items():
        pop = element[population]
        assert pop.time_units == "ms" and pop.data_units == "mV"
        assert list(pop.get_node_ids()) == expected.node_ids.tolist()
        frame = pop.get()
        assert np.allclose(frame.times, expected.times_ms, rtol=0, atol=1e-9)
        assert np.array_equal(np.asarray(frame.data), expected.data)
        node = int(expected.node_ids[0])
        assert np.array_equal(
            np.asarray(soma[population].get(node_ids=[node]).data)[:, 0], expected.data[:, 0]
        )
        assert theirs.variable(population=population) == "V_m" and theirs.units(population=population) == "mV"
        assert np.array_equal(theirs.data(node_id=node, population=population).ravel(), expected.data[:, 0])
        assert theirs[population].n_steps() == len(expected.data)


def test_float64_report_reads_exactly_in_bmtk(tmp_path: Path) -> None:
    """float64 runs keep float64 (NEST's precision): bmtk reads every value bit for bit; libsonata opens the file
    and its times but reads only float32 data."""
    from bmtk.utils.reports.compartment import CompartmentReport

    report = _report("float64")
    path = tmp_path / "v_m.h5"
    write_report(path, report)
    theirs = CompartmentReport(str(path), mode="r")
    for population, expected in report.items():
        for j, node in enumerate(expected.node_ids):
            assert np.array_equal(
                theirs.data(node_id=int(node), population=population).ravel(), expected.data[:, j]
            )
        # bmtk counts (tstop - tstart) / dt samples: every row (its time_trace spaces them wrongly for any file)
        assert theirs[population].n_steps() == len(expected.data)
        assert theirs.tstart(population=population) == expected.start_ms
        assert theirs.dt(population=population) == expected.step_ms
    pop = libsonata.ElementReportReader(str(path))["cortex"]
    assert pop.times[0] == pytest.approx(0.01) and pop.times[2] == pytest.approx(0.01)
    with pytest.raises(Exception, match="Float32"):
        pop.get()
    back = read_report(path)
    assert np.array_equal(back["cortex"].data, report["cortex"].data)
    assert np.array_equal(back["cortex"].times_ms, report["cortex"].times_ms)


@pytest.mark.parametrize(
    ("start", "step", "n"), [(0.01, 0.01, 399999), (0.001, 0.001, 2999000), (0.1, 0.1, 7), (0.25, 0.25, 3999)]
)
def test_stored_stop_counts_every_sample(start: float, step: float, n: int) -> None:
    stop = exclusive_stop(start, step, n)
    assert int((stop - start) / step) == n  # bmtk's and libsonata's count
    assert stop == pytest.approx(start + n * step)


def test_reference_report_layout_matches_ours(tmp_path: Path) -> None:
    """Our report has every dataset and attribute of bmtk's (the NEST reference, in bmtk's layout)."""
    reference = require_shared(
        "sonata", "bmtk_point", "nest_reference", "point_120cells", "config.simulation_iclamp", "v_m.h5"
    )
    path = tmp_path / "ours.h5"
    write_report(
        path, {"cortex": PopulationReport(np.array([0, 20, 60, 80, 100]), np.zeros((4, 5)), 0.01, 0.01)}
    )

    def layout(file: Path) -> dict[str, tuple]:
        out = {}
        with h5py.File(file) as h5:
            h5.visititems(lambda name, obj: out.__setitem__(name, getattr(obj, "dtype", None)))
            out["/attrs"] = tuple(sorted(h5.attrs))
        return out

    theirs, ours = layout(reference), layout(path)
    for name, dtype in theirs.items():
        assert name in ours, name
        assert ours[name] == dtype, name


def test_circuit_files_open_in_libsonata(tmp_path: Path) -> None:
    """The circuits v1sim writes (sonata.writer: the built-in column, the test fixtures) open in libsonata."""
    from tests.circuits import CircuitSpec, make_circuit

    make_circuit(tmp_path / "c", CircuitSpec())
    net = tmp_path / "c" / "network"
    nodes = libsonata.NodeStorage(str(net / "v1_nodes.h5")).open_population("v1")
    assert nodes.size == 40 and "tuning_angle" in nodes.attribute_names
    edges = libsonata.EdgeStorage(str(net / "v1_v1_edges.h5")).open_population("v1_to_v1")
    with h5py.File(net / "v1_v1_edges.h5") as h5:
        n_edges = len(h5["edges/v1_to_v1/source_node_id"])
        targets = h5["edges/v1_to_v1/target_node_id"][:]
    assert edges.size == n_edges and edges.source == "v1" and edges.target == "v1"
    assert np.array_equal(edges.target_nodes(libsonata.Selection([[0, n_edges]])), targets)


def test_built_in_column_opens_in_libsonata_and_bmtk(built_v1_network: Path) -> None:
    """Every population of the built-in column (v1sim build-v1) opens in libsonata and in bmtk's reader, with the
    sizes v1sim's converter read."""
    from bmtk.utils.sonata import File

    circuit = built_v1_network.parent / "circuit" / "network"
    nodes = pd.read_parquet(built_v1_network / "nodes.parquet", columns=["population"])
    sizes = nodes["population"].value_counts().to_dict()
    for population in ("v1", "lgn", "bkg"):
        storage = libsonata.NodeStorage(str(circuit / f"{population}_nodes.h5"))
        assert storage.open_population(population).size == sizes[population]
        bmtk_nodes = File(
            data_files=str(circuit / f"{population}_nodes.h5"),
            data_type_files=str(circuit / f"{population}_node_types.csv"),
        ).nodes[population]
        assert len(bmtk_nodes.to_dataframe()) == sizes[population]
    for source in ("v1", "lgn", "bkg"):
        name = f"{source}_to_v1"
        edges = libsonata.EdgeStorage(str(circuit / f"{source}_v1_edges.h5")).open_population(name)
        n_edges = len(pd.read_parquet(built_v1_network / "edges" / f"{name}.parquet", columns=["nsyns"]))
        assert edges.size == n_edges and edges.source == source and edges.target == "v1"
