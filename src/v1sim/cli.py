"""The ``v1sim`` command line: the same functions the Snakemake rules call, usable without Snakemake."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from v1sim import argtypes as types
from v1sim.argtypes import refuse
from v1sim.errors import V1SimInputError

if TYPE_CHECKING:
    from v1sim.builder.synthetic import SyntheticSpec
    from v1sim.inputs.stimulus import DriftingGrating, FullFieldFlash, GrayScreen, Movie

CLASS_COLUMN_HELP = (
    "node attribute naming the cell classes (default auto: each cell's pop_name, else model_name, else its "
    "node type)"
)


def _convert(args: argparse.Namespace) -> None:
    from v1sim.network.convert import convert_circuit

    summary = convert_circuit(
        args.config,
        args.outdir,
        chunk_edges=args.chunk_edges,
        progress=not args.no_progress,
        parquet_compression=args.compression,
        weight_functions=args.weight_functions,
    )
    print(summary.line())


def _synthetic_spec(args: argparse.Namespace) -> SyntheticSpec:
    """The spec the arguments ask for, checked: a size the generator cannot make names its argument."""
    from v1sim.builder.synthetic import SyntheticSpec

    fields = SyntheticSpec.__dataclass_fields__
    spec = SyntheticSpec.full_scale() if args.full_scale else SyntheticSpec()
    spec = spec.replace(**{k: v for k, v in vars(args).items() if k in fields and v is not None})
    try:
        spec.validate()
    except ValueError as exc:
        found = [(m.start(), k) for k in fields for m in [re.search(rf"\b{k}\b", str(exc))] if m]
        refuse(f"--{min(found)[1].replace('_', '-')}" if found else "synthetic", str(exc))
    return spec


def _synthetic(args: argparse.Namespace) -> None:
    import time
    from dataclasses import asdict

    from v1sim.builder.synthetic import write_synthetic_circuit
    from v1sim.provenance import atomic_directory, provenance, write_json

    started = time.perf_counter()
    spec = _synthetic_spec(args)
    with atomic_directory(args.outdir) as tmp:
        config = write_synthetic_circuit(spec, tmp, progress=not args.no_progress)
        write_json(tmp / "provenance.json", provenance(started, stage="synthetic", spec=asdict(spec)))
    config = args.outdir / config.relative_to(tmp)
    print(f"wrote synthetic circuit ({spec.n_v1:,} V1 nodes, {spec.n_v1_edges:,} V1 edges) -> {config}")


def _v1_spec(args: argparse.Namespace):
    """The V1Spec of the build-v1 / calibrate options, with the gain tables of ``--gains`` (and its record)."""
    from v1sim.builder.gains import read_gain_table
    from v1sim.builder.v1 import V1Spec

    fields = V1Spec.__dataclass_fields__
    spec = V1Spec(**{k: v for k, v in vars(args).items() if k in fields and v is not None})
    if args.gains is None:
        return spec, None
    tables, record = read_gain_table(args.gains)
    return spec.replace(**tables), record


def _build_v1(args: argparse.Namespace) -> None:
    from v1sim.builder.v1 import build_v1

    spec, gains_file = _v1_spec(args)
    types.check_run_length("--tstop" if args.tstop_ms is not None else "--dt", spec.tstop_ms, spec.dt_ms)
    config = build_v1(spec, args.outdir, progress=not args.no_progress, gains_file=gains_file)
    print(f"built V1 column at scale {spec.scale} (seed {spec.seed}) -> {config}")


def _calibrate(args: argparse.Namespace) -> None:
    from v1sim.builder.calibration import CalibrationSettings, calibrate
    from v1sim.grating_trial import GratingProtocol, TrialSimulation

    spec, gains_file = _v1_spec(args)
    types.check_device(args.device)
    types.check_run_length("--duration", args.duration, args.dt)
    if args.gray_ms >= args.duration:
        refuse("--gray-ms", f"{args.gray_ms:g} ms leaves no grating in --duration {args.duration:g} ms")
    settings = CalibrationSettings(
        iterations=args.iterations,
        directions_deg=tuple(args.directions),
        trials=args.trials,
        protocol=GratingProtocol(duration_ms=args.duration, gray_ms=args.gray_ms, seed=args.stimulus_seed),
        simulation=TrialSimulation(args.dt, args.device, args.dtype, args.threads),
    )
    table = calibrate(
        spec, settings, args.outdir, workdir=args.workdir, gains_file=gains_file, progress=not args.no_progress
    )
    last = table["calibration"]["trace"][-1]
    print(
        f"calibrated {settings.iterations} iterations at scale {spec.scale}: last measured, "
        f"{last['classes_within_15_percent']} of 21 classes within 15 % (worst {last['worst_class']} "
        f"{last['worst_relative_error']:+.0%}) -> {args.outdir / 'gains.json'}"
    )


def _by_key(pairs: list[tuple[str, object]], option: str, what: str = "population") -> dict:
    """``KEY=VALUE`` arguments as a mapping; a key given twice is refused."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            refuse(option, f"{what} {key} is given twice")
        out[key] = value
    return out


