"""Run one child program of a benchmark in this (fresh) process and print its result as one line.

Usage: ``python benchmarks/children/run.py NAME ARG ...`` imports ``benchmarks/children/NAME.py``, calls its
``main([ARG, ...])`` (which returns a JSON-able dict) and prints ``RESULT {json}``, which the benchmark reads
back with ``harness.child_result``. Each child imports only what its measurement needs.
"""

from __future__ import annotations

import importlib
import json
import sys

#: how the result line starts
RESULT_PREFIX = "RESULT "


def main(argv: list[str]) -> int:
    name, *args = argv
    result = importlib.import_module(name).main(args)  # this folder is sys.path[0]
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
