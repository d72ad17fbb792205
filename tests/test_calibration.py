"""The gain-correction step of benchmarks/calibrate_lgn_gain.py (the procedure behind the builder's gain tables)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from calibrate_lgn_gain import LGN_GAIN_RANGE, RECURRENT_DAMPING, corrected_gains

FLOOR = LGN_GAIN_RANGE[0]


def test_a_class_above_the_floor_moves_its_lgn_gain_only() -> None:
    assert corrected_gains(2.0, 1.0, 0.8) == pytest.approx((1.6, 1.0))
    assert corrected_gains(2.0, 1.0, 1.25) == pytest.approx((2.5, 1.0))


def test_what_the_floor_cannot_take_goes_to_the_recurrent_gain_damped() -> None:
    # from 0.1 a factor 0.25 would reach 0.025: the LGN gain stops at 0.05, the remaining × 0.5 goes (damped)
    # onto the recurrent gain
    lgn, recurrent = corrected_gains(0.1, 0.8, 0.25)
    assert lgn == FLOOR
    assert recurrent == pytest.approx(0.8 * 0.5**RECURRENT_DAMPING)


def test_a_recurrent_gain_below_one_is_given_back_first_and_never_above_one() -> None:
    assert corrected_gains(FLOOR, 0.7, 1.21) == pytest.approx((FLOOR, 0.7 * 1.21**RECURRENT_DAMPING))
    lgn, recurrent = corrected_gains(FLOOR, 0.99, 4.0)
    assert (lgn, recurrent) == (FLOOR, 1.0)
    # once it is back at 1 the LGN gain takes the correction again
    assert corrected_gains(FLOOR, 1.0, 2.0) == pytest.approx((2 * FLOOR, 1.0))


def test_the_recurrent_gain_stays_within_its_range() -> None:
    _, recurrent = corrected_gains(FLOOR, 0.11, 0.01)
    assert recurrent == pytest.approx(0.1)
