"""Every argument of every subcommand, given random bad values (hypothesis): exit status 2, one line naming the
argument, no traceback, nothing left behind.

The arguments are read from the parser itself, and each one's bad values are drawn from its declared type
(:mod:`v1sim.argtypes`): out of range, not finite, not a number, a missing or wrong kind of path, a place that
cannot be written. An argument without a checked type fails :func:`test_every_argument_has_a_checked_type`.
Examples are derandomized (the same on every run) and bounded, so the whole file runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.circuits import CircuitSpec, make_circuit
from v1sim import argtypes
from v1sim.cli import build_parser, main
from v1sim.limits import smallest_builtin_scale
from v1sim.sonata.spikes import write_spikes

#: A place no one can write into, root included (sysfs refuses new folders).
UNWRITABLE = Path("/sys/v1sim-cannot-write-here")
#: Arguments checked by the command itself, not by an argument type (fetch's URL and file list): their bad
#: values are in test_bad_inputs.py.
CHECKED_BY_THE_COMMAND = {("fetch", "url"), ("fetch", "files")}
#: The required options of each subcommand's otherwise valid command line (positional arguments are filled
#: in from ``Inputs``).
REQUIRED = {
    "simulate": ["--tstop", "10", "--dt", "0.25"],
    "analyse": ["--tstop", "100"],
    "tuning": ["--t-start", "0", "--t-stop", "100"],
    "sequences": ["--tstop", "100"],
}
EXAMPLES = 40


class Inputs:
    """Real inputs of every kind the subcommands take, and a scratch folder whose contents are watched."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = make_circuit(root / "circuit", CircuitSpec())
        self.simulation_config = root / "circuit" / "simulation_config.json"
        self.network = root / "network"
        self.network.mkdir()
        (self.network / "compiled_network.h5").write_bytes(b"")
        (self.network / "provenance.json").write_text(json.dumps({"stage": "convert"}))
        self.nodes = root / "nodes.parquet"
        self.nodes.write_bytes(b"PAR1")
        self.spikes = root / "spikes.h5"
        write_spikes(self.spikes, {"v1": (np.array([0, 1]), np.array([1.0, 2.0]))})
        self.trials = root / "trials.csv"
        self.trials.write_text("direction_deg,trial,spikes\n")
        self.stage_folders = {}
        for stage in ("analyse", "tuning", "sequences", "graph"):
            folder = root / f"{stage}_out"
            folder.mkdir()
            (folder / "provenance.json").write_text(json.dumps({"stage": stage}))
            self.stage_folders[stage] = folder
        self.empty_folder = root / "empty"
        self.empty_folder.mkdir()
        self.scratch = root / "scratch"
        self.scratch.mkdir()

    def positional(self, command: str, action: argparse.Action) -> str:
        """A valid value of a positional argument (outputs go to the scratch folder)."""
        name = action.dest
        if name in ("outdir", "dest"):
            return str(self.scratch / "out")
        if name == "out":
            return str(self.scratch / "out.h5")
        if name == "config":
            return str(self.simulation_config if command == "run" else self.config)
        if name == "network":
            return str(self.network)
        if name in ("nodes", "spikes", "trials"):
            return str(getattr(self, name))
        if name in ("analysis", "tuning", "sequences", "graph"):
            return str(self.stage_folders["analyse" if name == "analysis" else name])
        if name == "url":
            return "file:///nonexistent"
        if name == "files":
            return "a.txt"
        raise AssertionError(f"no valid value for {command} {name}")

    def snapshot(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return Inputs(tmp_path_factory.mktemp("cli_inputs"))


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._StoreTrueAction) and a.dest != "verbose"
    ]


def _name(action: argparse.Action) -> str:
    """How the error line names the argument."""
    if action.option_strings:
        return max(action.option_strings, key=len)
    return action.metavar if isinstance(action.metavar, str) else action.dest


# --- bad values of each type ---------------------------------------------------------------------------------

NOT_NUMBERS = ["nan", "NaN", "inf", "-inf", "+inf", "1e999", "-1e999", "", "abc", "1,5", "0x10", "1 2", "½"]


def _below(low: float, open_: bool) -> st.SearchStrategy[str]:
    return st.floats(max_value=low, exclude_max=not open_, allow_nan=False, allow_infinity=False).map(repr)


def _above(high: float, open_: bool) -> st.SearchStrategy[str]:
    return st.floats(min_value=high, exclude_min=not open_, allow_nan=False, allow_infinity=False).map(repr)


def _numbers(kind: argtypes.Number) -> st.SearchStrategy[str]:
    options = [st.sampled_from(NOT_NUMBERS)]
    if kind.low is not None:
        options.append(_below(kind.low, kind.low_open))
    if kind.high is not None:
        options.append(_above(kind.high, kind.high_open))
    if isinstance(kind, argtypes.Scale):
        options.append(st.floats(min_value=0, max_value=smallest_builtin_scale(), exclude_max=True).map(repr))
    if isinstance(kind, argtypes.TimeStep):
        options.append(st.sampled_from(["0.0005", "0.1234", "0.00025", "1e-9"]))
    return st.one_of(options)


