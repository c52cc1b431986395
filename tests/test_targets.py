"""KPI targets: parsing KPI_TARGETS, green/amber/red status, Russian messages."""

import pytest

from dashboard.core import targets
from dashboard.core.settings import SettingsError, load_settings
from dashboard.core.targets import BAD, GOOD, WARN, Target, TargetError


@pytest.mark.parametrize("value, status", [
    (0.95, GOOD), (0.90, GOOD), (0.8999, WARN), (0.75, WARN), (0.7499, BAD), (float("nan"), None), (None, None),
])
def test_share_status_higher_is_better(value, status):
    assert targets.DEFAULT_TARGETS["share_in_norm"].status(value) == status


@pytest.mark.parametrize("minutes, status", [(300, GOOD), (480, GOOD), (481, WARN), (1440, WARN), (1441, BAD)])
def test_median_status_lower_is_better(minutes, status):
    assert targets.DEFAULT_TARGETS["median_response"].status(minutes) == status


def test_overdue_zero_is_green_and_ten_is_amber():
    t = targets.DEFAULT_TARGETS["overdue"]
    assert [t.status(v) for v in (0, 1, 10, 11)] == [GOOD, WARN, WARN, BAD]


def test_parse_units_and_defaults_kept():
    got = targets.parse("share_in_norm=85%/70%; median_response=4ч/1дн")
    assert got["share_in_norm"] == Target("share_in_norm", 0.85, 0.70)
    assert got["median_response"] == Target("median_response", 240, 1440)
    assert got["overdue"] == targets.DEFAULT_TARGETS["overdue"]
    assert targets.parse("overdue=3")["overdue"] == Target("overdue", 3, 3)


def test_label_is_the_goal_in_the_kpis_format():
    d = targets.DEFAULT_TARGETS
    assert d["share_in_norm"].label == "цель 90,0\u00a0%"
    assert Target("share_in_norm", 0.855, 0.7).label == "цель 85,5\u00a0%"
    assert targets.goal_label("overdue", 0) == "цель 0"


def test_descriptions_in_russian():
    d = targets.DEFAULT_TARGETS
    assert d["share_in_norm"].description == "Ответ в срок: цель — не ниже 90,0\u00a0%, жёлтый — от 75,0\u00a0%"
    assert d["median_response"].description == "Медиана первого ответа: цель — не дольше 8\u00a0ч, жёлтый — до 24\u00a0ч"
    assert d["overdue"].description == "Просрочено без ответа: цель — 0, жёлтый — до 10"


@pytest.mark.parametrize("text, fragment", [
    ("share_in_norm=90", "в процентах"),
    ("median_response=8%", "в мин, ч или дн"),
    ("speed=1", "код — один из"),
    ("share_in_norm=девяносто%", "не число"),
    ("share_in_norm=70%/90%", "жёлтого должна быть ниже цели"),
    ("median_response=8ч/4ч", "жёлтого должна быть выше цели"),
])
def test_bad_targets_are_explained(text, fragment):
    with pytest.raises(TargetError, match=fragment):
        targets.parse(text)


def test_settings_read_targets_from_env_and_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('kpi_targets = "share_in_norm=80%/60%"\n', encoding="utf-8")
    assert load_settings(env={}, secrets_path=secrets).targets["share_in_norm"].goal == pytest.approx(0.8)
    s = load_settings(env={"KPI_TARGETS": "share_in_norm=95%/90%"}, secrets_path=secrets)
    assert s.targets["share_in_norm"].amber == pytest.approx(0.9)
    with pytest.raises(SettingsError, match="KPI_TARGETS"):
        load_settings(env={"KPI_TARGETS": "overdue=много"}, secrets_path=secrets)