def _simulate(args: argparse.Namespace) -> None:
    from v1sim.simulation import RunSettings, run_simulation

    types.check_run_length("--tstop", args.tstop, args.dt)
    types.check_device(args.device)
    settings = RunSettings(
        tstop_ms=args.tstop,
        dt_ms=args.dt,
        device=args.device,
        dtype=args.dtype,
        seed=args.seed,
        threads=args.threads,
        input_files={k: str(v) for k, v in _by_key(args.input, "--input").items()},
        poisson_hz=_by_key(args.poisson, "--poisson"),
        record=_by_key(args.record, "--record"),
        record_interval_ms=args.record_interval,
    )
    result = run_simulation(args.network, args.outdir, args.config, settings, progress=not args.no_progress)
    print(
        f"simulated {result.tstop_ms:g} ms in {result.wall_s:.2f} s (RTF {result.real_time_factor:.3f}, "
        f"{len(result.spike_step):,} spikes) on {result.device} -> {args.outdir}"
    )


def _run(args: argparse.Namespace) -> None:
    from v1sim.run import RunOptions, run_config

    types.check_run_length("--tstop", args.tstop, args.dt)
    types.check_device(args.device)
    options = RunOptions(
        device=args.device,
        dtype=args.dtype,
        threads=args.threads,
        seed=args.seed,
        tstop_ms=args.tstop,
        dt_ms=args.dt,
        input_files={k: str(v) for k, v in _by_key(args.input, "--input").items()},
        output_dir=args.output_dir,
        network_cache=args.network_cache,
        weight_functions=list(args.weight_functions),
        progress=not args.no_progress,
    )
    print(run_config(args.config, options).line())


def _analyse(args: argparse.Namespace) -> None:
    from v1sim.analysis.run import AnalysisSettings, analyse

    if args.t_start_ms is not None and not args.t_start_ms < args.tstop:
        refuse("--t-start", f"{args.t_start_ms:g} ms is not before --tstop ({args.tstop:g} ms)")
    fields = AnalysisSettings.__dataclass_fields__
    settings = AnalysisSettings(**{k: v for k, v in vars(args).items() if k in fields and v is not None})
    summary = analyse(args.spikes, args.nodes, args.tstop, args.outdir, settings, args.reference)
    print(
        f"analysed {summary['n_spikes']:,} spikes of {summary['n_cells']:,} cells "
        f"(mean {summary['mean_rate_hz']:.3g} Hz) -> {args.outdir}"
    )


def _figures(args: argparse.Namespace) -> None:
    from v1sim.plots.figures import draw_figures

    summary = draw_figures(args.analysis, args.spikes, args.nodes, args.outdir, args.max_raster_points)
    print(f"drew {len(summary['figures'])} figures (raster: {summary['raster_mode']}) -> {args.outdir}")


def _graph(args: argparse.Namespace) -> None:
    from v1sim.graph.run import GraphSettings, analyse_graph

    fields = GraphSettings.__dataclass_fields__
    settings = GraphSettings(**{k: v for k, v in vars(args).items() if k in fields and v is not None})
    summary = analyse_graph(args.network, args.outdir, settings, args.rates)
    found = ", ".join(
        f"{row['method']} {row['n_communities']} communities (Q {row['modularity']:.3f})"
        for row in summary["communities"]
    )
    print(f"graph of {summary['n_nodes']:,} nodes, {summary['n_edges']:,} edges: {found} -> {args.outdir}")


def _graph_figures(args: argparse.Namespace) -> None:
    from v1sim.plots.graph_figures import draw_graph_figures

    summary = draw_graph_figures(args.graph, args.outdir)
    print(f"drew {len(summary['figures'])} figures -> {args.outdir}")


#: Options of ``v1sim lgn`` that only a drifting grating takes, and their defaults.
GRATING_DEFAULTS = {"direction": 0.0, "sf": 0.04, "tf": 2.0, "phase": 0.0, "gray_ms": 0.0}


