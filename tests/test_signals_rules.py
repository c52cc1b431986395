"""Signal rules on hand-built facts: each fires when it should and not when it should not,
keeps its key from one day to the next, and resolves when the situation ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote_plus

import pytest

from dashboard.core import signals as R
from dashboard.core.settings import norm_short
from dashboard.core.signals import DailyCounts, NormShare, Overdue, PageFact, Presence, SubsChange

NOW = datetime(2026, 11, 28, 12, 0)  # UTC
NB = "\u00a0"


def keys(found):
    return [s.key for s in found]


# --- overdue -------------------------------------------------------------------------------

def test_overdue_sentence_severity_and_escalation():
    rows = [Overdue(32, "город Бердск", 14, NOW - timedelta(days=3, hours=5)),
            Overdue(1, "Баганский район", 2, NOW - timedelta(hours=30)),
            Overdue(None, None, 0, NOW - timedelta(days=9))]
    found = R.overdue(rows, NOW, norm_short(24, "calendar"), escalation_days=3)
    assert keys(found) == ["overdue:m32", "overdue:m1"]
    berdsk, bagan = found
    assert berdsk.text == (f"город Бердск: 14 обращений без ответа дольше 24{NB}ч, самое старое — "
                           f"3{NB}дн 5{NB}ч (срок эскалации — 3{NB}сут.)")
    assert (berdsk.severity, bagan.severity) == ("critical", "warning")
    assert bagan.text == f"Баганский район: 2 обращения без ответа дольше 24{NB}ч, самое старое — 30{NB}ч"
    # The sidebar filter is bound to the URL by the name it shows.
    assert berdsk.link == "obrashcheniya?mo=" + quote_plus("город Бердск")
    assert berdsk.since == NOW - timedelta(days=3, hours=5)


def test_overdue_regional_bodies_and_working_norm():
    found = R.overdue([Overdue(None, None, 1, NOW - timedelta(hours=50))], NOW,
                      norm_short(8, "working"), escalation_days=3)
    assert found[0].key == "overdue:m0"
    assert found[0].text.startswith(f"Региональные органы власти: 1 обращение без ответа дольше 8 рабочих{NB}ч")
    assert found[0].link == "obrashcheniya?mo=" + quote_plus("Региональные органы власти")


def test_overdue_same_key_next_day_even_when_numbers_change():
    today = R.overdue([Overdue(32, "город Бердск", 14, NOW - timedelta(days=1))], NOW, "24 ч", 3)
    tomorrow = R.overdue([Overdue(32, "город Бердск", 9, NOW - timedelta(days=1))],
                         NOW + timedelta(days=1), "24 ч", 3)
    assert keys(today) == keys(tomorrow) == ["overdue:m32"]
    assert today[0].text != tomorrow[0].text


# --- pages ------------------------------------------------------------------------------------

def page(pid=5, **kw) -> PageFact:
    base = dict(page_id=pid, title="Администрация", platform="vk", municipality_id=32,
                municipality="город Бердск", last_post_at=NOW - timedelta(days=1))
    return PageFact(**(base | kw))


def test_silent_fires_at_the_threshold_only():
    pages = [page(1, last_post_at=NOW - timedelta(days=14)), page(2, last_post_at=NOW - timedelta(days=13, hours=23)),
             page(3, last_post_at=None)]
    found = R.silent(pages, NOW, days=14)
    assert keys(found) == ["silent:p1"]
    assert found[0].text == ("«Администрация» (ВКонтакте, город Бердск): нет публикаций 14 дней, "
                             "последняя — 14.11.2026")
    assert found[0].link == "stranitsa?page=1" and found[0].page_id == 1
    # A day later the same page is still silent under the same key; once it posts it is not.
    assert keys(R.silent(pages, NOW + timedelta(days=1), 14)) == ["silent:p1", "silent:p2"]
    assert R.silent([page(1, last_post_at=NOW)], NOW + timedelta(days=1), 14) == []


def test_unreachable_after_three_failed_runs():
    pages = [page(1, fail_runs=3, reason="сообщество удалено"), page(2, fail_runs=2), page(3, fail_runs=0)]
    found = R.unreachable(pages, runs=3)
    assert keys(found) == ["unreachable:p1"]
    assert found[0].severity == "critical"
    assert found[0].text == ("«Администрация» (ВКонтакте, город Бердск): сбор данных не удался 3 запуска "
                             "подряд: сообщество удалено")
    assert keys(R.unreachable([page(1, fail_runs=4)], 3)) == ["unreachable:p1"]
    assert R.unreachable([page(1, fail_runs=0)], 3) == []


def test_no_mark_only_on_mandatory_pages():
    pages = [page(1, verified=False, mandatory=True), page(2, verified=False, mandatory=False),
             page(3, verified=True, mandatory=True)]
    found = R.no_mark(pages)
    assert keys(found) == ["no_mark:p1"]
    assert found[0].text.endswith("нет госметки на обязательной странице")
    assert R.no_mark([page(1, verified=True, mandatory=True)]) == []


def test_missing_page_per_municipality():
    rows = [Presence(1, "Баганский район", True, False), Presence(10, "Колыванский район", False, False),
            Presence(31, "город Новосибирск", True, True)]
    found = R.missing_page(rows)
    assert keys(found) == ["missing_page:m1", "missing_page:m10"]
    assert found[0].text == ("Баганский район: у администрации нет открытой страницы в Одноклассниках "
                             "(обязательные платформы)")
    assert "ВКонтакте и в Одноклассниках" in found[1].text
    assert found[0].link == "munitsipalitet?m=1"
    # The key does not depend on which platform is missing: OK opens, VK still missing, same key.
    assert keys(R.missing_page([Presence(10, "Колыванский район", False, True)])) == ["missing_page:m10"]


# --- spike ------------------------------------------------------------------------------------

DAY = date(2026, 11, 27)  # a Friday


def counts(today: int, history: list[int]) -> dict[date, int]:
    out = {DAY: today}
    for k, n in enumerate(history, start=1):
        out[DAY - timedelta(weeks=k)] = n
    return out


def test_robust_z_by_hand():
    # history 8,9,10,10,11,12,9,10: median 10; |dev| 2,1,0,0,1,2,1,0 -> MAD 1; scale 1.4826.
    z, med, scale = R.robust_z(25, [8, 9, 10, 10, 11, 12, 9, 10])
    assert (med, scale) == (10, pytest.approx(1.4826))
    assert z == pytest.approx(15 / 1.4826)
    # A flat history has MAD 0: the scale floor of 1 message keeps z finite.
    assert R.robust_z(13, [3] * 8)[0] == 10


def test_spike_fires_for_municipality_and_topic():
    groups = [DailyCounts("m", 32, "город Бердск", counts(25, [8, 9, 10, 10, 11, 12, 9, 10])),
              DailyCounts("t", 4, "ЖКХ", counts(40, [30, 35, 28, 33, 31, 36, 29, 34])),
              DailyCounts("m", 1, "Баганский район", counts(9, [0] * 8))]  # z 9 but under the minimum
    found = R.spike(groups, DAY, weeks=8, z_min=3.5, n_min=10)
    assert keys(found) == ["spike:m32"]
    s = found[0]
    assert s.severity == "critical"  # z 10,1 >= 2 × 3,5
    assert s.text == ("город Бердск: всплеск обращений — 25 за 27.11.2026 при обычных 10 (медиана 8 "
                      "предыдущих пятниц), робастный z = 10,1")
    assert s.link == "obrashcheniya?mo=" + quote_plus("город Бердск")
    topic = R.spike([DailyCounts("t", 4, "ЖКХ", counts(60, [30, 35, 28, 33, 31, 36, 29, 34]))], DAY, 8, 3.5, 10)
    assert keys(topic) == ["spike:t4"]
    assert topic[0].text.startswith("Тема «ЖКХ» по области: всплеск обращений — 60")
    assert topic[0].municipality_id is None and topic[0].link == "obrashcheniya?topic=" + quote_plus("ЖКХ")


def test_spike_same_key_next_day_and_resolves():
    g1 = DailyCounts("m", 32, "город Бердск", counts(25, [10] * 8))
    nxt = DAY + timedelta(days=1)
    g2 = DailyCounts("m", 32, "город Бердск", {nxt: 30, **{nxt - timedelta(weeks=k): 11 for k in range(1, 9)}})
    assert keys(R.spike([g1], DAY, 8, 3.5, 10)) == keys(R.spike([g2], nxt, 8, 3.5, 10)) == ["spike:m32"]
    calm = DailyCounts("m", 32, "город Бердск", {nxt: 12, **{nxt - timedelta(weeks=k): 11 for k in range(1, 9)}})
    assert R.spike([calm], nxt, 8, 3.5, 10) == []


# --- norm drop, subscribers, stale --------------------------------------------------------

RECENT = (date(2026, 11, 21), date(2026, 11, 27))


def test_norm_drop():
    rows = [NormShare(32, "город Бердск", 0.70, 40, 0.85, 150),   # −15 п.п.
            NormShare(1, "Баганский район", 0.78, 40, 0.85, 150),  # −7 п.п.
            NormShare(2, "Барабинский район", 0.10, 5, 0.90, 150),  # too few due
            NormShare(None, None, float("nan"), 0, 0.9, 10)]
    found = R.norm_drop(rows, 10, RECENT)
    assert keys(found) == ["norm_drop:m32"]
    assert found[0].text == (f"город Бердск: ответ в срок 70,0{NB}% за 21.11.2026 – 27.11.2026 против "
                             f"85,0{NB}% за 4 недели до того (−15,0{NB}п.п.)")
    assert R.norm_drop([NormShare(32, "город Бердск", 0.84, 40, 0.85, 150)], 10, RECENT) == []


def sub(now_subs: int, before: int) -> SubsChange:
    return SubsChange(7, "Мэрия", "ok", 31, "город Новосибирск", date(2026, 11, 28), now_subs,
                      date(2026, 11, 21), before)


def test_subs_drop_threshold_and_severity():
    assert R.subs_drop([sub(960, 1000)], 5) == []            # −4 %
    found = R.subs_drop([sub(950, 1000)], 5)                  # −5 %
    assert keys(found) == ["subs_drop:p7"] and found[0].severity == "info"
    assert found[0].text == ("«Мэрия» (Одноклассники, город Новосибирск): подписчиков 950 на 28.11.2026 "
                             f"против 1{NB}000 на 21.11.2026 (−5,0 %)")
    assert R.subs_drop([sub(880, 1000)], 5)[0].severity == "warning"  # −12 % >= 2 × 5
    assert R.subs_drop([sub(50, 90)], 5) == []                 # under 100 subscribers before
    assert R.subs_drop([sub(1100, 1000)], 5) == []


def test_stale_data():
    assert R.stale(NOW - timedelta(days=2), NOW, 2) == []
    found = R.stale(NOW - timedelta(days=2, minutes=1), NOW, 2)
    assert keys(found) == ["stale:data"] and found[0].severity == "critical"
    assert found[0].text == (f"Данные не обновлялись 2{NB}дн: последний импорт или сбор — 26.11.2026 "
                             "(порог — 2 дня)")
    assert R.stale(None, NOW, 2)[0].text == "Данные ни разу не загружались (порог — 2 дня)"
    assert keys(R.stale(NOW - timedelta(days=5), NOW + timedelta(days=1), 2)) == ["stale:data"]


def test_order_critical_first_then_kind():
    found = sorted([*R.silent([page(1, last_post_at=NOW - timedelta(days=20))], NOW, 14),
                    *R.stale(None, NOW, 2),
                    *R.overdue([Overdue(32, "город Бердск", 1, NOW - timedelta(hours=30))], NOW, "24 ч", 3)],
                   key=R.sort_key)
    assert keys(found) == ["stale:data", "overdue:m32", "silent:p1"]


def test_links_name_the_app_pages():
    """Signal links use url paths of dashboard/ui/app.py NAVIGATION (read without running it)."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[1] / "dashboard" / "ui" / "app.py").read_text())
    nav = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "NAVIGATION")
    paths = {entry[2] for group in ast.literal_eval(nav).values() for entry in group}
    for path in (R.PATH_MESSAGES, R.PATH_MUNICIPALITY, R.PATH_PAGE, R.PATH_DATA, R.PATH_SIGNALS):
        assert path in paths, path


def test_page_link_is_the_generic_link():
    assert R.page_link(5) == R.link(R.PATH_PAGE, page=5) == "stranitsa?page=5"
    assert R.page_link(70682) == "stranitsa?page=70682"
