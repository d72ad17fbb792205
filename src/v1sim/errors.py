"""Errors raised on bad input: one message that names the file, the field and what was expected."""

from __future__ import annotations

from pathlib import Path


class V1SimInputError(Exception):
    """Bad input data: a missing file, a malformed table, a value that cannot be simulated.

    The message always names the file (``path``) and the field (a population, dataset or column),
    so that the command line can print one line and exit non-zero without a traceback.
    """

    def __init__(self, path: str | Path | None, field: str | None, problem: str) -> None:
        self.path = None if path is None else str(path)
        self.field = field
        self.problem = problem
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.field:
            where.append(self.field)
        prefix = ": ".join(where)
        return f"{prefix}: {self.problem}" if prefix else self.problem
