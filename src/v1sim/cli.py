"""The ``v1sim`` command line: the same functions the Snakemake rules call, usable without Snakemake."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from v1sim.errors import V1SimInputError


def _convert(args: argparse.Namespace) -> None:
    from v1sim.network.convert import convert_circuit

    summary = convert_circuit(
        args.config,
        args.outdir,
        chunk_edges=args.chunk_edges,
        progress=not args.no_progress,
        parquet_compression=args.compression,
    )
    print(summary.line())


def _synthetic(args: argparse.Namespace) -> None:
    from v1sim.build.synthetic import SyntheticSpec, write_synthetic_circuit

    spec = SyntheticSpec.full_scale() if args.full_scale else SyntheticSpec()
    overrides = {
        k: v for k, v in vars(args).items() if k in SyntheticSpec.__dataclass_fields__ and v is not None
    }
    spec = spec.replace(**overrides)
    config = write_synthetic_circuit(spec, args.outdir, progress=not args.no_progress)
    print(f"wrote synthetic circuit ({spec.n_v1:,} V1 nodes, {spec.n_v1_edges:,} V1 edges) -> {config}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="v1sim", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each stage")
    sub = parser.add_subparsers(dest="command", required=True)

    convert = sub.add_parser(
        "convert", help="SONATA circuit -> Parquet, sparse matrices, compiled network, Julia HDF5"
    )
    convert.add_argument("config", type=Path, help="SONATA circuit config, or a simulation config naming one")
    convert.add_argument("outdir", type=Path, help="output folder (replaced atomically)")
    convert.add_argument(
        "--chunk-edges", type=int, default=4_000_000, help="edges read per chunk (default 4M)"
    )
    convert.add_argument("--compression", default="snappy", help="Parquet compression (snappy, zstd, none)")
    convert.add_argument("--no-progress", action="store_true", help="no progress bar")
    convert.set_defaults(run=_convert)

    synthetic = sub.add_parser(
        "synthetic", help="write a synthetic V1-sized SONATA circuit (benchmarks, defaults)"
    )
    synthetic.add_argument("outdir", type=Path)
    synthetic.add_argument("--full-scale", action="store_true", help="230,924 nodes, 70,139,111 V1 edges")
    synthetic.add_argument("--n-v1", dest="n_v1", type=int)
    synthetic.add_argument("--n-v1-edges", dest="n_v1_edges", type=int)
    synthetic.add_argument("--n-lgn", dest="n_lgn", type=int)
    synthetic.add_argument("--lgn-in-degree", dest="lgn_in_degree", type=int)
    synthetic.add_argument("--n-node-types", dest="n_node_types", type=int)
    synthetic.add_argument("--n-edge-types", dest="n_edge_types", type=int)
    synthetic.add_argument("--seed", type=int)
    synthetic.add_argument("--no-progress", action="store_true")
    synthetic.set_defaults(run=_synthetic)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a subcommand; bad input prints one line naming the file and field and exits 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s: %(message)s"
    )
    try:
        args.run(args)
    except V1SimInputError as exc:
        print(f"v1sim {args.command}: error: {exc.message}", file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(f"v1sim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
