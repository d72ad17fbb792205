"""Every report caption is valid reStructuredText (a stray |…| is a substitution error in the HTML report)."""

from __future__ import annotations

import io
from pathlib import Path

import docutils.core
import pytest

CAPTIONS = sorted((Path(__file__).resolve().parents[1] / "docs" / "report").glob("*.rst"))


@pytest.mark.parametrize("caption", CAPTIONS, ids=[p.name for p in CAPTIONS])
def test_caption_parses_cleanly(caption: Path) -> None:
    warnings = io.StringIO()
    docutils.core.publish_string(
        caption.read_text(),
        writer="null",
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert warnings.getvalue() == "", warnings.getvalue()


def test_there_are_captions() -> None:
    assert CAPTIONS, "no captions found under docs/report"