def _lgn_stimulus(args: argparse.Namespace) -> DriftingGrating | GrayScreen | FullFieldFlash | Movie:
    """The stimulus the arguments ask for; an option the chosen stimulus does not take is refused."""
    from v1sim.inputs.lgn_stage import load_movie
    from v1sim.inputs.stimulus import DriftingGrating, FullFieldFlash, GrayScreen

    kind = "--movie" if args.movie else "--gray" if args.gray else "--flash" if args.flash else None
    if kind:
        given = [name for name in GRATING_DEFAULTS if getattr(args, name) is not None]
        if given:
            refuse(f"--{given[0].replace('_', '-')}", f"only a drifting grating takes it, not {kind}")
    if args.movie:
        for name in ("duration", "contrast"):
            if getattr(args, name) is not None:
                refuse(f"--{name}", "a movie has its own (its frames, their contrasts)")
        return load_movie(args.movie, 2.5 if args.pixel_deg is None else args.pixel_deg)
    if args.pixel_deg is not None:
        refuse("--pixel-deg", "only a --movie takes it")
    duration = 3000.0 if args.duration is None else args.duration
    if args.gray:
        if args.contrast is not None:
            refuse("--contrast", "a gray screen has none")
        return GrayScreen(duration)
    if args.flash:
        on, off = args.flash
        if not on < off <= duration:
            refuse("--flash", f"needs ON < OFF <= --duration ({duration:g} ms), got {on:g} {off:g}")
        return FullFieldFlash(duration, on, off, 0.8 if args.contrast is None else args.contrast)
    contrast = 0.8 if args.contrast is None else args.contrast
    if contrast < 0:
        refuse("--contrast", f"{contrast:g} is not >= 0 (a negative contrast is a dark --flash)")
    grating = {name: GRATING_DEFAULTS[name] if getattr(args, name) is None else getattr(args, name)
               for name in GRATING_DEFAULTS}
    if not grating["gray_ms"] < duration:
        refuse("--gray-ms", f"{grating['gray_ms']:g} ms leaves no grating in --duration {duration:g} ms")
    return DriftingGrating(
        grating["direction"], duration, grating["sf"], grating["tf"], contrast, grating["phase"], grating["gray_ms"]
    )


def _lgn(args: argparse.Namespace) -> None:
    from v1sim.inputs.lgn_stage import write_lgn_spikes

    stimulus = _lgn_stimulus(args)
    summary = write_lgn_spikes(args.nodes, args.out, stimulus, args.seed, args.trial, args.population)
    print(
        f"{summary['spikes']:,} spikes of {summary['units']:,} LGN units over {summary['duration_ms']:g} ms "
        f"(mean {summary['mean_rate_hz']:.2f} Hz) -> {args.out}"
    )


def _tuning(args: argparse.Namespace) -> None:
    from v1sim.analysis.tuning_stage import analyse_tuning

    if not args.t_start < args.t_stop:
        refuse("--t-start", f"{args.t_start:g} ms is not before --t-stop ({args.t_stop:g} ms)")
    summary = analyse_tuning(
        args.trials,
        args.nodes,
        args.outdir,
        (args.t_start, args.t_stop),
        args.neuropixels,
        args.class_column,
    )
    print(f"tuning of {summary['n_cells']:,} cells ({summary['n_responsive']:,} responsive) -> {args.outdir}")


def _tuning_figures(args: argparse.Namespace) -> None:
    from v1sim.plots.tuning import draw_tuning_figures

    summary = draw_tuning_figures(args.tuning, args.outdir)
    print(f"drew {len(summary['figures'])} figures -> {args.outdir}")


def _sequences(args: argparse.Namespace) -> None:
    from v1sim.analysis.sequences_stage import SequenceSettings, detect_sequences

    fields = SequenceSettings.__dataclass_fields__
    if args.t_start_ms is not None and not args.t_start_ms < args.tstop:
        refuse("--t-start", f"{args.t_start_ms:g} ms is not before --tstop ({args.tstop:g} ms)")
    sweeps = fields["sweeps"].default if args.sweeps is None else args.sweeps
    anneal = fields["anneal_sweeps"].default if args.anneal_sweeps is None else args.anneal_sweeps
    if anneal > sweeps:
        refuse("--anneal-sweeps", f"{anneal} is more than the {sweeps} sweeps")
    settings = SequenceSettings(**{k: v for k, v in vars(args).items() if k in fields and v is not None})
    summary = detect_sequences(args.spikes, args.nodes, args.tstop, args.outdir, settings)
    print(
        f"PPSeq on {summary['n_neurons']} cells, {summary['n_spikes']:,} spikes: {summary['n_events']} events, "
        f"gain {summary['gain_nats_per_spike']:.3f} nats/spike -> {args.outdir}"
    )


def _sequence_figures(args: argparse.Namespace) -> None:
    from v1sim.plots.sequences import draw_sequence_figures

    summary = draw_sequence_figures(args.sequences, args.outdir)
    print(f"drew {len(summary['figures'])} figures -> {args.outdir}")


