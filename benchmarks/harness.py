"""What every benchmark shares: timing a fresh process, running a child program, the machine, the results CSV,
and the built-in column built once.

* :func:`run_measured` runs a command in a fresh process and returns its wall time (start to exit, interpreter
  start-up and imports included) and its own peak resident memory (``ru_maxrss`` from ``os.wait4`` on that
  child alone), killing it past a timeout or a memory cap.
* :func:`run_child` runs one of the child programs in ``benchmarks/children/`` that way; the child prints its
  result as one line ``RESULT {json}`` (``children/run.py``), which :func:`child_result` reads back.
* :func:`append_csv` appends rows to a results CSV whose first columns (:data:`MACHINE_FIELDS`) say when and on
  what it was measured.

Benchmark scripts import it as ``from harness import ...`` (their folder is on ``sys.path`` when run).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from children.run import RESULT_PREFIX

HERE = Path(__file__).resolve().parent
CHILDREN = HERE / "children"
GB = 1024**3
#: the first columns of every results CSV: when and on what it was measured
MACHINE_FIELDS = ["date", "host", "cpu", "cores", "ram_gb"]


@dataclass
class Measurement:
    """One subprocess run: wall time, the child's own peak RSS and CPU time, and how it ended."""

    wall_s: float
    peak_rss_gb: float
    cpu_s: float
    status: str  # "ok", "failed (rc N)", "timeout", "memory cap", "wrong result"
    output: str
    started: dt.datetime  # local wall-clock time, to place the child's log lines
    ended: dt.datetime


def run_measured(
    cmd: list[str], log: Path, timeout_s: float | None = None, max_rss_gb: float | None = None
) -> Measurement:
    """Run ``cmd`` in a fresh process; return its wall time and its own peak RSS (``ru_maxrss`` via wait4).

    The child's exit is polled every 20 ms (so the wall time is that close); every 0.5 s it is killed if past
    ``timeout_s`` or above ``max_rss_gb`` (RSS as psutil sees it). stdout and stderr go to ``log``.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        started_at, started = dt.datetime.now(), time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        watch, killed, next_check = psutil.Process(proc.pid), None, started + 0.5
        while True:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            clock = time.perf_counter()
            if clock >= next_check:
                next_check = clock + 0.5
                if timeout_s is not None and clock - started > timeout_s:
                    killed = "timeout"
                elif max_rss_gb is not None:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        if watch.memory_info().rss > max_rss_gb * GB:
                            killed = "memory cap"
            if killed is not None:
                proc.send_signal(signal.SIGKILL)
                pid, wait_status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(wait_status)  # reaped by wait4; keep Popen from waiting again
    status = killed or ("ok" if proc.returncode == 0 else f"failed (rc {proc.returncode})")
    return Measurement(
        wall_s=wall,
        peak_rss_gb=usage.ru_maxrss * 1024 / GB,  # Linux: KiB
        cpu_s=usage.ru_utime + usage.ru_stime,
        status=status,
        output=log.read_text(errors="replace"),
        started=started_at,
        ended=started_at + dt.timedelta(seconds=wall),
    )


def run_child(
    name: str, args: list[str], log: Path, timeout_s: float | None = None, max_rss_gb: float | None = None
) -> Measurement:
    """Run the child program ``benchmarks/children/<name>.py`` with ``args`` in a fresh process, measured."""
    if not (CHILDREN / f"{name}.py").is_file():
        raise FileNotFoundError(CHILDREN / f"{name}.py")
    cmd = [sys.executable, str(CHILDREN / "run.py"), name, *map(str, args)]
    return run_measured(cmd, log, timeout_s, max_rss_gb)


def child_result(output: str) -> dict:
    """The result a child program printed (its last ``RESULT {json}`` line); empty if it printed none."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    return json.loads(lines[-1][len(RESULT_PREFIX) :]) if lines else {}


def machine() -> dict[str, object]:
    """This machine: host name, CPU model, cores, RAM (GB)."""
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / GB, 1),
    }


def now() -> str:
    """The local time, ISO 8601 with its offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def append_csv(path: Path, rows: list[dict[str, object]], fields: list[str]) -> None:
    """Append ``rows`` to a results CSV whose columns are MACHINE_FIELDS then ``fields``, writing the header
    first in a new file and refusing a file whose header differs. Machine columns a row lacks are filled with
    this machine and the current time."""
    fields = [*MACHINE_FIELDS, *fields]
    here = {"date": now(), **machine()}
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    if not new:
        with open(path, newline="") as f:
            header = next(csv.reader(f), None)
        if header != fields:
            sys.exit(f"{path}: header differs from {fields}; move the old file aside")
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerows({**here, **row} for row in rows)


def ensure_nodes(workdir: Path, scale: float = 1.0) -> Path:
    """nodes.parquet of the built-in column at ``scale`` (full by default), built and converted once into
    ``workdir/v1`` (again when any source file of the builder package changes)."""
    import v1sim.builder.v1 as builder

    network, spec_file = workdir / "v1" / "network", workdir / "v1" / "spec.json"
    sources = sorted(Path(builder.__file__).parent.glob("*.py"))
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in sources)).hexdigest()[:16]
    wanted = {"scale": scale, "seed": 0, "builder": digest}
    if spec_file.exists() and (network / "nodes.parquet").exists():
        if json.loads(spec_file.read_text()) == wanted:
            return network / "nodes.parquet"
    circuit = workdir / "v1" / "circuit"
    for label, cmd in (
        ("build-v1", ["build-v1", "--scale", f"{scale:g}", "--seed", "0", "--no-progress", str(circuit)]),
        ("convert", ["convert", "--no-progress", str(circuit / "simulation_config.json"), str(network)]),
    ):
        print(f"cells: {label} ...", flush=True)
        m = run_measured([sys.executable, "-m", "v1sim", *cmd], workdir / "logs" / f"{label}.log")
        if m.status != "ok":
            sys.exit(f"{label} failed ({m.status}):\n{m.output[-3000:]}")
        print(f"cells: {label} in {m.wall_s:.0f} s, peak {m.peak_rss_gb:.1f} GB", flush=True)
    spec_file.write_text(json.dumps(wanted))
    return network / "nodes.parquet"
