"""The jobs of a Snakemake dry run of the pipeline, and a check that every file it wrote is declared."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The pipeline's Snakefile run in ``workdir`` (its config.yaml and results/), importing this checkout's
    package (its rule scripts import v1sim as an installed package)."""
    return subprocess.run(
        [str(BIN / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])},
        check=False,
    )


@dataclass(frozen=True)
class Job:
    """A job of a dry run: its rule, wildcards and declared files."""

    rule: str
    wildcards: frozenset[tuple[str, str]]
    files: frozenset[str]  #: outputs, log and benchmark

    @property
    def name(self) -> str:
        """``rule``, or ``rule[direction/trial]`` for a grating trial's job."""
        w = dict(self.wildcards)
        return f"{self.rule}[{w['direction']}/{w['trial']}]" if "direction" in w else self.rule


_RULE = re.compile(r"^(?:local)?rule (\w+):$")
_FIELD = re.compile(r"^\s+(\w+): (.*)$")


def jobs_of(text: str) -> Iterator[Job]:
    """The jobs of a dry run's job table: a ``rule NAME:`` line, then its indented ``key: value`` lines (lists
    comma-separated; the pipeline's paths have no commas)."""
    rule, fields = None, {}
    for line in [*text.splitlines(), ""]:
        start, field = _RULE.match(line), _FIELD.match(line)
        if rule and not field:
            files = [f for key in ("output", "log", "benchmark") for f in fields.get(key, "").split(", ") if f]
            wildcards = [w.split("=", 1) for w in fields.get("wildcards", "").split(", ") if w]
            yield Job(rule, frozenset(map(tuple, wildcards)), frozenset(files))
            rule, fields = None, {}
        if start:
            rule = start.group(1)
        elif rule and field:
            fields[field.group(1)] = field.group(2)


def dry_run(workdir: Path, *args: str) -> list[Job]:
    """The jobs ``snakemake --dry-run`` would run (default rerun triggers), the target rule left out."""
    result = snakemake(workdir, "--dry-run", "--cores", "1", *args)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return [job for job in jobs_of(result.stdout) if job.rule != "all"]


def assert_every_file_is_declared(workdir: Path) -> None:
    """Every file under ``workdir``/results is an output, log or benchmark of a job of the DAG (a directory()
    output counts as its contents), and every one of them is there."""
    jobs = dry_run(workdir, "--forceall")
    declared = {Path(f) for job in jobs for f in job.files}
    on_disk = {p.relative_to(workdir) for p in (workdir / "results").rglob("*") if p.is_file()}
    undeclared = sorted(str(f) for f in on_disk if not declared & {f, *f.parents})
    assert undeclared == [], f"files no job declares: {undeclared}"
    missing = sorted(str(f) for f in declared if not (workdir / f).exists())
    assert missing == [], f"declared files not written: {missing}"
