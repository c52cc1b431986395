"""Методика: generated from dashboard.core.metrics and the settings."""

from __future__ import annotations

from dashboard.core.metrics import KPIS, RATING_WEIGHTS, RESPONSE_BUCKETS
from tests.apptest_utils import assert_ok, run_page, texts

PAGE = "pages/method.py"


def test_every_kpi_formula_is_shown(app_db):
    at = run_page(app_db, PAGE)
    assert_ok(at)
    body = texts(at)
    for k in KPIS.values():
        assert f"#### {k.name}" in body
        assert k.formula in body
        assert k.source in body


def test_norm_weights_and_buckets(app_db):
    at = run_page(app_db, PAGE)
    body = texts(at)
    assert "Текущая норма первого ответа: **24 ч календарных**" in body
    weights = at.dataframe[0].value
    assert list(weights["Показатель"]) == [KPIS[c].name for c in RATING_WEIGHTS]
    assert list(weights["Вес"]) == [0.4, 0.2, 0.2, 0.1, 0.1]   # numbers, shown as percents
    for _code, label, _lo, _hi in RESPONSE_BUCKETS:
        assert f"«{label}»" in body


def test_working_hours_norm(app_db, monkeypatch):
    monkeypatch.setenv("RESPONSE_NORM_HOURS", "8")
    monkeypatch.setenv("RESPONSE_NORM_MODE", "working")
    at = run_page(app_db, PAGE)
    assert ("Текущая норма первого ответа: **8 ч рабочих (пн–пт 9:00–18:00)** (по местному времени; "
            "ночь и выходные не считаются)") in texts(at)


def test_targets_are_listed(app_db):
    at = run_page(app_db, PAGE)
    body = texts(at)
    assert "#### Цели и статус" in body
    assert "- Ответ в срок: цель — не ниже 90,0\u00a0%, жёлтый — от 75,0\u00a0%." in body
    assert "- Медиана первого ответа: цель — не дольше 8\u00a0ч, жёлтый — до 24\u00a0ч." in body
    assert "- Просрочено без ответа: цель — 0, жёлтый — до 10." in body
    assert "KPI_TARGETS" in body


def test_time_zone_is_named_in_words_a_reader_knows(app_db, monkeypatch):
    """«UTC+7» first; the zone's English name only as the value of its setting."""
    at = run_page(app_db, PAGE)
    assert ("Время на экранах и в отчётах — UTC+7 (часовой пояс Asia/Novosibirsk, настройка DISPLAY_TZ). "
            "Норма задаётся настройками RESPONSE_NORM_HOURS и RESPONSE_NORM_MODE (README, раздел "
            "«Configuration»).") in texts(at)
    monkeypatch.setenv("DISPLAY_TZ", "Asia/Kolkata")  # no daylight saving either: +5:30 all year
    at = run_page(app_db, PAGE)
    assert "Время на экранах и в отчётах — UTC+5:30 (часовой пояс Asia/Kolkata" in texts(at)
