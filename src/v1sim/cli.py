"""The ``v1sim`` command line: the same functions the Snakemake rules call, usable without Snakemake."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from v1sim.errors import V1SimInputError

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


def _synthetic(args: argparse.Namespace) -> None:
    from v1sim.builder.synthetic import SyntheticSpec, write_synthetic_circuit

    spec = SyntheticSpec.full_scale() if args.full_scale else SyntheticSpec()
    overrides = {
        k: v for k, v in vars(args).items() if k in SyntheticSpec.__dataclass_fields__ and v is not None
    }
    spec = spec.replace(**overrides)
    config = write_synthetic_circuit(spec, args.outdir, progress=not args.no_progress)
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
    config = build_v1(spec, args.outdir, progress=not args.no_progress, gains_file=gains_file)
    print(f"built V1 column at scale {spec.scale} (seed {spec.seed}) -> {config}")


def _calibrate(args: argparse.Namespace) -> None:
    from v1sim.builder.calibration import CalibrationSettings, calibrate
    from v1sim.grating_trial import GratingProtocol, TrialSimulation

    spec, gains_file = _v1_spec(args)
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


def _pairs(values: list[str], option: str, kind: type) -> dict:
    out = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise V1SimInputError(None, option, f"expected POPULATION=VALUE, got '{value}'")
        try:
            out[key] = kind(item)
        except ValueError:
            raise V1SimInputError(None, option, f"'{item}' is not a valid value") from None
    return out


def _simulate(args: argparse.Namespace) -> None:
    from v1sim.simulation import RunSettings, run_simulation

    record = {}
    for value in args.record:
        population, _, ids = value.partition(":")
        record[population] = [int(x) for x in ids.split(",") if x]
    settings = RunSettings(
        tstop_ms=args.tstop,
        dt_ms=args.dt,
        device=args.device,
        dtype=args.dtype,
        seed=args.seed,
        threads=args.threads,
        input_files=_pairs(args.input, "--input", str),
        poisson_hz=_pairs(args.poisson, "--poisson", float),
        record=record,
        record_interval_ms=args.record_interval,
    )
    result = run_simulation(args.network, args.outdir, args.config, settings, progress=not args.no_progress)
    print(
        f"simulated {result.tstop_ms:g} ms in {result.wall_s:.2f} s (RTF {result.real_time_factor:.3f}, "
        f"{len(result.spike_step):,} spikes) on {result.device} -> {args.outdir}"
    )


def _run(args: argparse.Namespace) -> None:
    from v1sim.run import RunOptions, run_config

    options = RunOptions(
        device=args.device,
        dtype=args.dtype,
        threads=args.threads,
        seed=args.seed,
        tstop_ms=args.tstop,
        dt_ms=args.dt,
        input_files=_pairs(args.input, "--input", str),
        output_dir=args.output_dir,
        network_cache=args.network_cache,
        weight_functions=list(args.weight_functions),
        progress=not args.no_progress,
    )
    print(run_config(args.config, options).line())


def _analyse(args: argparse.Namespace) -> None:
    from v1sim.analysis.run import AnalysisSettings, analyse

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


def _lgn(args: argparse.Namespace) -> None:
    from v1sim.inputs.lgn_stage import load_movie, write_lgn_spikes
    from v1sim.inputs.stimulus import DriftingGrating, FullFieldFlash, GrayScreen

    if args.movie:
        stimulus = load_movie(args.movie, args.pixel_deg)
    elif args.gray:
        stimulus = GrayScreen(args.duration)
    elif args.flash is not None:
        on, off = args.flash
        stimulus = FullFieldFlash(args.duration, on, off, args.contrast)
    else:
        stimulus = DriftingGrating(
            args.direction, args.duration, args.sf, args.tf, args.contrast, args.phase, args.gray_ms
        )
    summary = write_lgn_spikes(args.nodes, args.out, stimulus, args.seed, args.trial, args.population)
    print(
        f"{summary['spikes']:,} spikes of {summary['units']:,} LGN units over {summary['duration_ms']:g} ms "
        f"(mean {summary['mean_rate_hz']:.2f} Hz) -> {args.out}"
    )


def _tuning(args: argparse.Namespace) -> None:
    from v1sim.analysis.tuning_stage import analyse_tuning

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

    pins = {}
    for pin in args.sha256:
        name, sep, sha = pin.rpartition("=")
        if not sep or not name:
            raise V1SimInputError(pin, "--sha256", "expected FILE=SHA256")
        pins[name] = sha
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
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE.py",
        help="Python file(s) registering weight functions as for bmtk (add_weight_function, @synaptic_weight); "
        "loaded after the config's components.weight_functions",
    )


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
    add_weight_functions_option(convert)
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

    build = sub.add_parser("build-v1", help="build the Billeh-style V1 column as a SONATA circuit")
    build.add_argument("outdir", type=Path, help="output folder (replaced atomically)")
    build.add_argument("--scale", type=float, help="fraction of the 230,924-cell model (default 0.01)")
    build.add_argument("--seed", type=int, help="random seed (default 0): same scale and seed, same files")
    build.add_argument(
        "--connection-scale",
        dest="connection_scale",
        type=float,
        help="factor on peak connection probabilities (default 0.8)",
    )
    build.add_argument(
        "--lgn-units-e4", dest="lgn_units_e4", type=int, help="LGN units per L4 E cell (default 30)"
    )
    build.add_argument(
        "--ei-weight-sigma-deg",
        dest="ei_weight_sigma_deg",
        type=float,
        help="σ of the E→I and I→E direction weight functions, degrees (default 90, the release's)",
    )
    build.add_argument("--tstop", dest="tstop_ms", type=float, help="run length of the simulation config, ms")
    build.add_argument("--dt", dest="dt_ms", type=float, help="time step of the simulation config, ms (0.25)")
    build.add_argument(
        "--gains", type=Path, help="gain table (gains.json of v1sim calibrate; default: the committed gains)"
    )
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.set_defaults(run=_build_v1)

    cal = sub.add_parser(
        "calibrate",
        help="fit the built-in column's per-class gains to Billeh's class rates under drifting gratings",
    )
    cal.add_argument("outdir", type=Path, help="output folder: gains.json, trace.csv, provenance.json")
    cal.add_argument("--scale", type=float, default=0.225, help="scale of the column calibrated (0.225)")
    cal.add_argument("--seed", type=int, default=0, help="build seed of the column (0)")
    cal.add_argument("--gains", type=Path, help="gain table to start from (default: the committed gains)")
    cal.add_argument("--iterations", type=int, default=6, help="build-simulate-correct iterations (6)")
    cal.add_argument(
        "--directions", type=float, nargs="+", default=[0.0, 90.0], help="grating directions, degrees (0 90)"
    )
    cal.add_argument("--trials", type=int, default=1, help="trials per direction (1)")
    cal.add_argument("--duration", type=float, default=3000.0, help="trial length, gray included, ms (3000)")
    cal.add_argument("--gray-ms", type=float, default=500.0, help="gray screen before the grating, ms (500)")
    cal.add_argument("--stimulus-seed", type=int, default=0, help="seed of the grating trials (0)")
    cal.add_argument("--dt", type=float, default=0.25, help="time step, ms (0.25)")
    cal.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    cal.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    cal.add_argument("--threads", type=int, help="CPU threads (default: all)")
    cal.add_argument(
        "--workdir", type=Path, help="keep the circuits and trials here (default: a temporary folder, removed)"
    )
    cal.add_argument("--no-progress", action="store_true", help="no progress bar")
    cal.set_defaults(run=_calibrate)

    sim = sub.add_parser("simulate", help="simulate a converted network (the output folder of v1sim convert)")
    sim.add_argument("network", type=Path, help="folder holding compiled_network.h5")
    sim.add_argument("outdir", type=Path, help="output folder: spikes.h5, v_m.h5, provenance.json")
    sim.add_argument(
        "--config",
        type=Path,
        help="SONATA simulation config: run.tstop, run.dt, spike inputs, current clamps, V_m reports",
    )
    sim.add_argument("--tstop", type=float, help="run length, ms (default: the config's run.tstop)")
    sim.add_argument("--dt", type=float, help="time step, ms (default: the config's run.dt)")
    sim.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    sim.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "float64"],
        help="float64 reproduces NEST's arithmetic (validation)",
    )
    sim.add_argument("--seed", type=int, default=0, help="seed of the Poisson sources")
    sim.add_argument("--threads", type=int, help="CPU threads (default: all)")
    sim.add_argument(
        "--input", action="append", default=[], metavar="POP=FILE", help="spike file of a population"
    )
    sim.add_argument(
        "--poisson",
        action="append",
        default=[],
        metavar="POP=HZ",
        help="every node of a virtual population fires Poisson at HZ (drawn on the device); a bkg population "
        "with no spike file gets 1000 Hz, the release's background",
    )
    sim.add_argument(
        "--record", action="append", default=[], metavar="POP:ID,ID", help="record V_m of these node ids"
    )
    sim.add_argument("--record-interval", type=float, help="V_m sampling interval, ms (default: every step)")
    sim.add_argument("--no-progress", action="store_true")
    sim.set_defaults(run=_simulate)

    run = sub.add_parser(
        "run",
        help="run a bmtk PointNet simulation config: convert (or reuse), simulate, write its outputs and reports",
    )
    run.add_argument("config", type=Path, help="SONATA simulation config (or a combined config naming one)")
    run.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    run.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "float64"],
        help="float64 reproduces NEST's arithmetic (spike for spike)",
    )
    run.add_argument("--threads", type=int, help="CPU threads (default: the config's run.n_thread, else all)")
    run.add_argument("--seed", type=int, default=0, help="seed of any Poisson source (default 0)")
    run.add_argument("--tstop", type=float, help="run length, ms (default: the config's run.tstop)")
    run.add_argument("--dt", type=float, help="time step, ms (default: the config's run.dt)")
    run.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="POP=FILE",
        help="spike file (SONATA .h5, bmtk .csv or .nwb) for a virtual population; replaces the config's inputs "
        "of that population",
    )
    run.add_argument(
        "--output-dir", type=Path, help="write every output here instead of the config's output.output_dir"
    )
    run.add_argument(
        "--network-cache",
        type=Path,
        help="folder of converted networks (default: $V1SIM_CACHE, else ~/.cache/v1sim)",
    )
    add_weight_functions_option(run)
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.set_defaults(run=_run)

    analysis = sub.add_parser(
        "analyse", help="rates, ISI CV, population activity, PCA/UMAP and correlations of a spike file"
    )
    analysis.add_argument("spikes", type=Path, help="SONATA spike file (v1sim simulate's spikes.h5)")
    analysis.add_argument("nodes", type=Path, help="nodes.parquet of v1sim convert (cell classes, depths)")
    analysis.add_argument(
        "outdir", type=Path, help="folder for the tables (replaced if it is an earlier output)"
    )
    analysis.add_argument("--tstop", type=float, required=True, help="end of the analysed window (ms)")
    analysis.add_argument(
        "--t-start", dest="t_start_ms", type=float, help="start of the window (ms; default 0)"
    )
    analysis.add_argument(
        "--bin", dest="bin_ms", type=float, help="time bin of the population activity (ms; 10)"
    )
    analysis.add_argument(
        "--correlation-bin",
        dest="correlation_bin_ms",
        type=float,
        help="count window of the correlations (ms; 50)",
    )
    analysis.add_argument(
        "--correlation-cells", dest="correlation_cells_per_class", type=int, help="cells per class (50)"
    )
    analysis.add_argument("--umap-cells", type=int, help="cells sampled for the cell UMAP (5000)")
    analysis.add_argument("--pca-components", type=int, help="principal components kept (10)")
    analysis.add_argument("--seed", type=int, help="seed of the samples and of UMAP (0)")
    analysis.add_argument(
        "--reference", type=Path, help="a second spike file (e.g. NEST's) whose class rates go beside ours"
    )
    analysis.add_argument("--class-column", help=CLASS_COLUMN_HELP)
    analysis.set_defaults(run=_analyse)

    figures = sub.add_parser("figures", help="draw the figures of a v1sim analyse folder")
    figures.add_argument("analysis", type=Path, help="output folder of v1sim analyse")
    figures.add_argument("spikes", type=Path, help="the spike file it analysed (for the raster)")
    figures.add_argument("nodes", type=Path, help="nodes.parquet of v1sim convert")
    figures.add_argument("outdir", type=Path, help="folder for the figures")
    figures.add_argument(
        "--max-raster-points", type=int, default=100_000, help="above this many spikes the raster is an image"
    )
    figures.set_defaults(run=_figures)

    lgn = sub.add_parser("lgn", help="LGN spikes for a visual stimulus (drifting grating by default)")
    lgn.add_argument("nodes", type=Path, help="nodes.parquet of v1sim convert (the LGN units)")
    lgn.add_argument("out", type=Path, help="SONATA spike file to write (provenance beside it, + .json)")
    lgn.add_argument("--duration", type=float, default=3000.0, help="length of the stimulus, ms (3000)")
    lgn.add_argument("--direction", type=float, default=0.0, help="grating direction, degrees (0)")
    lgn.add_argument("--sf", type=float, default=0.04, help="spatial frequency, cycles/degree (0.04)")
    lgn.add_argument("--tf", type=float, default=2.0, help="temporal frequency, Hz (2)")
    lgn.add_argument("--contrast", type=float, default=0.8, help="contrast (0.8)")
    lgn.add_argument("--phase", type=float, default=0.0, help="grating phase, degrees (0)")
    lgn.add_argument("--gray-ms", type=float, default=0.0, help="gray screen before the grating, ms (0)")
    lgn.add_argument("--gray", action="store_true", help="a gray screen instead of a grating")
    lgn.add_argument("--flash", type=float, nargs=2, metavar=("ON_MS", "OFF_MS"), help="a full-field flash")
    lgn.add_argument(
        "--movie", type=Path, help="a .npy movie: frames x rows x columns, contrast, 1 ms frames"
    )
    lgn.add_argument(
        "--pixel-deg", type=float, default=2.5, help="pixel pitch of --movie's 120x240 deg screen"
    )
    lgn.add_argument("--seed", type=int, default=0)
    lgn.add_argument("--trial", type=int, default=0, help="trial number (seeds the spikes with --seed)")
    lgn.add_argument("--population", default="lgn", help="the LGN population (lgn)")
    lgn.set_defaults(run=_lgn)

    tuning = sub.add_parser("tuning", help="orientation/direction tuning from grating trials")
    tuning.add_argument(
        "trials", type=Path, help="CSV with columns direction_deg, trial, spikes (file paths)"
    )
    tuning.add_argument("nodes", type=Path, help="nodes.parquet of v1sim convert")
    tuning.add_argument("outdir", type=Path, help="folder for the tables")
    tuning.add_argument("--t-start", type=float, required=True, help="start of the grating window, ms")
    tuning.add_argument("--t-stop", type=float, required=True, help="end of the grating window, ms")
    tuning.add_argument("--neuropixels", type=Path, help="OSI_DSI_neuropixels_v4.csv of the Allen V1 model")
    tuning.add_argument("--class-column", default="auto", help=CLASS_COLUMN_HELP)
    tuning.set_defaults(run=_tuning)

    tuning_figures = sub.add_parser("tuning-figures", help="draw the figures of a v1sim tuning folder")
    tuning_figures.add_argument("tuning", type=Path, help="output folder of v1sim tuning")
    tuning_figures.add_argument("outdir", type=Path, help="folder for the figures")
    tuning_figures.set_defaults(run=_tuning_figures)

    seq = sub.add_parser(
        "sequences", help="PPSeq sequence detection on the most active cells of a spike file"
    )
    seq.add_argument("spikes", type=Path, help="SONATA spike file")
    seq.add_argument("nodes", type=Path, help="nodes.parquet of v1sim convert")
    seq.add_argument("outdir", type=Path, help="folder for the tables")
    seq.add_argument("--tstop", type=float, required=True, help="end of the analysed window (ms)")
    seq.add_argument("--t-start", dest="t_start_ms", type=float, help="start of the window (ms; 0)")
    seq.add_argument("--population", help="population of the cells (default: the first simulated one)")
    seq.add_argument("--cell-class-prefix", help="only classes whose name starts so (e.g. e23)")
    seq.add_argument("--class-column", help=CLASS_COLUMN_HELP)
    seq.add_argument("--n-neurons", type=int, help="the most active cells taken (200)")
    seq.add_argument("--n-types", type=int, help="sequence types (2)")
    seq.add_argument("--sweeps", type=int, help="Gibbs sweeps (200)")
    seq.add_argument("--anneal-sweeps", type=int, help="sweeps of annealing at the start (100)")
    seq.add_argument(
        "--window-s", type=float, help="largest distance of a spike from its event's mean time (0.5 s)"
    )
    seq.add_argument("--seed", type=int)
    seq.set_defaults(run=_sequences)

    seq_figures = sub.add_parser("sequence-figures", help="draw the figures of a v1sim sequences folder")
    seq_figures.add_argument("sequences", type=Path, help="output folder of v1sim sequences")
    seq_figures.add_argument("outdir", type=Path, help="folder for the figures")
    seq_figures.set_defaults(run=_sequence_figures)

    graph = sub.add_parser(
        "graph",
        help="communities and K-way (METIS) partitions of the connectome, with crossing spike traffic",
    )
    graph.add_argument("network", type=Path, help="output folder of v1sim convert")
    graph.add_argument(
        "outdir", type=Path, help="folder for the tables (replaced if it is an earlier output)"
    )
    graph.add_argument("--rates", type=Path, help="neurons.parquet of v1sim analyse: adds the spike traffic")
    graph.add_argument(
        "--edge-populations",
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
        "--methods", nargs="+", help="louvain, leiden, leiden_directed (default: louvain leiden)"
    )
    graph.add_argument("--resolution", type=float, help="modularity resolution gamma (1)")
    graph.add_argument("--k", nargs="+", type=int, help="numbers of parts (default: 2 4 8 16 32 64)")
    graph.add_argument(
        "--balance", choices=["nodes", "load"], help="balance cells, or expected spikes (load)"
    )
    graph.add_argument("--imbalance", type=float, help="allowed excess of the heaviest part (0.02)")
    graph.add_argument("--seed", type=int, help="seed of the community detection and partitions (0)")
    graph.add_argument("--class-column", help=CLASS_COLUMN_HELP)
    graph.add_argument("--threads", type=int, help="networkit threads (1 is reproducible)")
    graph.set_defaults(run=_graph)

    graph_figures = sub.add_parser("graph-figures", help="draw the figures of a v1sim graph folder")
    graph_figures.add_argument("graph", type=Path, help="output folder of v1sim graph")
    graph_figures.add_argument("outdir", type=Path, help="folder for the figures")
    graph_figures.set_defaults(run=_graph_figures)

    fetch = sub.add_parser(
        "fetch", help="download release files, recording their sha256; refuse a file that has changed"
    )
    fetch.add_argument("url", help="base URL (http://, https:// or file://) the files are relative to")
    fetch.add_argument("dest", type=Path, help="folder to download into")
    fetch.add_argument("files", nargs="+", metavar="FILE", help="file paths relative to URL (and to DEST)")
    fetch.add_argument(
        "--manifest", type=Path, help="checksum manifest (JSON; default DEST/sha256.json), kept between runs"
    )
    fetch.add_argument(
        "--sha256",
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
