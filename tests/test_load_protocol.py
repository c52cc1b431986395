"""bench/load.py's protocol client against a real ``streamlit run`` on localhost (the hand-built
fixture database, figures by hand in tests/test_page_overview.py): it opens a page, changes a
sidebar filter and follows the menu as the browser's frontend would, and what the server sends
back changes accordingly. Nothing here is timed."""

from __future__ import annotations

import asyncio
import time

import pytest

from bench import load
from dashboard.ui import notfound
from tests import browser
from tests.apptest_utils import STATUS_MARK, fixture_db_url

NOVOSIBIRSK = "город Новосибирск"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    with browser.running_app(fixture_db_url(tmp), tmp / "streamlit.log") as base:
        yield base


def _elements(client: load.ProtocolClient, kind: str) -> list:
    return [getattr(el, kind) for _, el in sorted(client.last.elements.items()) if el.WhichOneof("type") == kind]


def _metrics(client: load.ProtocolClient) -> dict[str, str]:
    return {STATUS_MARK.sub("", m.label): m.body for m in _elements(client, "metric")}


def _title(client: load.ProtocolClient) -> str:
    return next(h.body for h in _elements(client, "heading") if h.tag == "h1")


def test_opens_a_page_changes_a_filter_and_follows_the_menu(app_url):
    results: list[load.Timing] = []

    async def scenario():
        async with load.ProtocolClient(app_url, results, 0, time.perf_counter()) as client:
            assert await client.open("", "Обзор")
            assert _title(client) == "Обзор"
            oblast = _metrics(client)
            assert await client.filters_shown() == ["Период", "Муниципалитет"]
            assert client.selects["Муниципалитет"].value == "Все муниципалитеты"
            choices = await client.filter_choices("Муниципалитет")
            assert NOVOSIBIRSK in choices and "Все муниципалитеты" not in choices
            assert "Свой период" not in await client.filter_choices("Период")

            assert await client.set_filter("Муниципалитет", NOVOSIBIRSK, "Обзор")
            city = _metrics(client)
            assert client.selects["Муниципалитет"].value == NOVOSIBIRSK
            assert NOVOSIBIRSK not in await client.filter_choices("Муниципалитет")

            # The menu keeps the person's filter, as the browser does: the municipality's profile.
            assert await client.has_page("Муниципалитет")
            assert await client.navigate("munitsipalitet", "Муниципалитет")
            profile_title = _title(client)
            return oblast, city, profile_title

    oblast, city, profile_title = asyncio.run(scenario())
    pick = ("Госпаблики", "Подписчики", "Обращения")
    assert tuple(oblast[k] for k in pick) == ("9", "8\u00a0370", "28")
    # город Новосибирск: pages 1, 2, 3, 4, 8 (tests/test_page_overview.py)
    assert tuple(city[k] for k in pick) == ("5", "2\u00a0790", "15")
    assert profile_title == NOVOSIBIRSK
    assert [(r.page, r.action, r.error) for r in results] == [
        ("Обзор", "открытие", None), ("Обзор", "фильтр", None), ("Муниципалитет", "переход", None)]
    assert all(r.seconds > 0 for r in results)


def test_an_unknown_page_is_an_error_not_a_hang(app_url):
    results: list[load.Timing] = []

    async def scenario():
        async with load.ProtocolClient(app_url, results, 0, time.perf_counter()) as client:
            return await client.open("no-such-page", "Обзор")

    assert asyncio.run(scenario()) is False
    # The app answers an unknown address with its own page (dashboard/ui/notfound.py).
    assert [(r.page, r.action, r.error) for r in results] == [("Обзор", "открытие", notfound.TITLE)]


def test_people_run_with_the_protocol_client(app_url, monkeypatch):
    """A short run of two people (think times cut to a blink): every action succeeds, each
    person opens one page first, and the steady-state summary counts those actions."""
    monkeypatch.setattr(load, "THINK_S", (0.05, 0.1))
    titles = ["Обзор", "Рейтинг", "Обращения", "Сигналы"]
    marks = []
    results = asyncio.run(load.run(app_url, sessions=2, duration=8.0, ramp=0.5, seed=1, titles=titles,
                                   on_time=marks.append))
    assert marks == ["steady", "end"]
    assert [r.error for r in results if r.error] == []
    assert sorted(r.session for r in results if r.action == "открытие") == [0, 1]
    assert {r.action for r in results} == {"открытие", "переход", "фильтр"}
    assert {r.page for r in results} <= set(titles)
    calm = load.steady(results, 0.5, 8.0)
    assert calm and all(0.5 <= r.start < 8.0 for r in calm)
    row = load.Row.of(calm)
    assert (row.count, row.errors) == (len(calm), 0)
    assert row.median <= row.p90 <= row.worst
