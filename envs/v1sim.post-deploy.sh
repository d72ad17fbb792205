#!/usr/bin/env bash
# Run by Snakemake (--sdm conda) once the environment of envs/v1sim.yaml is created, inside it: installs the
# v1sim package of this repository (editable, its dependencies are the environment's), so that the rules'
# scripts import it as any installed package.
set -euo pipefail
pip install --no-deps --no-build-isolation -e "$(cd "$(dirname "$0")/.." && pwd)"
