"""An LGN unit as bmtk 1.2 FilterNet builds it: the reference v1sim's LGN model is checked against.

Used by the LGN tests and the grating benchmark to compare v1sim's rates with FilterNet's own cells; bmtk is
imported only when a cell is made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from v1sim.inputs.lgn_filters import TWO_SUBFIELD, temporal_params


class _Node(dict):
    """The node FilterNet's cell loader reads: a dict whose keys are also attributes."""

    predefined_jitter = False
    jitter = (1.0, 1.0)

    def __getattr__(self, key: str) -> object:
        return self.get(key)


def filternet_cell(node: dict[str, Any], unit_type: str) -> Any:
    """FilterNet's cell for a unit of ``unit_type`` with the node attributes ``node`` (``x``, ``y``,
    ``spatial_size``, ``tuning_angle``, ``sf_sep`` in degrees): its ``default_cell_loader`` with the filter
    parameters FilterNet takes for that type (the two-subfield types' kernels from v1sim's table, the others from
    bmtk's own ``filter_models`` files)."""
    import bmtk
    from bmtk.simulator.filternet.default_setters.cell_loaders import default_cell_loader

    node = dict(node)
    dynamics = None
    if unit_type in TWO_SUBFIELD:
        kernels = TWO_SUBFIELD[unit_type]
        off, on = temporal_params(kernels.off_kernel), temporal_params(kernels.on_kernel)
        node.update(
            weights=list(off.weights),
            kpeaks=list(off.kpeaks),
            delays=list(off.delays),
            weights_non_dom=list(on.weights),
            kpeaks_non_dom=list(on.kpeaks),
            delays_non_dom=list(on.delays),
        )
    else:
        models = Path(bmtk.__file__).parent / "utils" / "scripts" / "filternet" / "filter_models"
        dynamics = json.loads((models / f"{unit_type}.json").read_text())
    return default_cell_loader(_Node(node), ("lgnmodel", unit_type), dynamics)
