"""``v1sim calibrate`` (v1sim.builder.calibration) and gain tables (v1sim.builder.gains): the correction step
behind the builder's gain tables, the rates it measures, a whole (tiny) calibration, and building with its
result."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from v1sim.builder import published_figures as figures
from v1sim.builder.calibration import (
    LGN_GAIN_RANGE,
    RECURRENT_DAMPING,
    TRACE_COLUMNS,
    class_rates,
    corrected_gains,
    correction_factor,
)
from v1sim.builder.gains import LGN_CLASS_GAIN, RECURRENT_E_GAIN, gain_table, read_gain_table
from v1sim.builder.v1 import V1Spec, build_v1
from v1sim.cli import main
from v1sim.errors import V1SimInputError
from v1sim.sonata.spikes import write_spikes

FLOOR = LGN_GAIN_RANGE[0]
NAMES = [c.name for c in figures.CLASSES]


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every file of a built circuit but its provenance."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "provenance.json"
    }


# --- the correction step ------------------------------------------------------------------------------------


def test_a_class_above_the_floor_moves_its_lgn_gain_only() -> None:
    assert corrected_gains(2.0, 1.0, 0.8) == pytest.approx((1.6, 1.0))
    assert corrected_gains(2.0, 1.0, 1.25) == pytest.approx((2.5, 1.0))


def test_what_the_floor_cannot_take_goes_to_the_recurrent_gain_damped() -> None:
    # from 0.1 a factor 0.25 would reach 0.025: the LGN gain stops at 0.05, the remaining × 0.5 goes (damped)
    # onto the recurrent gain
    lgn, recurrent = corrected_gains(0.1, 0.8, 0.25)
    assert lgn == FLOOR
    assert recurrent == pytest.approx(0.8 * 0.5**RECURRENT_DAMPING)


def test_a_recurrent_gain_below_one_is_given_back_first_and_never_above_one() -> None:
    assert corrected_gains(FLOOR, 0.7, 1.21) == pytest.approx((FLOOR, 0.7 * 1.21**RECURRENT_DAMPING))
    lgn, recurrent = corrected_gains(FLOOR, 0.99, 4.0)
    assert (lgn, recurrent) == (FLOOR, 1.0)
    # once it is back at 1 the LGN gain takes the correction again
    assert corrected_gains(FLOOR, 1.0, 2.0) == pytest.approx((2 * FLOOR, 1.0))


def test_the_recurrent_gain_stays_within_its_range() -> None:
    _, recurrent = corrected_gains(FLOOR, 0.11, 0.01)
    assert recurrent == pytest.approx(0.1)


def test_the_correction_is_the_damped_offset_ratio() -> None:
    assert correction_factor(1.7, 1.7) == 1.0
    assert correction_factor(1.8, 0.0) == pytest.approx(((1.8 + 0.2) / 0.2) ** 0.5)  # a silent class: finite


# --- the rates it measures ----------------------------------------------------------------------------------


def test_class_rates_count_the_grating_window_of_every_trial_and_every_cell(tmp_path: Path) -> None:
    """Two classes of two cells; spikes before the window, inside it and in another population; two files."""
    nodes = pd.DataFrame(
        {
            "population": ["v1"] * 4 + ["lgn"],
            "node_id": [0, 1, 2, 3, 0],
            "pop_name": ["e23Cux2", "e23Cux2", "i4Sst", "i4Sst", "sON_TF8"],
        }
    )
    nodes.to_parquet(tmp_path / "nodes.parquet")
    first, second = tmp_path / "a.h5", tmp_path / "b.h5"
    # window [100, 600): 0.5 s per file, 1 s in all
    write_spikes(first, {"v1": (np.array([0, 0, 0, 2]), np.array([50.0, 100.0, 599.0, 300.0])),
                         "lgn": (np.array([0]), np.array([200.0]))})  # fmt: skip
    write_spikes(second, {"v1": (np.array([1, 2]), np.array([200.0, 600.0]))})
    rates = class_rates(tmp_path / "nodes.parquet", [first, second], (100.0, 600.0))
    assert rates["e23Cux2"] == pytest.approx((2 + 1) / 2)  # cell 0: 2 in window, cell 1: 1; per second
    assert rates["i4Sst"] == pytest.approx((1 + 0) / 2)  # the spike at 600 ms is outside
    assert np.isnan(rates["i1Htr3a"])  # a class without cells
    assert list(rates) == NAMES


# --- gain tables --------------------------------------------------------------------------------------------


def _write(path: Path, table: dict) -> Path:
    path.write_text(json.dumps(table))
    return path


def test_a_gain_table_reads_back_with_its_record(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.json", gain_table(LGN_CLASS_GAIN, RECURRENT_E_GAIN, {"note": "ignored"}))
    tables, record = read_gain_table(path)
    assert tables == {"lgn_class_gain": dict(LGN_CLASS_GAIN), "recurrent_e_gain": dict(RECURRENT_E_GAIN)}
    assert record["path"] == str(path.resolve()) and len(record["sha256"]) == 64


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "something else"}, "format"),
        ({"lgn_class_gain": {**LGN_CLASS_GAIN, "e4Rorb": -1.0}}, "lgn_class_gain.e4Rorb"),
        ({"lgn_class_gain": {**LGN_CLASS_GAIN, "e4Rorb": float("nan")}}, "lgn_class_gain.e4Rorb"),
        ({"lgn_class_gain": {**LGN_CLASS_GAIN, "e4Rorb": "2"}}, "lgn_class_gain.e4Rorb"),
        ({"lgn_class_gain": {c: g for c, g in LGN_CLASS_GAIN.items() if c != "i5Sst"}}, "lgn_class_gain"),
        ({"recurrent_e_gain": {"e4Rorbb": 0.5}}, "recurrent_e_gain"),
        ({"recurrent_e_gain": [0.5]}, "recurrent_e_gain"),
        ({"recurrent_e_gain": None}, "recurrent_e_gain"),
    ],
)
def test_a_bad_gain_table_is_refused_naming_the_file_and_field(
    tmp_path: Path, change: dict, field: str
) -> None:
    table = {**gain_table(LGN_CLASS_GAIN, RECURRENT_E_GAIN), **change}
    path = _write(tmp_path / "g.json", table)
    with pytest.raises(V1SimInputError) as info:
        read_gain_table(path)
    assert info.value.path == str(path) and info.value.field == field


def test_build_v1_refuses_a_bad_gain_table_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _write(tmp_path / "g.json", {"format": "v1sim gain table 1", "lgn_class_gain": {}})
    code = main(
        ["build-v1", str(tmp_path / "out"), "--scale", "0.002", "--gains", str(path), "--no-progress"]
    )
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(path) in err and "lgn_class_gain" in err
    assert not (tmp_path / "out").exists()


def test_the_spec_refuses_a_gain_of_an_unknown_class() -> None:
    with pytest.raises(V1SimInputError) as info:
        V1Spec(recurrent_e_gain={"i4SST": 0.5}).validate()
    assert info.value.field == "recurrent_e_gain"


def test_the_gains_used_are_in_the_provenance_and_a_file_of_the_defaults_builds_the_same_bytes(
    tmp_path: Path,
) -> None:
    defaults = _write(tmp_path / "defaults.json", gain_table(LGN_CLASS_GAIN, RECURRENT_E_GAIN))
    changed = {**LGN_CLASS_GAIN, "e4Rorb": 3.0}
    other = _write(tmp_path / "other.json", gain_table(changed, {"i4Sst": 0.5}))
    common = ["--scale", "0.002", "--seed", "1", "--no-progress"]
    for name, extra in (
        ("plain", []),
        ("defaults", ["--gains", str(defaults)]),
        ("other", ["--gains", str(other)]),
    ):
        assert main(["build-v1", str(tmp_path / name), *common, *extra]) == 0
    record = {
        n: json.loads((tmp_path / n / "provenance.json").read_text()) for n in ("plain", "defaults", "other")
    }
    assert record["plain"]["spec"]["lgn_class_gain"] == dict(LGN_CLASS_GAIN)
    assert record["plain"]["spec"]["recurrent_e_gain"] == dict(RECURRENT_E_GAIN)
    assert record["plain"]["gains_source"].startswith("committed defaults")
    assert record["other"]["spec"]["lgn_class_gain"] == changed
    assert record["other"]["spec"]["recurrent_e_gain"] == {"i4Sst": 0.5}
    assert record["other"]["gains_source"]["path"] == str(other.resolve())
    assert _digests(tmp_path / "plain") == _digests(tmp_path / "defaults") != _digests(tmp_path / "other")
    # the gains the provenance records are those the edge types carry: build the same spec in Python
    spec = V1Spec(scale=0.002, seed=1, lgn_class_gain=changed, recurrent_e_gain={"i4Sst": 0.5})
    build_v1(spec, tmp_path / "python")
    assert _digests(tmp_path / "python") == _digests(tmp_path / "other")


# --- a whole calibration, tiny ------------------------------------------------------------------------------


def test_a_tiny_calibration_writes_its_trace_and_a_table_that_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """One iteration on the smallest column (two 300-ms trials): the table written is the correction of the
    measured rates, the trace holds the gains used and the rates, and build-v1 takes the table."""
    out = tmp_path / "calibration"
    args = ["calibrate", str(out), "--scale", "0.002", "--iterations", "1", "--directions", "0", "90"]
    args += ["--duration", "300", "--gray-ms", "100", "--threads", "1", "--no-progress"]
    assert main(args) == 0
    assert "of 21 classes within 15 %" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["gains.json", "provenance.json", "trace.csv"]
    assert not list(tmp_path.glob(".calibration.work-*"))  # the temporary work folder is gone
    trace = pd.read_csv(out / "trace.csv")
    assert trace.columns.tolist() == TRACE_COLUMNS and trace["cell_class"].tolist() == NAMES
    assert trace["gain"].tolist() == [LGN_CLASS_GAIN[c] for c in NAMES]  # started from the committed table
    assert trace["rate_hz"].notna().all() and (trace["rate_hz"] > 0).any()
    table = json.loads((out / "gains.json").read_text())
    for row in trace.itertuples():  # the trace's rates are rounded to 1 mHz: hence the tolerance
        lgn, recurrent = corrected_gains(
            row.gain, row.recurrent_e_gain, correction_factor(row.target_hz, row.rate_hz)
        )
        assert table["lgn_class_gain"][row.cell_class] == pytest.approx(lgn, rel=3e-3, abs=6e-4)
        assert table["recurrent_e_gain"].get(row.cell_class, 1.0) == pytest.approx(recurrent, rel=3e-3, abs=6e-4)
    settings = table["calibration"]["settings"]
    assert settings["directions_deg"] == [0.0, 90.0] and settings["protocol"]["duration_ms"] == 300.0
    assert (
        table["calibration"]["trace"][0]["rate_hz"]["e23Cux2"]
        == trace.set_index("cell_class").loc["e23Cux2", "rate_hz"]
    )
    assert main(["build-v1", str(tmp_path / "built"), "--scale", "0.002", "--gains", str(out / "gains.json"),
                 "--no-progress"]) == 0  # fmt: skip


@pytest.mark.parametrize(
    ("option", "value"),
    [("--iterations", "0"), ("--trials", "0"), ("--gray-ms", "3000"), ("--dt", "0"), ("--scale", "2")],
)
def test_calibrate_refuses_a_bad_option_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, option: str, value: str
) -> None:
    code = main(["calibrate", str(tmp_path / "out"), option, value, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert option.lstrip("-") in err or option in err
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []
