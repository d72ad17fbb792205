"""Helpers for the Snakemake rule scripts: log to the rule's ``log:`` file, turn input errors into one line."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from v1sim.errors import V1SimInputError


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
