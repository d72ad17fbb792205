"""Run single-neuron cases in NEST 3.10 (its own process): ``python nest_single_runner.py cases.json OUTDIR``.

Each case: one neuron of ``model`` with ``params``, spike generators (``precise_times``, as bmtk creates them)
connected with the drives' weight, delay and receptor, and step-current generators (``currents``: amplitude
times and values, connection delay, as bmtk's IClamp creates them); a multimeter samples V_m and the synaptic
currents every step. Writes ``OUTDIR/case_<i>.npz`` with the spike times and the traces.
"""

import json
import sys
from pathlib import Path

import nest
import numpy as np


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    nest.set_verbosity("M_ERROR")
    for i, case in enumerate(cases):
        nest.ResetKernel()
        nest.SetKernelStatus({"resolution": case["dt"], "local_num_threads": 1})
        cell = nest.Create(case["model"], params=case["params"])
        currents = {
            "glif_psc": ["I_syn"],
            "glif_psc_double_alpha": ["I_syn"],
            "iaf_psc_delta": [],
        }.get(case["model"], ["I_syn_ex", "I_syn_in"])
        meter = nest.Create("multimeter", params={"record_from": ["V_m", *currents], "interval": case["dt"]})
        recorder = nest.Create("spike_recorder")
        nest.Connect(meter, cell)
        nest.Connect(cell, recorder)
        for drive in case["drives"]:
            generator = nest.Create(
                "spike_generator", params={"spike_times": drive["times_ms"], "precise_times": True}
            )
            syn = {
                "weight": drive["weight_pa"],
                "delay": drive["delay_ms"],
                "receptor_type": drive["receptor"],
            }
            nest.Connect(generator, cell, syn_spec=syn)
        for clamp in case.get("currents", []):
            generator = nest.Create(
                "step_current_generator",
                params={"amplitude_times": clamp["times_ms"], "amplitude_values": clamp["values_pa"]},
            )
            nest.Connect(generator, cell, syn_spec={"delay": clamp["delay_ms"]})
        nest.Simulate(case["tstop"])
        events = meter.get("events")
        np.savez(
            out / f"case_{i}.npz",
            t=np.asarray(events["times"]),
            v=np.asarray(events["V_m"]),
            i_syn=sum((np.asarray(events[name]) for name in currents), np.zeros(len(events["times"]))),
            spikes=np.asarray(recorder.get("events")["times"]),
        )


if __name__ == "__main__":
    main()
