"""Cell-model parameters as NEST 3 receives them, from the three file forms found in Allen circuits.

* NEST 3 ``glif_psc`` / ``iaf_psc_alpha`` parameter files: taken as they are, NEST's defaults fill the rest.
* NEST 2.14 ``glif_lif_psc`` / ``glif_lif_asc_psc`` files (the Billeh release): ``k`` is renamed
  ``asc_decay``, the model becomes ``glif_psc`` with the matching mechanism flags.
* Allen Cell Types Database GLIF configs (``"type": "GLIF"``, SI units): converted as bmtk 1.2's
  ``glif_utils.converter_builtin`` does — V_th = th_inf·coeffs.th_inf + El_reference, g = coeffs.G / R_input,
  C_m = coeffs.C·C, t_ref = spike_cut_length·dt, asc_decay = 1/asc_tau_array,
  asc_amps = asc_amp_array·coeffs.asc_amp_array, V_m = E_L = El + El_reference, V_reset = El_reference,
  tau_syn = [5.5, 8.5, 2.8, 5.8] ms (Billeh et al. 2020).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.models.nest_defaults import GLIF_PSC_DEFAULTS, IAF_PSC_ALPHA_DEFAULTS

#: Engine model codes (``model_code`` in the compiled network).
MODEL_CODES = {"glif_psc": 0, "iaf_psc_alpha": 1}
#: Receptor ports the engine supports per neuron (alpha currents).
MAX_RECEPTOR_PORTS = 4
#: After-spike currents the engine supports per GLIF neuron.
N_ASC = 2
#: Synaptic time constants of the Allen V1 GLIF models, ms: e→e, i→e, e→i, i→i (Billeh et al. 2020).
ALLEN_TAU_SYN_MS = [5.5, 8.5, 2.8, 5.8]

_GLIF_LEGACY = {"glif_lif_psc": False, "glif_lif_asc_psc": True}  # NEST 2.14 name → after_spike_currents
SUPPORTED_TEMPLATES = ("glif_psc", *_GLIF_LEGACY, "iaf_psc_alpha")


def template_model(template: Any, types_file: Path) -> str:
    """The NEST model name of a ``model_template`` value (``nest:`` prefix optional), or an input error."""
    name = str(template).strip()
    if name.startswith("nest:"):
        name = name[5:]
    if name not in SUPPORTED_TEMPLATES:
        supported = ", ".join(f"nest:{t}" for t in SUPPORTED_TEMPLATES)
        raise V1SimInputError(
            types_file, "model_template", f"unknown model template '{template}' (supported: {supported})"
        )
    return name


def _allen_glif(config: dict[str, Any], path: Path, with_asc: bool) -> dict[str, Any]:
    try:
        coeffs = config["coeffs"]
        el_reference = config["El_reference"] * 1e3
        params: dict[str, Any] = {
            "V_m": config["El"] * 1e3 + el_reference,
            "V_th": coeffs["th_inf"] * config["th_inf"] * 1e3 + el_reference,
            "g": coeffs["G"] / config["R_input"] * 1e9,
            "E_L": config["El"] * 1e3 + el_reference,
            "C_m": coeffs["C"] * config["C"] * 1e12,
            "t_ref": config["spike_cut_length"] * config["dt"] * 1e3,
            "V_reset": el_reference,
            "tau_syn": list(ALLEN_TAU_SYN_MS),
            "spike_dependent_threshold": False,
            "after_spike_currents": with_asc,
            "adapting_threshold": False,
        }
        if with_asc:
            params["asc_init"] = list(np.asarray(config["init_AScurrents"], dtype=float) * 1e12)
            params["asc_decay"] = list(1.0 / np.asarray(config["asc_tau_array"], dtype=float) * 1e-3)
            params["asc_amps"] = list(
                np.asarray(config["asc_amp_array"], dtype=float)
                * np.asarray(coeffs["asc_amp_array"], dtype=float)
                * 1e12
            )
    except KeyError as exc:
        raise V1SimInputError(path, str(exc.args[0]), "missing from Allen GLIF config") from None
    return params


def _fill(params: dict[str, Any], defaults: dict[str, Any], path: Path, model: str) -> dict[str, Any]:
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise V1SimInputError(path, unknown[0], f"not a parameter of NEST's {model}")
    full = {**defaults, **params}
    for key, default in defaults.items():
        value = full[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise V1SimInputError(path, key, f"expected true or false, found {value!r}")
        elif isinstance(default, list):
            try:
                full[key] = [float(v) for v in value]
            except (TypeError, ValueError):
                raise V1SimInputError(path, key, f"expected a list of numbers, found {value!r}") from None
        else:
            try:
                full[key] = float(value)
            except (TypeError, ValueError):
                raise V1SimInputError(path, key, f"expected a number, found {value!r}") from None
            if np.isnan(full[key]):
                raise V1SimInputError(path, key, "is NaN")
    return full


def _check_glif(p: dict[str, Any], path: Path) -> None:
    if not p["C_m"] > 0 or not p["g"] > 0:
        raise V1SimInputError(path, "C_m" if not p["C_m"] > 0 else "g", "must be positive")
    if p["t_ref"] < 0:
        raise V1SimInputError(path, "t_ref", "must be non-negative")
    n_ports = len(p["tau_syn"])
    if not 1 <= n_ports <= MAX_RECEPTOR_PORTS or min(p["tau_syn"]) <= 0:
        raise V1SimInputError(path, "tau_syn", f"expected 1 to {MAX_RECEPTOR_PORTS} positive time constants")
    if p["after_spike_currents"]:
        lengths = {k: len(p[k]) for k in ("asc_init", "asc_decay", "asc_amps", "asc_r")}
        if set(lengths.values()) != {N_ASC}:
            raise V1SimInputError(
                path, "asc_amps", f"expected {N_ASC} after-spike currents in every asc_* list, {lengths}"
            )
        if min(p["asc_decay"]) <= 0:
            raise V1SimInputError(path, "asc_decay", "decay rates (1/ms) must be positive")


def nest_neuron_params(template: str, raw: dict[str, Any], path: Path) -> tuple[str, dict[str, Any]]:
    """Return ``(nest_model, params)``: the model NEST 3 creates and every parameter it ends up with."""
    params = dict(raw)
    if template == "iaf_psc_alpha":
        full = _fill(params, IAF_PSC_ALPHA_DEFAULTS, path, "iaf_psc_alpha")
        for key in ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in"):
            if not full[key] > 0:
                raise V1SimInputError(path, key, "must be positive")
        if full["t_ref"] < 0:
            raise V1SimInputError(path, "t_ref", "must be non-negative")
        return "iaf_psc_alpha", full

    if params.get("type") == "GLIF":  # Allen Cell Types Database form, SI units
        with_asc = _GLIF_LEGACY.get(template, bool(params.get("asc_amp_array")))
        params = _allen_glif(params, path, with_asc)
    elif template in _GLIF_LEGACY:  # NEST 2.14 form
        params.pop("V_dynamics_method", None)
        if "k" in params:
            params["asc_decay"] = params.pop("k")
        params.setdefault("after_spike_currents", _GLIF_LEGACY[template])
        params.setdefault("spike_dependent_threshold", False)
        params.setdefault("adapting_threshold", False)
    full = _fill(params, GLIF_PSC_DEFAULTS, path, "glif_psc")
    _check_glif(full, path)
    return "glif_psc", full


def receptor_ports(nest_model: str, params: dict[str, Any]) -> int:
    """Number of receptor ports a neuron has (glif_psc: one per tau_syn, NEST ports 1..n; iaf_psc_alpha: 1)."""
    return len(params["tau_syn"]) if nest_model == "glif_psc" else 1
