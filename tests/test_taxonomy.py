"""The cell-class naming scheme (v1sim.taxonomy), and that no other module parses class names itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from v1sim.analysis.targets import BILLEH_OSI_DSI, BILLEH_RATE_HZ
from v1sim.builder import published_figures, synthetic
from v1sim.taxonomy import ei_of, layer_of, parse_class, target_group

SRC = Path(__file__).resolve().parents[1] / "src" / "v1sim"


def test_a_release_name_taken_apart() -> None:
    parsed = parse_class("e5noRbp4")
    assert parsed is not None
    assert (parsed.ei, parsed.layer_code, parsed.subclass) == ("e", "5", "noRbp4")
    assert (parsed.layer, parsed.location, parsed.interneuron_type) == ("L5", "VisL5", None)
    assert parse_class("i23Htr3a").interneuron_type == "VIP"
    assert parse_class("i6Vip").interneuron_type == "VIP"  # the successor model's name for Htr3a
    assert parse_class("i4Foo").interneuron_type is None


@pytest.mark.parametrize(
    "name", ["LIF_exc", "Scnn1a", "type_100", "unknown", "e2Foo", "x4Pvalb", "", "E23Cux2"]
)
def test_other_names_are_not_of_the_scheme(name: str) -> None:
    assert parse_class(name) is None
    assert ei_of(name) is None and layer_of(name) is None and target_group(name) is None


def test_layers() -> None:
    names = ("e23Cux2", "i1Htr3a", "e4Rorb", "i5Sst", "i6Pvalb")
    assert [layer_of(c) for c in names] == ["L2/3", "L1", "L4", "L5", "L6"]
    assert layer_of(float("nan")) is None  # a missing class (pandas NaN) is no name of the scheme


def test_billeh_target_groups_of_the_release_class_names() -> None:
    expected = {
        "e23Cux2": "L2/3 E",
        "e4Scnn1a": "L4 E",
        "e5noRbp4": "L5 E",
        "e6Ntsr1": "L6 E",
        "i1Htr3a": "L1 Htr3a",
        "i23Htr3a": "L2/3 VIP",
        "i4Pvalb": "L4 PV",
        "i5Sst": "L5 SST",
        "i6Htr3a": "L6 VIP",
    }
    for name, group in expected.items():
        assert target_group(name) == group and group in BILLEH_RATE_HZ
    assert target_group("LGN") is None and target_group("e1Foo") is None


def test_every_class_of_the_builders_has_a_billeh_target() -> None:
    names = [c.name for c in published_figures.CLASSES]
    assert names == [c[0] for c in synthetic.CLASSES]
    groups = {target_group(n) for n in names}
    assert None not in groups and groups == set(BILLEH_RATE_HZ) == set(BILLEH_OSI_DSI)


def test_no_other_module_parses_class_names() -> None:
    """The scheme's layer alternation, or a test of a class name's first letter, appears only in the taxonomy."""
    scheme = re.compile(r"1\|23\|4\|5\|6|\[ei\]|\.startswith\(\"[ei]\"\)|name\[0\]|name\[1:3\]")
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "taxonomy.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if scheme.search(line)
    ]
    assert found == []
