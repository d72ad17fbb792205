"""Class-level figures of the Allen V1 model family that the built-in network is built from.

Sources (BSD-3-Clause, Allen Institute), read once to derive the numbers below, which are embedded so that
a fresh machine can build the network; ``derive_figures(folder)`` recomputes them from the source tables and
``tests/test_figures.py`` checks that the embedded numbers equal what it derives:

* ``allen-biorealistic-v1`` reference tables (the successor of Billeh et al. 2020, commit 330276625b):
  ``pmax_matrix_v1dd.csv`` (peak connection probability, presynaptic type × postsynaptic type),
  ``sigma.csv`` (Gaussian width of connection probability over horizontal distance, µm, by E/I),
  ``syn_types_latency.csv`` (synaptic latency, ms), ``psp_characterization.csv`` (unitary PSP amplitudes,
  mV), ``lgn_models.csv`` (LGN filter types, their relative numbers and sizes), ``lgn_params.csv`` (ON/OFF
  ratio, LGN synapses relative to L4 E, synapses per LGN connection), ``bkg_weights_nsyns_population_original.csv``
  (background weight and synapse count per class of the original Billeh model);
* cell counts and layer depths of the Billeh et al. (2020) model (``v1-model.md`` section 1);
* GLIF3 parameter sets of five mouse V1 cells of the Allen Cell Types Database (specimens 593618144 Scnn1a,
  480124551 Rorb, 318808427 Nr5a1, 478958894 and 487667205 Pvalb), as fitted for NEST ``glif_psc`` in bmtk's
  ``point_450glifs`` example.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CellClass:
    """One of the 21 ``pop_name`` classes of the Billeh model and how it maps onto the figures' cell types."""

    name: str
    ei: str
    layer: str
    depth_um: tuple[float, float]
    n_full: int
    n_core: int
    #: cell type in the connection-probability matrix (v1dd naming)
    pmax_type: str
    #: cell type in the latency table
    latency_type: str
    #: cell type in the PSP table
    psp_type: str
    #: name of the class in the successor model's LGN tables
    lgn_name: str
    #: GLIF3 parameter sets (specimen ids) this class's node types are built from
    glif_sets: tuple[int, ...]


_E_SETS = (593618144, 480124551, 318808427)
_I_SETS = (478958894, 487667205)

