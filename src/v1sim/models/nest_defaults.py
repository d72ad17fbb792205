"""NEST 3.10 default parameters of the neuron models we simulate.

A parameter a cell-model file leaves out takes NEST's default, exactly as when bmtk hands the file to
``nest.Create``. Values read from ``nest.GetDefaults`` of NEST 3.10.0; ``tests/test_nest_defaults.py`` checks
them against the installed NEST in a subprocess. Units: mV, pA, pF, nS, ms, 1/ms.
"""

from __future__ import annotations

GLIF_PSC_DEFAULTS: dict[str, float | bool | list[float]] = {
    "V_m": -78.85,
    "E_L": -78.85,
    "V_th": -51.68,
    "V_reset": -78.85,
    "g": 9.43,
    "C_m": 58.72,
    "t_ref": 3.75,
    "th_spike_add": 0.37,
    "th_spike_decay": 0.009,
    "voltage_reset_fraction": 0.2,
    "voltage_reset_add": 18.51,
    "th_voltage_index": 0.005,
    "th_voltage_decay": 0.09,
    "asc_init": [0.0, 0.0],
    "asc_decay": [0.003, 0.1],
    "asc_amps": [-9.18, -198.94],
    "asc_r": [1.0, 1.0],
    "tau_syn": [2.0],
    "spike_dependent_threshold": False,
    "after_spike_currents": False,
    "adapting_threshold": False,
}

GLIF_PSC_DOUBLE_ALPHA_DEFAULTS: dict[str, float | bool | list[float]] = {
    **{k: v for k, v in GLIF_PSC_DEFAULTS.items() if k != "tau_syn"},
    "tau_syn_fast": [2.0],
    "tau_syn_slow": [6.0],
    "amp_slow": [0.3],
}

#: Parameters the three iaf_psc models share, with NEST's common defaults.
_IAF_DEFAULTS: dict[str, float] = {
    "V_m": -70.0,
    "E_L": -70.0,
    "C_m": 250.0,
    "tau_m": 10.0,
    "t_ref": 2.0,
    "V_th": -55.0,
    "V_reset": -70.0,
    "I_e": 0.0,
}

IAF_PSC_ALPHA_DEFAULTS: dict[str, float] = {
    **_IAF_DEFAULTS,
    "tau_syn_ex": 2.0,
    "tau_syn_in": 2.0,
    "V_min": float("-inf"),
}

IAF_PSC_DELTA_DEFAULTS: dict[str, float | bool] = {
    **_IAF_DEFAULTS,
    "V_min": -1.7976931348623157e308,
    "refractory_input": False,
}

IAF_PSC_EXP_DEFAULTS: dict[str, float] = {
    **_IAF_DEFAULTS,
    "tau_syn_ex": 2.0,
    "tau_syn_in": 2.0,
    "delta": 0.0,
    "rho": 0.01,
}

#: Default delay (ms) of a NEST connection that is given none (``static_synapse``).
NEST_DEFAULT_DELAY_MS = 1.0