def _fetch(args: argparse.Namespace) -> None:
    from v1sim.fetch import MANIFEST_NAME, fetch_release, summary_line

    pins = _by_key(args.sha256, "--sha256", "file")
    manifest = args.manifest or args.dest / MANIFEST_NAME
    result = fetch_release(
        args.url,
        args.files,
        args.dest,
        manifest,
        expected=pins,
        refresh=args.refresh,
        progress=not args.no_progress,
    )
    print(summary_line(result, manifest))


def add_weight_functions_option(parser: argparse.ArgumentParser) -> None:
    """``--weight-functions FILE.py ...``: weight functions registered as for bmtk (convert, run)."""
    parser.add_argument(
        "--weight-functions",
        type=types.InputFile("weight-function file"),
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE.py",
        help="Python file(s) registering weight functions as for bmtk (add_weight_function, @synaptic_weight); "
        "loaded after the config's components.weight_functions",
    )


def add_run_options(parser: argparse.ArgumentParser, threads_help: str) -> None:
    """Device, precision, threads, seed, run length and time step (simulate, run)."""
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "float64"],
        help="float64 reproduces NEST's arithmetic (spike for spike)",
    )
    parser.add_argument("--threads", type=types.threads, help=threads_help)
    parser.add_argument("--seed", type=types.SEED, default=0, help="seed of any Poisson source (default 0)")
    parser.add_argument(
        "--tstop", type=types.DURATION_MS, help="run length, ms, whole steps (default: the config's run.tstop)"
    )
    parser.add_argument("--dt", type=types.DT_MS, help="time step, ms (default: the config's run.dt)")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``v1sim lgn: error: argument --sf: ...``), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="v1sim", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each stage")
    sub = parser.add_subparsers(dest="command", required=True)

    convert = sub.add_parser(
        "convert", help="SONATA circuit -> Parquet, sparse matrices, compiled network, Julia HDF5"
    )
    convert.add_argument(
        "config", type=types.FILE, help="SONATA circuit config, or a simulation config naming one"
    )
    convert.add_argument("outdir", type=types.OUTPUT_FOLDER, help="output folder (replaced atomically)")
    convert.add_argument(
        "--chunk-edges", type=types.COUNT, default=4_000_000, help="edges read per chunk (default 4M)"
    )
    convert.add_argument(
        "--compression",
        default="snappy",
        choices=["snappy", "zstd", "lz4", "gzip", "none"],
        help="Parquet compression (snappy)",
    )
    convert.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_weight_functions_option(convert)
    convert.set_defaults(run=_convert)

    synthetic = sub.add_parser(
        "synthetic", help="write a synthetic V1-sized SONATA circuit (benchmarks, defaults)"
    )
    synthetic.add_argument("outdir", type=types.OUTPUT_FOLDER, help="output folder (replaced atomically)")
    synthetic.add_argument("--full-scale", action="store_true", help="230,924 nodes, 70,139,111 V1 edges")
    synthetic.add_argument("--n-v1", dest="n_v1", type=types.COUNT)
    synthetic.add_argument("--n-v1-edges", dest="n_v1_edges", type=types.Integer(0, types.MAX_COUNT))
    synthetic.add_argument("--n-lgn", dest="n_lgn", type=types.Integer(0, types.MAX_COUNT))
    synthetic.add_argument("--lgn-in-degree", dest="lgn_in_degree", type=types.Integer(0, types.MAX_COUNT))
    synthetic.add_argument("--n-node-types", dest="n_node_types", type=types.COUNT)
    synthetic.add_argument("--n-edge-types", dest="n_edge_types", type=types.COUNT)
    synthetic.add_argument("--seed", type=types.SEED)
    synthetic.add_argument("--no-progress", action="store_true")
    synthetic.set_defaults(run=_synthetic)

    build = sub.add_parser("build-v1", help="build the Billeh-style V1 column as a SONATA circuit")
    build.add_argument("outdir", type=types.OUTPUT_FOLDER, help="output folder (replaced atomically)")
    build.add_argument(
        "--scale",
        type=types.SCALE,
        help="fraction of the 230,924-cell model (default 0.01; at least 0.0013, so every class has a cell)",
    )
    build.add_argument(
        "--seed", type=types.SEED, help="random seed (default 0): same scale and seed, same files"
    )
    build.add_argument(
        "--connection-scale",
        dest="connection_scale",
        type=types.Number(0.0, low_open=True),
        help="factor on peak connection probabilities (default 0.8)",
    )
    build.add_argument(
        "--lgn-units-e4", dest="lgn_units_e4", type=types.COUNT, help="LGN units per L4 E cell (default 30)"
    )
    build.add_argument(
        "--ei-weight-sigma-deg",
        dest="ei_weight_sigma_deg",
        type=types.Number(0.0, 1e9, low_open=True),
        help="σ of the E→I and I→E direction weight functions, degrees (default 90, the release's)",
    )
    build.add_argument(
        "--tstop", dest="tstop_ms", type=types.DURATION_MS, help="run length of the simulation config, ms"
    )
    build.add_argument("--dt", dest="dt_ms", type=types.DT_MS, help="time step of the simulation config, ms (0.25)")
    build.add_argument(
        "--gains", type=types.FILE, help="gain table (gains.json of v1sim calibrate; default: the committed gains)"
    )
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.set_defaults(run=_build_v1)

    cal = sub.add_parser(
        "calibrate",
        help="fit the built-in column's per-class gains to Billeh's class rates under drifting gratings",
    )
    cal.add_argument("outdir", type=types.OUTPUT_FOLDER, help="output folder: gains.json, trace.csv, provenance.json")
    cal.add_argument("--scale", type=types.SCALE, default=0.225, help="scale of the column calibrated (0.225)")
    cal.add_argument("--seed", type=types.SEED, default=0, help="build seed of the column (0)")
    cal.add_argument("--gains", type=types.FILE, help="gain table to start from (default: the committed gains)")
    cal.add_argument("--iterations", type=types.COUNT, default=6, help="build-simulate-correct iterations (6)")
    cal.add_argument(
        "--directions",
        type=types.Number(0.0, 360.0, high_open=True),
        nargs="+",
        default=[0.0, 90.0],
        help="grating directions, degrees (0 90)",
    )
    cal.add_argument("--trials", type=types.COUNT, default=1, help="trials per direction (1)")
    cal.add_argument(
        "--duration", type=types.DURATION_MS, default=3000.0, help="trial length, gray included, ms (3000)"
    )
    cal.add_argument(
        "--gray-ms", type=types.START_MS, default=500.0, help="gray screen before the grating, ms (500)"
    )
    cal.add_argument("--stimulus-seed", type=types.SEED, default=0, help="seed of the grating trials (0)")
    cal.add_argument("--dt", type=types.DT_MS, default=0.25, help="time step, ms (0.25)")
    cal.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    cal.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    cal.add_argument("--threads", type=types.threads, help="CPU threads (default: all)")
    cal.add_argument(
        "--workdir",
        type=types.OUTPUT_FOLDER,
        help="keep the circuits and trials here (default: a temporary folder, removed)",
    )
    cal.add_argument("--no-progress", action="store_true", help="no progress bar")
    cal.set_defaults(run=_calibrate)

    sim = sub.add_parser("simulate", help="simulate a converted network (the output folder of v1sim convert)")
    sim.add_argument("network", type=types.NETWORK_FOLDER, help="folder holding compiled_network.h5")
    sim.add_argument(
        "outdir", type=types.OUTPUT_FOLDER, help="output folder: spikes.h5, v_m.h5, provenance.json"
    )
    sim.add_argument(
        "--config",
        type=types.FILE,
        help="SONATA simulation config: run.tstop, run.dt, spike inputs, current clamps, V_m reports",
    )
    add_run_options(sim, "CPU threads (default: all)")
    sim.add_argument(
        "--input",
        type=types.INPUT_SPIKES,
        action="append",
        default=[],
        metavar="POP=FILE",
        help="spike file of a population",
    )
    sim.add_argument(
        "--poisson",
        type=types.POISSON,
        action="append",
        default=[],
        metavar="POP=HZ",
        help="every node of a virtual population fires Poisson at HZ (at most 100 kHz; drawn on the device); a "
        "bkg population with no spike file gets 1000 Hz, the release's background",
    )
    sim.add_argument(
        "--record",
        type=types.RECORD,
        action="append",
        default=[],
        metavar="POP:ID,ID",
        help="record V_m of these node ids",
    )
    sim.add_argument(
        "--record-interval",
        type=types.DURATION_MS,
        help="V_m sampling interval, ms, whole steps (default: every step)",
    )
    sim.add_argument("--no-progress", action="store_true")
    sim.set_defaults(run=_simulate)

    run = sub.add_parser(
        "run",
        help="run a bmtk PointNet simulation config: convert (or reuse), simulate, write its outputs and reports",
    )
    run.add_argument(
        "config", type=types.FILE, help="SONATA simulation config (or a combined config naming one)"
    )
    add_run_options(run, "CPU threads (default: the config's run.n_thread, else all)")
    run.add_argument(
        "--input",
        type=types.INPUT_SPIKES,
        action="append",
        default=[],
        metavar="POP=FILE",
        help="spike file (SONATA .h5, bmtk .csv or .nwb) for a virtual population; replaces the config's inputs "
        "of that population",
    )
    run.add_argument(
        "--output-dir",
        type=types.OUTPUT_FOLDER,
        help="write every output here instead of the config's output.output_dir",
    )
    run.add_argument(
        "--network-cache",
        type=types.OUTPUT_FOLDER,
        help="folder of converted networks (default: $V1SIM_CACHE, else ~/.cache/v1sim)",
    )
    add_weight_functions_option(run)
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.set_defaults(run=_run)

    analysis = sub.add_parser(
        "analyse", help="rates, ISI CV, population activity, PCA/UMAP and correlations of a spike file"
    )
    analysis.add_argument("spikes", type=types.FILE, help="SONATA spike file (v1sim simulate's spikes.h5)")
    analysis.add_argument(
        "nodes", type=types.FILE, help="nodes.parquet of v1sim convert (cell classes, depths)"
    )
    analysis.add_argument(
        "outdir", type=types.OUTPUT_FOLDER, help="folder for the tables (replaced if it is an earlier output)"
    )
    analysis.add_argument(
        "--tstop", type=types.DURATION_MS, required=True, help="end of the analysed window (ms)"
    )
    analysis.add_argument(
        "--t-start", dest="t_start_ms", type=types.START_MS, help="start of the window (ms; default 0)"
    )
    analysis.add_argument(
        "--bin", dest="bin_ms", type=types.DURATION_MS, help="time bin of the population activity (ms; 10)"
    )
    analysis.add_argument(
        "--correlation-bin",
        dest="correlation_bin_ms",
        type=types.DURATION_MS,
        help="count window of the correlations (ms; 50)",
    )
    analysis.add_argument(
        "--correlation-cells",
        dest="correlation_cells_per_class",
        type=types.Integer(2, types.MAX_COUNT),
        help="cells per class (50)",
    )
    analysis.add_argument(
        "--umap-cells", type=types.Integer(10, types.MAX_COUNT), help="cells sampled for the cell UMAP (5000)"
    )
    analysis.add_argument(
        "--pca-components", type=types.Integer(2, types.MAX_COUNT), help="principal components kept (10)"
    )
    analysis.add_argument("--seed", type=types.SEED, help="seed of the samples and of UMAP (0)")
    analysis.add_argument(
        "--reference",
        type=types.FILE,
        help="a second spike file (e.g. NEST's) whose class rates go beside ours",
    )
    analysis.add_argument("--class-column", type=types.NAME, help=CLASS_COLUMN_HELP)
    analysis.set_defaults(run=_analyse)

    figures = sub.add_parser("figures", help="draw the figures of a v1sim analyse folder")
    figures.add_argument(
        "analysis", type=types.StageFolder("analyse"), help="output folder of v1sim analyse"
    )
    figures.add_argument("spikes", type=types.FILE, help="the spike file it analysed (for the raster)")
    figures.add_argument("nodes", type=types.FILE, help="nodes.parquet of v1sim convert")
    figures.add_argument("outdir", type=types.OUTPUT_FOLDER, help="folder for the figures")
    figures.add_argument(
        "--max-raster-points",
        type=types.COUNT,
        default=100_000,
        help="above this many spikes the raster is an image",
    )
    figures.set_defaults(run=_figures)

    lgn = sub.add_parser("lgn", help="LGN spikes for a visual stimulus (drifting grating by default)")
    lgn.add_argument("nodes", type=types.FILE, help="nodes.parquet of v1sim convert (the LGN units)")
    lgn.add_argument(
        "out", type=types.OUTPUT_FILE, help="SONATA spike file to write (provenance beside it, + .json)"
    )
    lgn.add_argument("--duration", type=types.DURATION_MS, help="length of the stimulus, ms (3000)")
    lgn.add_argument(
        "--direction", type=types.Number(0.0, 360.0, high_open=True), help="grating direction, degrees (0)"
    )
    lgn.add_argument(
        "--sf", type=types.Number(0.001, 1.0), help="spatial frequency, cycles/degree (0.04; 0.001 to 1)"
    )
    lgn.add_argument("--tf", type=types.Number(0.0, 500.0), help="temporal frequency, Hz (2; at most 500)")
    lgn.add_argument(
        "--contrast",
        type=types.Number(-1.0, 1.0),
        help="contrast (0.8; a grating's in [0, 1], a flash's in [-1, 1], negative: dark)",
    )
    lgn.add_argument("--phase", type=types.Number(-360.0, 360.0), help="grating phase, degrees (0)")
    lgn.add_argument("--gray-ms", type=types.START_MS, help="gray screen before the grating, ms (0)")
    stimulus = lgn.add_mutually_exclusive_group()
    stimulus.add_argument("--gray", action="store_true", help="a gray screen instead of a grating")
    stimulus.add_argument(
        "--flash",
        type=types.START_MS,
        nargs=2,
        metavar=("ON_MS", "OFF_MS"),
        help="a full-field flash from ON_MS to OFF_MS",
    )
    stimulus.add_argument(
        "--movie", type=types.FILE, help="a .npy movie: frames x rows x columns, contrast, 1 ms frames"
    )
    lgn.add_argument(
        "--pixel-deg",
        type=types.Number(0.0, 120.0, low_open=True, high_open=True),
        help="pixel pitch of --movie's 120x240 deg screen (2.5)",
    )
    lgn.add_argument("--seed", type=types.SEED, default=0)
    lgn.add_argument(
        "--trial", type=types.Integer(0, types.MAX_SEED), default=0, help="trial number (seeds the spikes with --seed)"
    )
    lgn.add_argument("--population", type=types.NAME, default="lgn", help="the LGN population (lgn)")
    lgn.set_defaults(run=_lgn)

    tuning = sub.add_parser("tuning", help="orientation/direction tuning from grating trials")
    tuning.add_argument(
        "trials", type=types.FILE, help="CSV with columns direction_deg, trial, spikes (file paths)"
    )
    tuning.add_argument("nodes", type=types.FILE, help="nodes.parquet of v1sim convert")
    tuning.add_argument("outdir", type=types.OUTPUT_FOLDER, help="folder for the tables")
    tuning.add_argument(
        "--t-start", type=types.START_MS, required=True, help="start of the grating window, ms"
    )
    tuning.add_argument(
        "--t-stop", type=types.DURATION_MS, required=True, help="end of the grating window, ms"
    )
    tuning.add_argument(
        "--neuropixels", type=types.FILE, help="OSI_DSI_neuropixels_v4.csv of the Allen V1 model"
    )
    tuning.add_argument("--class-column", type=types.NAME, default="auto", help=CLASS_COLUMN_HELP)
    tuning.set_defaults(run=_tuning)

    tuning_figures = sub.add_parser("tuning-figures", help="draw the figures of a v1sim tuning folder")
    tuning_figures.add_argument(
        "tuning", type=types.StageFolder("tuning"), help="output folder of v1sim tuning"
    )
    tuning_figures.add_argument("outdir", type=types.OUTPUT_FOLDER, help="folder for the figures")
    tuning_figures.set_defaults(run=_tuning_figures)

    seq = sub.add_parser(
        "sequences", help="PPSeq sequence detection on the most active cells of a spike file"
    )
    seq.add_argument("spikes", type=types.FILE, help="SONATA spike file")
    seq.add_argument("nodes", type=types.FILE, help="nodes.parquet of v1sim convert")
    seq.add_argument("outdir", type=types.OUTPUT_FOLDER, help="folder for the tables")
    seq.add_argument("--tstop", type=types.DURATION_MS, required=True, help="end of the analysed window (ms)")
    seq.add_argument("--t-start", dest="t_start_ms", type=types.START_MS, help="start of the window (ms; 0)")
    seq.add_argument(
        "--population", type=types.NAME, help="population of the cells (default: the first simulated one)"
    )
    seq.add_argument("--cell-class-prefix", type=types.NAME, help="only classes whose name starts so (e.g. e23)")
    seq.add_argument("--class-column", type=types.NAME, help=CLASS_COLUMN_HELP)
    seq.add_argument("--n-neurons", type=types.COUNT, help="the most active cells taken (200)")
    seq.add_argument("--n-types", type=types.COUNT, help="sequence types (2)")
    seq.add_argument("--sweeps", type=types.COUNT, help="Gibbs sweeps (200)")
    seq.add_argument(
        "--anneal-sweeps",
        type=types.Integer(0, types.MAX_COUNT),
        help="sweeps of annealing at the start (100; at most --sweeps)",
    )
    seq.add_argument(
        "--window-s",
        type=types.Number(0.0, 1e6, low_open=True),
        help="largest distance of a spike from its event's mean time (0.5 s)",
    )
    seq.add_argument("--seed", type=types.SEED)
    seq.set_defaults(run=_sequences)

    seq_figures = sub.add_parser("sequence-figures", help="draw the figures of a v1sim sequences folder")
    seq_figures.add_argument(
        "sequences",
        type=types.StageFolder("sequences"),
        help="output folder of v1sim sequences",
    )
    seq_figures.add_argument("outdir", type=types.OUTPUT_FOLDER, help="folder for the figures")
    seq_figures.set_defaults(run=_sequence_figures)

    graph = sub.add_parser(
        "graph",
        help="communities and K-way (METIS) partitions of the connectome, with crossing spike traffic",
    )
    graph.add_argument("network", type=types.NETWORK_FOLDER, help="output folder of v1sim convert")
    graph.add_argument(
        "outdir", type=types.OUTPUT_FOLDER, help="folder for the tables (replaced if it is an earlier output)"
    )
    graph.add_argument(
        "--rates", type=types.FILE, help="neurons.parquet of v1sim analyse: adds the spike traffic"
    )
    graph.add_argument(
        "--edge-populations",
        type=types.NAME,
        nargs="+",
        help="edge populations forming the graph (default: the recurrent ones, whose sources are simulated)",
    )
    graph.add_argument(
        "--weight", choices=["abs_weight", "synapses", "binary"], help="edge weight (abs_weight)"
    )
    graph.add_argument(
        "--symmetrise", choices=["sum", "max", "mean"], help="undirected version (sum: A + A^T)"
    )
    graph.add_argument("--isolated", choices=["keep", "drop"], help="nodes without a selected edge (keep)")
    graph.add_argument(
        "--methods",
        nargs="+",
        choices=["louvain", "leiden", "leiden_directed"],
        help="community detection methods (default: louvain leiden)",
    )
    graph.add_argument("--resolution", type=types.Number(0.0, 1e6), help="modularity resolution gamma (1)")
    graph.add_argument(
        "--k", nargs="+", type=types.Integer(2, types.MAX_COUNT), help="numbers of parts (default: 2 4 8 16 32 64)"
    )
    graph.add_argument(
        "--balance", choices=["nodes", "load"], help="balance cells, or expected spikes (load)"
    )
    graph.add_argument(
        "--imbalance",
        type=types.Number(0.0, 1.0, low_open=True, high_open=True),
        help="allowed excess of the heaviest part (0.02)",
    )
    graph.add_argument("--seed", type=types.SEED, help="seed of the community detection and partitions (0)")
    graph.add_argument("--class-column", type=types.NAME, help=CLASS_COLUMN_HELP)
    graph.add_argument("--threads", type=types.threads, help="networkit threads (1 is reproducible)")
    graph.set_defaults(run=_graph)

    graph_figures = sub.add_parser("graph-figures", help="draw the figures of a v1sim graph folder")
    graph_figures.add_argument(
        "graph", type=types.StageFolder("graph"), help="output folder of v1sim graph"
    )
    graph_figures.add_argument("outdir", type=types.OUTPUT_FOLDER, help="folder for the figures")
    graph_figures.set_defaults(run=_graph_figures)

    fetch = sub.add_parser(
        "fetch", help="download release files, recording their sha256; refuse a file that has changed"
    )
    fetch.add_argument("url", help="base URL (http://, https:// or file://) the files are relative to")
    fetch.add_argument("dest", type=types.OUTPUT_FOLDER, help="folder to download into")
    fetch.add_argument("files", nargs="+", metavar="FILE", help="file paths relative to URL (and to DEST)")
    fetch.add_argument(
        "--manifest",
        type=types.OUTPUT_FILE,
        help="checksum manifest (JSON; default DEST/sha256.json), kept between runs",
    )
    fetch.add_argument(
        "--sha256",
        type=types.SHA256_PIN,
        action="append",
        default=[],
        metavar="FILE=SHA256",
        help="pin a file's checksum (repeatable); a mismatch is an error",
    )
    fetch.add_argument(
        "--refresh",
        action="store_true",
        help="download files already present again, to check that the remote copies have not changed",
    )
    fetch.add_argument("--no-progress", action="store_true", help="no progress bar")
    fetch.set_defaults(run=_fetch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a subcommand. A bad argument, a bad input file and a place that cannot be written
    each print one line naming the argument or the file and field, exit with status 2 and leave nothing."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0), or a bad argument: its one line is printed
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s: %(message)s"
    )
    try:
        args.run(args)
    except V1SimInputError as exc:
        return _error(args.command, exc.message)
    except FileExistsError as exc:
        return _error(args.command, str(exc))
    except OSError as exc:
        if exc.filename is None:  # not about a path we were given: a bug, with its traceback
            raise
        return _error(args.command, f"{exc.filename}: {exc.strerror or exc}")
    except MemoryError:
        return _error(args.command, "out of memory: the sizes asked for do not fit in this machine's memory")
    return 0


def _error(command: str, message: str) -> int:
    print(f"v1sim {command}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