def _integers(low: int | None, high: int | None) -> st.SearchStrategy[str]:
    options = [st.sampled_from(["1.5", "2.0", "1e3", "abc", "", "nan", "inf", "0x1f", "1_0_", "--"])]
    if low is not None:
        options.append(st.integers(max_value=low - 1).map(str))
    if high is not None:
        options.append(st.integers(min_value=high + 1).map(str))
    return st.one_of(options)


def _paths(kind: object, inputs: Inputs) -> st.SearchStrategy[str]:
    missing = str(inputs.root / "missing" / "nothing.h5")
    a_file, a_folder = str(inputs.spikes), str(inputs.empty_folder)
    if isinstance(kind, argtypes.InputFile):
        return st.sampled_from([missing, a_folder, ""])
    if isinstance(kind, argtypes.StageFolder):
        others = [str(f) for s, f in inputs.stage_folders.items() if s != kind.stage]
        return st.sampled_from([missing, a_file, a_folder, str(inputs.network), *others])
    if isinstance(kind, argtypes.InputFolder):
        return st.sampled_from([missing, a_file, a_folder, ""])
    if isinstance(kind, argtypes.OutputFolder):
        return st.sampled_from([a_file, str(UNWRITABLE / "out"), f"{a_file}/out", ""])
    if isinstance(kind, argtypes.OutputFile):
        return st.sampled_from([a_folder, str(UNWRITABLE / "out.h5"), f"{a_file}/out.h5", "", "new/"])
    raise AssertionError(kind)


def _bad_token(kind: Callable, inputs: Inputs) -> st.SearchStrategy[str]:
    """Text that ``kind`` must refuse."""
    if kind is argtypes.threads:
        import numba

        return _integers(1, int(numba.config.NUMBA_NUM_THREADS))
    if isinstance(kind, argtypes.Number):
        return _numbers(kind)
    if isinstance(kind, argtypes.Integer):
        return _integers(kind.low, kind.high)
    if isinstance(kind, argtypes.Text):
        return st.sampled_from(["", " ", "\t", "a\x01b", "x\ny"])
    if isinstance(kind, argtypes.Sha256):
        return st.sampled_from(["abc", "g" * 64, "0" * 63, ""])
    if isinstance(kind, argtypes.IdList):
        return st.sampled_from(["", "1,,2", "x", "-1", "1.5", ","])
    if isinstance(kind, argtypes.Pair):
        good_key = "lgn"
        return st.one_of(
            st.sampled_from(["no-separator", f"{kind.sep}value", f" {kind.sep}1", ""]),
            _bad_token(kind.value, inputs).map(lambda v: f"{good_key}{kind.sep}{v}"),
        )
    return _paths(kind, inputs)


def _bad_tokens(action: argparse.Action, inputs: Inputs) -> st.SearchStrategy[list[str]]:
    """The argument's tokens on the command line, one of them bad."""
    if action.type is None:
        assert action.choices, action
        token = st.text(min_size=1, max_size=10).filter(lambda s: s not in action.choices and s[0] != "-")
    else:
        token = _bad_token(action.type, inputs)
    if action.nargs == 2:  # --flash ON OFF: one bad of two
        return st.tuples(token, st.booleans()).map(lambda t: [t[0], "10"] if t[1] else ["10", t[0]])
    return token.map(lambda t: [t])


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_argument_has_a_checked_type() -> None:
    unchecked = [
        (command, action.dest)
        for command, parser in _subparsers().items()
        for action in _arguments(parser)
        if action.type is None and not action.choices and (command, action.dest) not in CHECKED_BY_THE_COMMAND
    ]
    assert unchecked == []


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_random_bad_values_are_one_line_and_leave_nothing(
    command: str, inputs: Inputs, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = _subparsers()[command]
    arguments = [a for a in _arguments(parser) if (command, a.dest) not in CHECKED_BY_THE_COMMAND]
    before = inputs.snapshot()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        action = data.draw(st.sampled_from(arguments), label="argument")
        tokens = data.draw(_bad_tokens(action, inputs), label="tokens")
        argv = [command]
        for positional in (a for a in _arguments(parser) if not a.option_strings):
            argv += tokens if positional is action else [inputs.positional(command, positional)]
        required = REQUIRED.get(command, [])
        if action.option_strings and action.option_strings[0] in required:
            at = required.index(action.option_strings[0])
            required = required[:at] + required[at + 2 :]
        argv += required
        if action.option_strings:
            argv += [action.option_strings[0], *tokens]
        status = main(argv)
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert status == 2, (argv, err)
        assert len(lines) == 1 and "Traceback" not in err, (argv, err)
        assert lines[0].startswith(f"v1sim {command}: error: "), (argv, err)
        assert _name(action) in lines[0], (argv, err)
        assert inputs.snapshot() == before, (argv, "left files behind")

    check()


def test_the_values_drawn_are_bad() -> None:
    """The strategies themselves: every value they draw for a number is out of range or not finite."""
    kind = argtypes.Number(0.0, 10.0, low_open=True)

    @settings(max_examples=200, derandomize=True, database=None)
    @given(_numbers(kind))
    def check(text: str) -> None:
        try:
            value = float(text)
        except ValueError:
            return
        assert not (math.isfinite(value) and 0 < value <= 10), text

    check()