#: The 21 classes: counts (core r < 400 µm / full model) and depths from Billeh et al. (2020). L5 excitatory
#: cells split into Rbp4 and non-Rbp4 in the original model; they are mapped onto the successor's L5 ET and
#: L5 IT types respectively (its third L5 type, NP, is not used). Htr3a interneurons map onto VIP types.
CLASSES: tuple[CellClass, ...] = (
    CellClass("i1Htr3a", "i", "VisL1", (50, 100), 4363, 999, "L1_Inh", "vip", "vip", "i1Htr3a", _I_SETS),
    CellClass(
        "e23Cux2", "e", "VisL23", (100, 310), 56057, 12689, "L2/3_Exc", "e23", "l23_pyr", "e23Cux2", _E_SETS
    ),
    CellClass("i23Htr3a", "i", "VisL23", (100, 310), 4845, 1107, "L2/3_VIP", "vip", "vip", "i23Vip", _I_SETS),
    CellClass(
        "i23Pvalb", "i", "VisL23", (100, 310), 2927, 640, "L2/3_PV", "pv", "pvalb", "i23Pvalb", _I_SETS
    ),
    CellClass("i23Sst", "i", "VisL23", (100, 310), 2120, 464, "L2/3_SST", "sst", "sst", "i23Sst", _I_SETS),
    CellClass(
        "e4Nr5a1", "e", "VisL4", (310, 430), 5491, 1248, "L4_Exc", "e4", "l4_pyr", "e4Nr5a1", (318808427,)
    ),
    CellClass(
        "e4Rorb", "e", "VisL4", (310, 430), 11898, 2605, "L4_Exc", "e4", "l4_pyr", "e4Rorb", (480124551,)
    ),
    CellClass(
        "e4Scnn1a", "e", "VisL4", (310, 430), 13728, 3072, "L4_Exc", "e4", "l4_pyr", "e4Scnn1a", (593618144,)
    ),
    CellClass("e4other", "e", "VisL4", (310, 430), 14644, 3329, "L4_Exc", "e4", "l4_pyr", "e4other", _E_SETS),
    CellClass("i4Htr3a", "i", "VisL4", (310, 430), 1231, 270, "L4_VIP", "vip", "vip", "i4Vip", _I_SETS),
    CellClass("i4Pvalb", "i", "VisL4", (310, 430), 4461, 963, "L4_PV", "pv", "pvalb", "i4Pvalb", _I_SETS),
    CellClass("i4Sst", "i", "VisL4", (310, 430), 2384, 553, "L4_SST", "sst", "sst", "i4Sst", _I_SETS),
    CellClass("e5Rbp4", "e", "VisL5", (430, 650), 26846, 6010, "L5_ET", "e5et", "l5_ET_pyr", "e5ET", _E_SETS),
    CellClass(
        "e5noRbp4", "e", "VisL5", (430, 650), 6712, 1559, "L5_IT", "e5it", "l5_IT_pyr", "e5IT", _E_SETS
    ),
    CellClass("i5Htr3a", "i", "VisL5", (430, 650), 508, 117, "L5_VIP", "vip", "vip", "i5Vip", _I_SETS),
    CellClass("i5Pvalb", "i", "VisL5", (430, 650), 2876, 613, "L5_PV", "pv", "pvalb", "i5Pvalb", _I_SETS),
    CellClass("i5Sst", "i", "VisL5", (430, 650), 2538, 555, "L5_SST", "sst", "sst", "i5Sst", _I_SETS),
    CellClass(
        "e6Ntsr1", "e", "VisL6", (650, 850), 57202, 12882, "L6_Exc", "e6", "l6_pyr", "e6Ntsr1", _E_SETS
    ),
    CellClass("i6Htr3a", "i", "VisL6", (650, 850), 841, 192, "L6_VIP", "vip", "vip", "i6Vip", _I_SETS),
    CellClass("i6Pvalb", "i", "VisL6", (650, 850), 4626, 1052, "L6_PV", "pv", "pvalb", "i6Pvalb", _I_SETS),
    CellClass("i6Sst", "i", "VisL6", (650, 850), 4626, 1059, "L6_SST", "sst", "sst", "i6Sst", _I_SETS),
)
FULL_RADIUS_UM = 845.0
CORE_RADIUS_UM = 400.0

PSP_TYPES = ("l23_pyr", "l4_pyr", "l5_ET_pyr", "l5_IT_pyr", "l6_pyr", "pvalb", "sst", "vip")
_PSP_GROUP = {t: ("all_pyr" if t.endswith("_pyr") else "all_int") for t in PSP_TYPES}
#: The PSP statistic used: the mean amplitude measured from a depolarised (90th percentile) baseline, where
#: current-based synapses act; the resting value where that is missing.
_PSP_COLUMNS = ("mean_90th", "mean_resting")
SIGNIFICANT_DIGITS = 6


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _psp_value(table: pd.DataFrame, pre: str, post: str) -> float | None:
    row = table[(table["pre"] == pre) & (table["post"] == post)]
    for column in _PSP_COLUMNS:
        if len(row):
            value = pd.to_numeric(row[column], errors="coerce").iloc[0]
            if np.isfinite(value):
                return float(value)
    return None


