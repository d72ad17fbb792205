"""Visual stimuli on a screen in degrees of visual angle: drifting gratings, gray screen, full-field flash, movies.

The screen is the one of the Allen V1 model's LGN stage (Billeh et al. 2020; bmtk FilterNet): ``rows_deg`` ×
``cols_deg`` degrees (120 × 240 by default) sampled at ``int(size / pixel_deg)`` points per axis *including both
edges*, so the pitch is ``size / (n − 1)``; column ``c`` is at ``x = c·Δx``, row ``r`` at ``y = r·Δy`` (the
coordinates of the LGN units' ``x``/``y``). Luminance is contrast in [−1, 1], 0 the mean gray. Frames are 1 ms
apart (``FRAME_MS``), frame ``n`` at ``t = n`` ms; a grating may start with ``gray_ms`` of gray screen (frames
0…gray_ms), after which its own clock τ starts (as in FilterNet; without a gray screen frame 0 shows τ = 0).

A drifting grating of direction θ, spatial frequency ``sf_cpd``, temporal frequency ``tf_hz`` and contrast ``c``
is ``c·sin(2π(sf·(x cos θ + y sin θ) − tf·τ) + φ)`` with τ the time since the gray screen ended (s): its crests
move along (cos θ, sin θ) in the (x, y) frame of the units' positions, at ``tf/sf`` degrees per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from v1sim.errors import V1SimInputError

FRAME_MS = 1.0


@dataclass(frozen=True)
class Screen:
    """The sampled screen (see the module docstring)."""

    rows_deg: float = 120.0
    cols_deg: float = 240.0
    pixel_deg: float = 2.5  #: nominal pitch; FilterNet uses 1/(10·sf) for a grating of spatial frequency sf

    def __post_init__(self) -> None:
        if not (
            self.rows_deg > 0 and self.cols_deg > 0 and 0 < self.pixel_deg < min(self.rows_deg, self.cols_deg)
        ):
            raise V1SimInputError(None, "stimulus.screen", f"invalid screen {self}")

    @property
    def y_deg(self) -> np.ndarray:
        """Row coordinates (degrees)."""
        return np.linspace(0.0, self.rows_deg, int(self.rows_deg / self.pixel_deg))

    @property
    def x_deg(self) -> np.ndarray:
        """Column coordinates (degrees)."""
        return np.linspace(0.0, self.cols_deg, int(self.cols_deg / self.pixel_deg))

    @classmethod
    def for_grating(cls, sf_cpd: float, rows_deg: float = 120.0, cols_deg: float = 240.0) -> Screen:
        """The screen FilterNet samples a grating of spatial frequency ``sf_cpd`` on (pitch 1/(10·sf))."""
        return cls(rows_deg, cols_deg, 1.0 / (10.0 * sf_cpd))


def _check(value: float, name: str, low: float = 0.0, inclusive: bool = True) -> None:
    ok = value >= low if inclusive else value > low
    if not (np.isfinite(value) and ok):
        raise V1SimInputError(
            None, f"stimulus.{name}", f"must be {'>=' if inclusive else '>'} {low}, got {value}"
        )


@dataclass(frozen=True)
class DriftingGrating:
    """A full-field sinusoidal grating drifting along ``direction_deg`` (see the module docstring)."""

    direction_deg: float
    duration_ms: float
    sf_cpd: float = 0.04
    tf_hz: float = 2.0
    contrast: float = 0.8
    phase_deg: float = 0.0
    gray_ms: float = 0.0

    def __post_init__(self) -> None:
        _check(self.duration_ms, "duration_ms", inclusive=False)
        _check(self.sf_cpd, "sf_cpd", inclusive=False)
        _check(self.tf_hz, "tf_hz")
        _check(self.gray_ms, "gray_ms")
        if not 0.0 <= self.contrast <= 1.0:
            raise V1SimInputError(None, "stimulus.contrast", f"must be in [0, 1], got {self.contrast}")

    @property
    def n_frames(self) -> int:
        return round(self.duration_ms / FRAME_MS) + 1

    def time_since_onset_s(self) -> np.ndarray:
        """τ of every frame (s); negative during the gray screen."""
        return (np.arange(self.n_frames) * FRAME_MS - self.gray_ms) / 1000.0

    def showing(self) -> np.ndarray:
        """Frames that show the grating: those after the gray screen (from frame 0 when there is none)."""
        tau = self.time_since_onset_s()
        return tau > 0 if self.gray_ms > 0 else tau >= 0

    def frames(self, screen: Screen) -> np.ndarray:
        """The movie, frames × rows × columns (float32)."""
        theta = np.deg2rad(self.direction_deg)
        space = self.sf_cpd * (screen.x_deg[None, :] * np.cos(theta) + screen.y_deg[:, None] * np.sin(theta))
        tau = self.time_since_onset_s()
        phase = 2 * np.pi * (space[None] - self.tf_hz * tau[:, None, None]) + np.deg2rad(self.phase_deg)
        movie = (self.contrast * np.sin(phase)).astype(np.float32)
        movie[~self.showing()] = 0.0
        return movie


@dataclass(frozen=True)
class GrayScreen:
    """Mean luminance throughout: the spontaneous condition."""

    duration_ms: float

    def __post_init__(self) -> None:
        _check(self.duration_ms, "duration_ms", inclusive=False)

    @property
    def n_frames(self) -> int:
        return round(self.duration_ms / FRAME_MS) + 1

    def frames(self, screen: Screen) -> np.ndarray:
        return np.zeros((self.n_frames, len(screen.y_deg), len(screen.x_deg)), np.float32)


@dataclass(frozen=True)
class FullFieldFlash:
    """Gray, then the whole screen at ``contrast`` (negative: dark) from ``on_ms`` to ``off_ms``, then gray."""

    duration_ms: float
    on_ms: float
    off_ms: float
    contrast: float = 1.0

    def __post_init__(self) -> None:
        _check(self.duration_ms, "duration_ms", inclusive=False)
        if not 0 <= self.on_ms < self.off_ms:
            raise V1SimInputError(
                None, "stimulus.on_ms", f"need 0 <= on_ms < off_ms, got {self.on_ms}, {self.off_ms}"
            )
        if not -1.0 <= self.contrast <= 1.0:
            raise V1SimInputError(None, "stimulus.contrast", f"must be in [-1, 1], got {self.contrast}")

    @property
    def n_frames(self) -> int:
        return round(self.duration_ms / FRAME_MS) + 1

    def luminance(self) -> np.ndarray:
        """The (spatially uniform) luminance of every frame."""
        t = np.arange(self.n_frames) * FRAME_MS
        return np.where((t > self.on_ms) & (t <= self.off_ms), self.contrast, 0.0)

    def frames(self, screen: Screen) -> np.ndarray:
        shape = (self.n_frames, len(screen.y_deg), len(screen.x_deg))
        return np.broadcast_to(self.luminance()[:, None, None], shape).astype(np.float32)


@dataclass(frozen=True)
class Movie:
    """A user's movie: frames × rows × columns of contrast in [−1, 1], one frame per ``FRAME_MS``, shown on
    ``screen`` (its rows and columns must match the screen's sampling)."""

    movie: np.ndarray
    screen: Screen

    def __post_init__(self) -> None:
        m = self.movie
        if m.ndim != 3 or m.shape[1:] != (len(self.screen.y_deg), len(self.screen.x_deg)):
            raise V1SimInputError(
                None,
                "movie",
                f"expected frames × {len(self.screen.y_deg)} × {len(self.screen.x_deg)} for {self.screen}, "
                f"got shape {m.shape}",
            )
        if not np.isfinite(m).all() or np.abs(m).max() > 1.0:
            raise V1SimInputError(None, "movie", "values must be finite contrasts in [-1, 1]")

    @property
    def n_frames(self) -> int:
        return self.movie.shape[0]

    @property
    def duration_ms(self) -> float:
        return (self.n_frames - 1) * FRAME_MS

    def frames(self, screen: Screen) -> np.ndarray:
        if screen != self.screen:
            raise V1SimInputError(None, "movie", f"made for {self.screen}, asked on {screen}")
        return self.movie
