"""The cell-class naming scheme of the Billeh et al. (2020) model, its Allen release and the built-in column: the
one place that knows how a class name reads.

A release-style class name is ``<e|i><layer><subclass>``: ``e`` or ``i`` for excitatory or inhibitory, the layer
``1``, ``23``, ``4``, ``5`` or ``6``, then the marker that names the subclass (``e23Cux2``, ``e5noRbp4``,
``i4Pvalb``, ``i1Htr3a``). Inhibitory markers map onto the three interneuron types Billeh's targets are given for:
Pvalb → PV, Sst → SST, Htr3a (and the successor model's Vip) → VIP. Every other name (bmtk's ``Scnn1a``,
``LIF_exc``, ``type_100``, ``unknown``) is not of this form: each function then answers None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The layers of the scheme, by the code in the name, with their names.
LAYERS = {"1": "L1", "23": "L2/3", "4": "L4", "5": "L5", "6": "L6"}
#: Inhibitory subclass marker → interneuron type, tried in this order as a prefix of the subclass.
INTERNEURON_TYPES = {"Pvalb": "PV", "Sst": "SST", "Htr3a": "VIP", "Vip": "VIP"}
_NAME = re.compile(r"([ei])(1|23|4|5|6)(.*)", re.DOTALL)


@dataclass(frozen=True)
class ClassName:
    """A release-style class name taken apart."""

    #: "e" (excitatory) or "i" (inhibitory)
    ei: str
    #: the layer's code in the name: "1", "23", "4", "5" or "6"
    layer_code: str
    #: the rest of the name: the subclass marker (``Cux2``, ``Pvalb``, ``noRbp4``)
    subclass: str

    @property
    def layer(self) -> str:
        """``L1``, ``L2/3``, ``L4``, ``L5`` or ``L6``."""
        return LAYERS[self.layer_code]

    @property
    def location(self) -> str:
        """The release's node-type ``location`` of the layer: ``VisL1``, ``VisL23``, ``VisL4``, …"""
        return f"VisL{self.layer_code}"

    @property
    def interneuron_type(self) -> str | None:
        """PV, SST or VIP for an inhibitory class whose subclass starts with a known marker, else None."""
        if self.ei != "i":
            return None
        return next(
            (kind for marker, kind in INTERNEURON_TYPES.items() if self.subclass.startswith(marker)), None
        )


def parse_class(cell_class: object) -> ClassName | None:
    """The parts of a release-style class name (``e23Cux2`` → e, 23, Cux2); None for any other name."""
    match = _NAME.fullmatch(str(cell_class))
    return ClassName(*match.groups()) if match else None


def ei_of(cell_class: object) -> str | None:
    """ "e" or "i" for a release-style class name, else None."""
    parsed = parse_class(cell_class)
    return parsed.ei if parsed else None


def layer_of(cell_class: object) -> str | None:
    """The cortical layer of a release-style class name (``e23Cux2`` → ``L2/3``), else None."""
    parsed = parse_class(cell_class)
    return parsed.layer if parsed else None


def target_group(cell_class: object) -> str | None:
    """The Billeh target group of a release-style class name (``e23Cux2`` → ``L2/3 E``, ``i4Htr3a`` → ``L4 VIP``,
    ``i1Htr3a`` → ``L1 Htr3a``: layer 1 holds only Htr3a interneurons); None for a name without one."""
    parsed = parse_class(cell_class)
    if parsed is None:
        return None
    if parsed.layer_code == "1":
        return "L1 Htr3a" if parsed.ei == "i" else None
    if parsed.ei == "e":
        return f"{parsed.layer} E"
    kind = parsed.interneuron_type
    return f"{parsed.layer} {kind}" if kind else None