def derive_figures(folder: Path) -> dict[str, object]:
    """Recompute the embedded tables from the ``allen-biorealistic-v1`` reference folder.

    The PSP amplitude of a (pre, post) pair falls back, when the specific pair was not measured, to
    (pre, all of the post's group), then (all of the pre's group, post), then (group, group).
    """
    pmax = pd.read_csv(folder / "pmax_matrix_v1dd.csv", sep=" ", index_col=0)
    sigma = pd.read_csv(folder / "sigma.csv", sep=" ", index_col=0)
    latency = pd.read_csv(folder / "syn_types_latency.csv", sep=" ", index_col=0)
    psp = pd.read_csv(folder / "psp_characterization.csv", sep=" ")
    lgn_models = pd.read_csv(folder / "lgn_models.csv", sep=" ")
    lgn_params = pd.read_csv(folder / "lgn_params.csv", sep=" ", index_col=0)
    bkg = pd.read_csv(folder / "bkg_weights_nsyns_population_original.csv", index_col=0)
    bkg_init = pd.read_csv(folder / "bkg_weights_population_init.csv", sep=" ", index_col=0)

    psp_mv = []
    for pre in PSP_TYPES:
        row = []
        for post in PSP_TYPES:
            for key in (
                (pre, post),
                (pre, _PSP_GROUP[post]),
                (_PSP_GROUP[pre], post),
                (_PSP_GROUP[pre], _PSP_GROUP[post]),
            ):
                value = _psp_value(psp, *key)
                if value is not None:
                    break
            row.append(_round(value))
        psp_mv.append(tuple(row))
    background = {}
    for c in CLASSES:
        if c.name in bkg.index:
            background[c.name] = (_round(bkg.loc[c.name, "syn_weight"]), int(bkg.loc[c.name, "nsyns"]))
        else:  # absent from the original table: the successor's initial total weight, as one synapse
            background[c.name] = (
                _round(bkg_init.loc[c.lgn_name, "syn_weight"]),
                int(bkg_init.loc[c.lgn_name, "nsyns"]),
            )
    return {
        "PMAX_TYPES": tuple(pmax.columns),
        "PMAX": tuple(tuple(_round(v) for v in pmax.loc[pre, list(pmax.columns)]) for pre in pmax.columns),
        "SIGMA_UM": {(pre, post): float(sigma.loc[pre, post]) for pre in ("e", "i") for post in ("e", "i")},
        "LATENCY_TYPES": tuple(latency.columns),
        "LATENCY_MS": tuple(
            tuple(float(v) for v in latency.loc[pre, list(latency.columns)]) for pre in latency.columns
        ),
        "PSP_MV": tuple(psp_mv),
        "LGN_MODELS": tuple(
            (r.model_id, int(r.N), float(r.min_size), float(r.max_size)) for r in lgn_models.itertuples()
        ),
        "LGN_PARAMS": {
            c.name: (
                float(lgn_params.loc[c.lgn_name, "sON_ratio"]),
                float(lgn_params.loc[c.lgn_name, "synapse_ratio_against_e4"]),
                float(lgn_params.loc[c.lgn_name, "yule_parameter"]),
                float(lgn_params.loc[c.lgn_name, "poisson_parameter"]),
            )
            for c in CLASSES
        },
        "BACKGROUND": background,
    }


# ---------------------------------------------------------------------------------------------------------
# Embedded figures (generated by derive_figures from the reference tables; tests/test_figures.py checks them).
# Rows of PMAX are presynaptic types, columns postsynaptic, both in PMAX_TYPES order; LATENCY_MS likewise
# in LATENCY_TYPES order; PSP_MV in PSP_TYPES order (mV, positive for both signs); SIGMA_UM by (pre, post)
# E/I; LGN_MODELS (model_id, relative number, min and max spatial size in degrees); LGN_PARAMS per class
# (sON_ratio, synapse_ratio_against_e4, yule_parameter, poisson_parameter); BACKGROUND per class (syn_weight pA, nsyns).
# GLIF3_SETS: V_th, E_L (mV), g (nS), C_m (pF), t_ref (ms), asc_decay (1/ms), asc_amps (pA) per specimen.
# ---------------------------------------------------------------------------------------------------------
PMAX_TYPES = (
    "L1_Inh",
    "L2/3_Exc",
    "L2/3_PV",
    "L2/3_SST",
    "L2/3_VIP",
    "L4_Exc",
    "L4_PV",
    "L4_SST",
    "L4_VIP",
    "L5_ET",
    "L5_IT",
    "L5_NP",
    "L5_PV",
    "L5_SST",
    "L5_VIP",
    "L6_Exc",
    "L6_PV",
    "L6_SST",
    "L6_VIP",
)
PMAX = (
    (
        0.237225,
        0.175743,
        0.175751,
        0.0917495,
        0.119233,
        0.0118201,
        0.0206519,
        0.0102279,
        0.079713,
        0.168222,
        0.0538264,
        0.0162393,
        0.00488944,
        0.00215163,
        0.00847728,
        0.0116704,
        0.00327037,
        2.44141e-05,
        2.44141e-05,
    ),
    (
        0.0279715,
        0.0449424,
        0.28597,
        0.294004,
        0.0892644,
        0.00713357,
        0.179573,
        0.402675,
        0.0600875,
        0.102579,
        0.0190703,
        0.00522035,
        0.113516,
        0.177891,
        0.0312107,
        0.00741716,
        0.0127471,
        0.00349686,
        0.000972213,
    ),
    (
        0.114247,
        0.675761,
        0.656112,
        0.380009,
        0.275418,
        0.0781644,
        0.231527,
        0.249944,
        0.0663143,
        0.347868,
        0.103618,
        0.031145,
        0.175618,
        0.118113,
        0.031493,
        0.0266951,
        0.0631955,
        0.0350226,
        0.00497402,
    ),
    (
        0.177076,
        0.526606,
        0.560783,
        0.338125,
        0.403757,
        0.0410709,
        0.18076,
        0.15044,
        0.0806215,
        0.22854,
        0.0495926,
        0.170684,
        0.0819312,
        0.0623263,
        0.0186236,
        0.0128243,
        0.0235838,
        0.016407,
        2.44141e-05,
    ),
    (
        0.059542,
        0.0882951,
        0.211749,
        0.261774,
        0.194304,
        0.0455907,
        0.13419,
        0.348784,
        0.249137,
        0.179138,
        0.0916043,
        0.01613,
        0.11247,
        0.208289,
        0.171185,
        0.0400914,
        0.0653642,
        0.0257669,
        0.0286024,
    ),
    (
        0.00426668,
        0.016881,
        0.0604385,
        0.0294004,
        0.039211,
        0.0305413,
        0.315678,
        0.324285,
        0.0845197,
        0.0794175,
        0.0207991,
        0.0027264,
        0.141901,
        0.145648,
        0.0195022,
        0.0109577,
        0.0299287,
        0.018142,
        0.00183625,
    ),
    (
        0.011818,
        0.440513,
        0.450098,
        0.202177,
        0.155183,
        0.488047,
        0.633215,
        0.388414,
        0.194864,
        0.372629,
        0.180309,
        0.0184532,
        0.275958,
        0.13802,
        0.0556721,
        0.0284799,
        0.0480487,
        0.0178533,
        0.00639958,
    ),
    (
        0.14257,
        0.665239,
        0.642828,
        0.355505,
        0.454359,
        0.476772,
        0.642167,
        0.389533,
        0.283882,
        0.359688,
        0.1456,
        0.190443,
        0.292864,
        0.190013,
        0.0832842,
        0.0273448,
        0.0746421,
        0.0429489,
        0.00795537,
    ),
    (
        2.44141e-05,
        0.00690319,
        0.0532163,
        0.0358893,
        0.0475836,
        0.00903873,
        0.160877,
        0.401398,
        0.262677,
        0.0773012,
        0.0318347,
        0.130894,
        0.267154,
        0.536153,
        0.196257,
        0.0190012,
        0.120296,
        0.163431,
        0.083994,
    ),
    (
        0.012855,
        0.00677791,
        0.0404489,
        0.0313072,
        0.0185055,
        0.00292921,
        0.0326208,
        0.0442239,
        0.0260966,
        0.0321667,
        0.0191349,
        0.0180382,
        0.133816,
        0.194425,
        0.0160632,
        0.0057693,
        0.0226569,
        0.010009,
        0.0039447,
    ),
    (
        0.00760134,
        0.0197447,
        0.0472998,
        0.0416782,
        0.0172127,
        0.0087682,
        0.139537,
        0.156126,
        0.0739099,
        0.0874957,
        0.0188158,
        0.00965382,
        0.226977,
        0.228288,
        0.0536746,
        0.0145654,
        0.0522515,
        0.011216,
        0.0130827,
    ),
    (
        0.000832953,
        0.00553498,
        0.00451403,
        0.00802399,
        0.0165106,
        0.0066386,
        0.0329529,
        0.0244295,
        0.144406,
        0.222757,
        0.0565171,
        0.0184515,
        0.194142,
        0.254675,
        0.120673,
        0.0510236,
        0.0620498,
        0.0468592,
        0.133384,
    ),
    (
        0.00950316,
        0.153604,
        0.149187,
        0.0729152,
        0.0866858,
        0.275819,
        0.397605,
        0.270645,
        0.200267,
        0.471658,
        0.329918,
        0.0880983,
        0.349075,
        0.203388,
        0.110145,
        0.0777347,
        0.110351,
        0.0428488,
        0.0393414,
    ),
    (
        0.131447,
        0.450239,
        0.362004,
        0.184237,
        0.314713,
        0.318999,
        0.459515,
        0.281383,
        0.314324,
        0.513533,
        0.242898,
        0.159937,
        0.339951,
        0.244922,
        0.125311,
        0.0733063,
        0.100972,
        0.0653164,
        0.0219956,
    ),
    (
        0.00449396,
        0.0577945,
        0.07087,
        0.0748147,
        0.085922,
        0.00701957,
        0.104488,
        0.20893,
        0.14989,
        0.0879646,
        0.00977444,
        0.00974793,
        0.138177,
        0.16812,
        0.104177,
        0.0283061,
        0.133581,
        0.0535169,
        0.0355986,
    ),
    (
        2.44141e-05,
        0.000189779,
        0.000870295,
        0.000731664,
        0.000113202,
        0.00141403,
        0.0110533,
        0.0130076,
        0.00879027,
        0.012654,
        0.00318928,
        0.00613683,
        0.0311045,
        0.047974,
        0.0291581,
        0.0324396,
        0.22812,
        0.232841,
        0.037831,
    ),
    (
        0.00251328,
        0.0123361,
        0.00550122,
        0.00707945,
        0.00513655,
        0.0148409,
        0.0297957,
        0.0191173,
        0.0481023,
        0.0811797,
        0.0592545,
        0.065959,
        0.0845914,
        0.0341375,
        0.0830103,
        0.494329,
        0.420352,
        0.183425,
        0.129176,
    ),
    (
        0.0289083,
        0.0402069,
        0.010446,
        0.0280716,
        0.039609,
        0.019838,
        0.0967855,
        0.0344655,
        0.213609,
        0.0359578,
        0.095037,
        0.0147533,
        0.156784,
        0.0613958,
        0.179631,
        0.255475,
        0.338464,
        0.0976983,
        0.300552,
    ),
    (
        2.44141e-05,
        0.00131941,
        2.44141e-05,
        2.44141e-05,
        2.44141e-05,
        0.000755311,
        0.00177824,
        2.44141e-05,
        0.0249069,
        0.0348838,
        0.00940558,
        0.0561614,
        0.0256516,
        0.0199369,
        0.005862,
        0.0461382,
        0.100104,
        0.18015,
        0.107457,
    ),
)
SIGMA_UM = {("e", "e"): 127.0, ("e", "i"): 99.84, ("i", "e"): 96.6, ("i", "i"): 126.77}
LATENCY_TYPES = ("e23", "e4", "e5et", "e5it", "e5np", "e6", "pv", "sst", "vip")
LATENCY_MS = (
    (1.82, 1.78, 1.72, 1.77, 2.06, 2.06, 1.17, 1.47, 1.6),
    (1.42, 1.48, 1.57, 1.55, 1.94, 1.94, 1.13, 1.1, 1.46),
    (1.72, 1.73, 1.92, 1.84, 2.42, 2.42, 1.31, 1.33, 1.61),
    (1.58, 1.58, 1.32, 1.75, 2.0, 2.0, 1.24, 1.43, 1.76),
    (2.05, 2.06, 1.97, 2.34, 2.92, 2.92, 1.25, 1.35, 1.61),
    (2.05, 2.06, 1.97, 2.34, 2.92, 2.92, 1.25, 1.35, 1.61),
    (0.9, 0.96, 0.88, 0.88, 0.94, 0.94, 1.01, 1.06, 0.92),
    (1.13, 1.03, 1.26, 1.27, 1.86, 1.86, 1.2, 1.41, 1.29),
    (1.85, 1.85, 1.85, 1.85, 1.85, 1.85, 1.44, 1.43, 1.37),
)
PSP_MV = (
    (0.522461, 0.522461, 0.522461, 0.522461, 0.522461, 0.627284, 1.65853, 1.85988),
    (0.421368, 0.455844, 0.421368, 0.421368, 0.421368, 0.795824, 0.461827, 0.798978),
    (0.46349, 0.46349, 0.452516, 0.46349, 0.46349, 0.722661, 0.453546, 0.722661),
    (0.398887, 0.398887, 0.398887, 0.357681, 0.398887, 0.856385, 0.911605, 0.880355),
    (0.522461, 0.446414, 0.438742, 0.383121, 0.471974, 1.23329, 1.09413, 1.09413),
    (0.397479, 0.729201, 0.486487, 0.653756, 0.70298, 0.652111, 0.675877, 0.511904),
    (0.450941, 0.450997, 0.588966, 0.312935, 0.447152, 0.487902, 0.505389, 0.906164),
    (0.404332, 0.597017, 0.529994, 0.460679, 0.674602, 0.367271, 0.574832, 0.499683),
)
LGN_MODELS = (
    ("sON_TF1", 7, 2.0, 9.0),
    ("sON_TF2", 5, 2.0, 9.0),
    ("sON_TF4", 7, 2.0, 9.0),
    ("sON_TF8", 15, 2.0, 9.0),
    ("sOFF_TF1", 8, 2.0, 9.0),
    ("sOFF_TF2", 8, 2.0, 9.0),
    ("sOFF_TF4", 15, 2.0, 9.0),
    ("sOFF_TF8", 8, 2.0, 9.0),
    ("sOFF_TF15", 7, 2.0, 9.0),
    ("tOFF_TF4", 10, 2.0, 9.0),
    ("tOFF_TF8", 5, 2.0, 9.0),
    ("tOFF_TF15", 8, 2.0, 9.0),
    ("sONsOFF_001", 8, 6.0, 6.0),
    ("sONtOFF_001", 5, 9.0, 9.0),
)
LGN_PARAMS = {
    "e23Cux2": (0.9, 0.63, 4.3, 1.5),
    "e4Nr5a1": (0.9, 1.0, 3.5, 2.0),
    "e4Rorb": (0.9, 1.0, 3.5, 2.0),
    "e4Scnn1a": (0.9, 1.0, 3.5, 2.0),
    "e4other": (0.9, 1.0, 3.5, 2.0),
    "e5Rbp4": (0.5, 0.5, 4.6, 1.5),
    "e5noRbp4": (0.5, 0.35, 5.6, 1.5),
    "e6Ntsr1": (0.9, 0.11, 4.3, 1.5),
    "i1Htr3a": (0.75, 0.098, 3.7, 2.0),
    "i23Htr3a": (0.75, 0.42, 4.7, 2.0),
    "i23Pvalb": (0.75, 0.87, 2.4, 2.0),
    "i23Sst": (0.75, 0.24, 3.7, 2.0),
    "i4Htr3a": (0.75, 0.79, 4.7, 2.0),
    "i4Pvalb": (0.75, 2.76, 2.4, 2.0),
    "i4Sst": (0.75, 0.92, 3.7, 2.0),
    "i5Htr3a": (0.5, 0.27, 4.7, 2.0),
    "i5Pvalb": (0.5, 1.49, 2.4, 2.0),
    "i5Sst": (0.5, 0.46, 3.7, 2.0),
    "i6Htr3a": (0.75, 0.018, 4.7, 2.0),
    "i6Pvalb": (0.75, 0.22, 2.4, 2.0),
    "i6Sst": (0.75, 0.072, 3.7, 2.0),
}
BACKGROUND = {
    "e23Cux2": (0.209298, 19),
    "e4Nr5a1": (3.03154e-15, 11),
    "e4Rorb": (5.45425e-09, 13),
    "e4Scnn1a": (6.13851e-12, 14),
    "e4other": (7.77046e-19, 15),
    "e5Rbp4": (0.192834, 21),
    "e5noRbp4": (0.138317, 18),
    "e6Ntsr1": (0.436804, 15),
    "i1Htr3a": (0.668352, 7),
    "i23Htr3a": (0.308673, 8),
    "i23Pvalb": (0.206361, 10),
    "i23Sst": (0.483281, 10),
    "i4Htr3a": (0.132211, 6),
    "i4Pvalb": (9.35141e-27, 8),
    "i4Sst": (0.304771, 12),
    "i5Htr3a": (0.0016419, 12),
    "i5Pvalb": (3.26953e-19, 10),
    "i5Sst": (0.219652, 8),
    "i6Htr3a": (2.63247, 1),
    "i6Pvalb": (2.39334e-21, 8),
    "i6Sst": (0.315563, 10),
}
GLIF3_SETS = {
    593618144: {
        "V_th": -46.40370561385434,
        "g": 5.875377136608159,
        "E_L": -69.4755859375,
        "C_m": 58.60769058316611,
        "t_ref": 2.6000000000000005,
        "asc_decay": [0.1, 0.3],
        "asc_amps": [-36.93387266, -65.30848816],
    },
    480124551: {
        "V_th": -37.57837016608795,
        "g": 6.846284605100222,
        "E_L": -73.30062357584633,
        "C_m": 52.353697808027725,
        "t_ref": 3.2,
        "asc_decay": [0.003, 0.1],
        "asc_amps": [-10.17435274, -119.53883788],
    },
    318808427: {
        "V_th": -40.8824438029048,
        "g": 3.93819351064843,
        "E_L": -76.1691640218099,
        "C_m": 68.14035162092856,
        "t_ref": 2.4000000000000004,
        "asc_decay": [0.003, 0.1],
        "asc_amps": [-13.00889622, -200.00774016],
    },
    478958894: {
        "V_th": -44.23152364988978,
        "g": 9.195230009748064,
        "E_L": -70.45950889587401,
        "C_m": 81.21058405283176,
        "t_ref": 1.5,
        "asc_decay": [0.003, 0.3],
        "asc_amps": [-4.08182729, -291.97668209],
    },
    487667205: {
        "V_th": -45.793386052222445,
        "g": 7.5964352092785585,
        "E_L": -72.08961296081546,
        "C_m": 64.02349624649017,
        "t_ref": 1.4,
        "asc_decay": [0.003, 0.3],
        "asc_amps": [-3.28747057, 63.80635645],
    },
}
