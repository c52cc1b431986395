"""widgets.pager: «страница N из M · строки a–b» beside the page number, on one line."""

from __future__ import annotations


def _pager_script():
    from dashboard.ui import widgets

    widgets.pager("p", 70_682, 100, reset_on=None)


def test_the_caption_has_room_for_national_counts():
    """«страница 707 из 707 · строки 70 601–70 682» (43 characters, about 270 px of 13 px
    caption) next to the page number: its column takes at least 2/5 of the row, about 360 px
    of the 905 px a page has at 1366 px (a 1.4 : 6.4 share, 200 px, wrapped it in two lines)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_pager_script).run()
    assert not at.exception
    weights = [c.weight for c in at.columns]
    assert len(weights) == 3 and weights[1] / sum(weights) >= 0.4
    assert at.caption[0].value == "страница 1 из 707 · строки 1–100"
