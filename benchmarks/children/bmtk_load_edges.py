"""Child of convert_full_scale.py: what a bmtk user writes to get the V1→V1 edges as a DataFrame.

Arguments: the circuit's network folder. Result: the frame's rows and columns.
"""

from __future__ import annotations

from pathlib import Path


def main(argv: list[str]) -> dict[str, int]:
    from bmtk.utils.sonata import File

    net = Path(argv[0])
    sonata = File(
        data_files=[str(net / "v1_v1_edges.h5"), str(net / "v1_nodes.h5")],
        data_type_files=[str(net / "v1_v1_edge_types.csv"), str(net / "v1_node_types.csv")],
    )
    edges = sonata.edges["v1_to_v1"].to_dataframe()
    return {"rows": len(edges), "columns": edges.shape[1]}
