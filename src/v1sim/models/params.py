"""Cell-model parameters as NEST 3 receives them, from the file forms found in Allen and bmtk circuits.

* NEST 3 parameter files of ``glif_psc``, ``glif_psc_double_alpha``, ``iaf_psc_alpha``, ``iaf_psc_delta`` and
  ``iaf_psc_exp``: taken as they are, NEST's defaults fill the rest.
* NEST 2.14 ``glif_lif_psc`` / ``glif_lif_asc_psc`` files (the Billeh release): ``k`` is renamed
  ``asc_decay``, the model becomes ``glif_psc`` with the matching mechanism flags.
* Allen Cell Types Database GLIF configs (``"type": "GLIF"``, SI units): converted as bmtk 1.2's
  ``glif_utils.converter_builtin`` does — V_th = th_inf·coeffs.th_inf + El_reference, g = coeffs.G / R_input,
  C_m = coeffs.C·C, t_ref = spike_cut_length·dt, asc_decay = 1/asc_tau_array,
  asc_amps = asc_amp_array·coeffs.asc_amp_array, V_m = E_L = El + El_reference, V_reset = El_reference,
  tau_syn = [5.5, 8.5, 2.8, 5.8] ms (Billeh et al. 2020).

Receptor ports: ``glif_psc`` has one per ``tau_syn`` entry and ``glif_psc_double_alpha`` one per ``tau_syn_fast``
entry (NEST ``receptor_type`` 1..n); ``iaf_psc_alpha`` and ``iaf_psc_exp`` take every spike on ``receptor_type`` 0
and file it by the sign of its weight into an excitatory and an inhibitory current (engine ports 0 and 1);
``iaf_psc_delta`` adds every weight (mV) to the membrane (one engine port).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.models.nest_defaults import (
    GLIF_PSC_DEFAULTS,
    GLIF_PSC_DOUBLE_ALPHA_DEFAULTS,
    IAF_PSC_ALPHA_DEFAULTS,
    IAF_PSC_DELTA_DEFAULTS,
    IAF_PSC_EXP_DEFAULTS,
)

#: Engine model codes (``model_code`` in the compiled network).
MODEL_CODES = {
    "glif_psc": 0,
    "iaf_psc_alpha": 1,
    "glif_psc_double_alpha": 2,
    "iaf_psc_delta": 3,
    "iaf_psc_exp": 4,
}
#: Receptor ports a neuron may have (the compiled network stores a port as one byte).
MAX_RECEPTOR_PORTS = 255
#: After-spike currents the engine supports per GLIF neuron.
N_ASC = 2
#: Synaptic time constants of the Allen V1 GLIF models, ms: e→e, i→e, e→i, i→i (Billeh et al. 2020).
ALLEN_TAU_SYN_MS = [5.5, 8.5, 2.8, 5.8]

_GLIF_LEGACY = {"glif_lif_psc": False, "glif_lif_asc_psc": True}  # NEST 2.14 name → after_spike_currents
_DEFAULTS = {
    "glif_psc": GLIF_PSC_DEFAULTS,
    "glif_psc_double_alpha": GLIF_PSC_DOUBLE_ALPHA_DEFAULTS,
    "iaf_psc_alpha": IAF_PSC_ALPHA_DEFAULTS,
    "iaf_psc_delta": IAF_PSC_DELTA_DEFAULTS,
    "iaf_psc_exp": IAF_PSC_EXP_DEFAULTS,
}
SUPPORTED_TEMPLATES = (
    "glif_psc",
    "glif_psc_double_alpha",
    *_GLIF_LEGACY,
    "iaf_psc_alpha",
    "iaf_psc_delta",
    "iaf_psc_exp",
)


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


def _positive(p: dict[str, Any], path: Path, *keys: str) -> None:
    for key in keys:
        if not p[key] > 0:
            raise V1SimInputError(path, key, "must be positive")


def _check_glif(p: dict[str, Any], path: Path, port_lists: tuple[str, ...]) -> None:
    _positive(p, path, "C_m", "g")
    if p["t_ref"] < 0:
        raise V1SimInputError(path, "t_ref", "must be non-negative")
    n_ports = len(p[port_lists[0]])
    for key in port_lists:
        if len(p[key]) != n_ports:
            raise V1SimInputError(
                path, key, f"expected {n_ports} values, one per receptor port (as {port_lists[0]}), found {len(p[key])}"
            )
        if not 1 <= len(p[key]) <= MAX_RECEPTOR_PORTS or min(p[key]) <= 0:
            raise V1SimInputError(path, key, f"expected 1 to {MAX_RECEPTOR_PORTS} positive values")
    if p["after_spike_currents"]:
        lengths = {k: len(p[k]) for k in ("asc_init", "asc_decay", "asc_amps", "asc_r")}
        if set(lengths.values()) != {N_ASC}:
            raise V1SimInputError(
                path, "asc_amps", f"expected {N_ASC} after-spike currents in every asc_* list, {lengths}"
            )
        if min(p["asc_decay"]) <= 0:
            raise V1SimInputError(path, "asc_decay", "decay rates (1/ms) must be positive")


def _check_iaf(p: dict[str, Any], path: Path, model: str) -> None:
    _positive(p, path, "C_m", "tau_m", *(k for k in ("tau_syn_ex", "tau_syn_in") if k in p))
    if p["t_ref"] < 0:
        raise V1SimInputError(path, "t_ref", "must be non-negative")
    if p.get("refractory_input"):
        raise V1SimInputError(
            path, "refractory_input", f"{model} with refractory_input true is not supported (NEST's default false is)"
        )
    if p.get("delta", 0.0) != 0.0:
        raise V1SimInputError(
            path, "delta", f"{model} with a stochastic threshold (delta > 0) is not supported (delta 0 is)"
        )


def nest_neuron_params(template: str, raw: dict[str, Any], path: Path) -> tuple[str, dict[str, Any]]:
    """Return ``(nest_model, params)``: the model NEST 3 creates and every parameter it ends up with."""
    params = dict(raw)
    if template.startswith("iaf_psc_"):
        full = _fill(params, _DEFAULTS[template], path, template)
        _check_iaf(full, path, template)
        return template, full

    if params.get("type") == "GLIF":  # Allen Cell Types Database form, SI units
        if template == "glif_psc_double_alpha":
            raise V1SimInputError(
                path,
                "type",
                "an Allen Cell Types GLIF config cannot be a glif_psc_double_alpha cell (bmtk converts it only for "
                "glif_psc templates); give the NEST parameters (tau_syn_fast, tau_syn_slow, amp_slow, ...)",
            )
        with_asc = _GLIF_LEGACY.get(template, bool(params.get("asc_amp_array")))
        params = _allen_glif(params, path, with_asc)
    elif template in _GLIF_LEGACY:  # NEST 2.14 form
        params.pop("V_dynamics_method", None)
        if "k" in params:
            params["asc_decay"] = params.pop("k")
        params.setdefault("after_spike_currents", _GLIF_LEGACY[template])
        params.setdefault("spike_dependent_threshold", False)
        params.setdefault("adapting_threshold", False)
    model = "glif_psc_double_alpha" if template == "glif_psc_double_alpha" else "glif_psc"
    full = _fill(params, _DEFAULTS[model], path, model)
    _check_glif(full, path, ("tau_syn_fast", "tau_syn_slow", "amp_slow") if model != "glif_psc" else ("tau_syn",))
    return model, full


def receptor_ports(nest_model: str, params: dict[str, Any]) -> int:
    """Engine ports of a neuron: glif_psc one per ``tau_syn`` (NEST ports 1..n), glif_psc_double_alpha one per
    ``tau_syn_fast``, iaf_psc_alpha/iaf_psc_exp two (excitatory, inhibitory), iaf_psc_delta one."""
    if nest_model == "glif_psc":
        return len(params["tau_syn"])
    if nest_model == "glif_psc_double_alpha":
        return len(params["tau_syn_fast"])
    return 1 if nest_model == "iaf_psc_delta" else 2


def port_time_constants(nest_model: str, params: dict[str, Any]) -> dict[str, list[float]]:
    """Per engine port: ``tau_syn`` (ms; the fast one of a double alpha), and for glif_psc_double_alpha also
    ``tau_syn_slow`` (ms) and ``amp_slow`` — NEST's lists, port by port. iaf_psc_delta has none."""
    if nest_model == "glif_psc":
        return {"tau_syn": list(params["tau_syn"])}
    if nest_model == "glif_psc_double_alpha":
        return {
            "tau_syn": list(params["tau_syn_fast"]),
            "tau_syn_slow": list(params["tau_syn_slow"]),
            "amp_slow": list(params["amp_slow"]),
        }
    if nest_model == "iaf_psc_delta":
        return {}
    return {"tau_syn": [params["tau_syn_ex"], params["tau_syn_in"]]}
