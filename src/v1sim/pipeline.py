"""Helpers for the Snakemake rule scripts: log to the rule's ``log:`` file, turn input errors into one line, find
a stage's folder and the circuit's config among a rule's declared files."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from v1sim.errors import V1SimInputError

#: The simulation config ``build_v1`` writes at the top of the built-in column's folder (the path
#: :func:`v1sim.builder.v1.build_v1` returns).
BUILT_CIRCUIT_CONFIG = "simulation_config.json"


def circuit_config(circuit: str | Path) -> Path:
    """The SONATA config of a rule's ``circuit`` input: a user's config file as it is, or the simulation config
    in the built-in column's folder (the output of rule ``build_v1``)."""
    circuit = Path(circuit)
    return circuit / BUILT_CIRCUIT_CONFIG if circuit.is_dir() else circuit


def folder_of(files: Iterable[str | Path]) -> Path:
    """The folder of a stage's declared files (a rule's input or output list of one stage's outputs)."""
    folders = {Path(f).parent for f in files}
    if len(folders) != 1:
        raise ValueError(f"expected the files of one folder, got {sorted(map(str, folders))}")
    return folders.pop()


@contextlib.contextmanager
def rule_logging(log_path: str | Path) -> Iterator[logging.Logger]:
    """Send logging, warnings and progress bars (stderr) to ``log_path`` for the duration of a rule.

    An input error is written to the log as one line and re-raised as ``SystemExit(2)``: Snakemake marks the
    job failed, removes its outputs and shows the log.
    """
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as handle, contextlib.redirect_stderr(handle):
        handler = logging.StreamHandler(handle)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.captureWarnings(True)
        try:
            yield logging.getLogger("v1sim.rule")
        except V1SimInputError as exc:
            handle.write(f"error: {exc.message}\n")
            handle.flush()
            print(f"error: {exc.message}", file=sys.__stderr__)
            raise SystemExit(2) from None
        finally:
            root.removeHandler(handler)
