"""Реестр госпабликов on the fixture: ten pages, page 10 closed on 20.10.2026."""

from __future__ import annotations

import io

import pandas as pd

from dashboard.core import formatting as fmt
from tests.apptest_utils import assert_ok, run_page, shown, table_with, texts
from tests.fixture_data import NOW

PAGE = "pages/registry.py"


def test_open_pages_listed(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    reg = table_with(at, "Госметка")
    assert len(reg) == 9
    assert "Найдено **9** страниц." in texts(at)
    assert list(reg.columns) == ["Страница", "Профиль", "Муниципалитет", "Платформа", "Подписчики", "Госметка",
                                 "«Госпаблики»", "Последняя публикация", "Ссылка", "Организация", "Отрасль"]
    row = reg[reg["Страница"] == "Страница 9"].iloc[0]
    assert row["Муниципалитет"] == "Региональные органы власти"
    assert bool(row["Госметка"]) and row["Подписчики"] == 5200
    assert row["Профиль"] == "stranitsa?page=9"


def test_columns_fit_their_headers_and_texts(app_db):
    """Each fixed-width column is as wide as its header and its texts (about 7,2 px a
    character of the table's 14 px font plus 16 px of padding): at 1366 px the table read
    «Платформ», «Подписчик», «Однокласс»."""
    import json

    from tests.apptest_utils import display_texts

    at = run_page(app_db, PAGE, now=NOW)
    frame = next(f for f in at.dataframe if "Госметка" in json.loads(f.proto.columns).get("verified", {}).values())
    config = json.loads(frame.proto.columns)
    cells = display_texts(frame)
    texts_of = {"platform_label": ["Одноклассники", "ВКонтакте", "Telegram"],
                "last_post_at": ["28.11.2026 14:05"], "subscribers": ["1 234 567"]}
    for col, cfg in config.items():
        width = {"small": 75, "medium": 200, "large": 400}.get(cfg.get("width"), cfg.get("width"))
        if width is None or col in ("title", "municipality", "organisation"):
            continue
        longest = max([cfg["label"], *texts_of.get(col, []),
                       *(cells[col].astype(str) if col in cells and col not in ("profile", "url") else [])], key=len)
        assert 7.2 * len(longest) + 16 <= width, (cfg["label"], longest, width)
    assert list(config)[:2] == ["title", "profile"]


def test_search_and_filters(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    at.text_input(key="q").set_value("Школа").run()
    assert list(table_with(at, "Госметка")["Страница"]) == ["Страница 8"]
    at.text_input(key="q").set_value("").run()
    at.toggle(key="closed").set_value(True).run()
    assert len(table_with(at, "Госметка")) == 10
    at.selectbox(key="mark").set_value("no").run()
    # Without госметка: pages 3, 4, 6, 8 and the closed 10.
    assert sorted(table_with(at, "Госметка")["Страница"]) == [
        "Страница 10", "Страница 3", "Страница 4", "Страница 6", "Страница 8"]
    at.sidebar.multiselect(key="pl").set_value(["ok"]).run()
    assert sorted(table_with(at, "Госметка")["Страница"]) == ["Страница 10", "Страница 6"]


def test_compliance_columns_fit_and_marks_are_coloured(app_db):
    """Every column as wide as its header (about 7,2 px a character plus 16 px), together
    within the 905 px of a page at 1366 px; ✓ green and ✗ red."""
    import json

    from dashboard.core.targets import STATUS_COLOURS

    at = run_page(app_db, PAGE, now=NOW)
    frame = next(f for f in at.dataframe if "compliant" in json.loads(f.proto.columns))
    config = {c: cfg for c, cfg in json.loads(frame.proto.columns).items() if cfg.get("label")}
    widths = {c: cfg.get("width") for c, cfg in config.items()}
    assert all(isinstance(w, int) for w in widths.values()) and sum(widths.values()) <= 905
    for cfg in config.values():
        assert 7.2 * len(cfg["label"]) + 16 <= cfg["width"], cfg["label"]
    styles = frame.proto.arrow_data.styler.styles
    assert STATUS_COLOURS["good"] in styles and STATUS_COLOURS["bad"] in styles


def test_compliance(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    comp = table_with(at, "Итог")
    assert len(comp) == 35
    rows = comp.set_index("Муниципалитет")
    # Новосибирск: мэрия has VK and OK with госметка and posted on 27.11 -> compliant.
    assert tuple(rows.loc["город Новосибирск", ["Итог", "ВКонтакте", "Одноклассники", "Госметка"]]) == (
        "✓", "✓", "✓", "✓")
    # Баганский район: no OK page.
    assert tuple(rows.loc["Баганский район", ["Итог", "ВКонтакте", "Одноклассники"]]) == ("✗", "✓", "✗")
    # Новосибирский район: its OK page has no госметка and last posted on 01.11.
    assert tuple(rows.loc["Новосибирский район", ["Итог", "Госметка"]]) == ("✗", "✗")
    assert "Соответствуют всем требованиям: **1 из 35**" in texts(at)
    # The date is the latest of the administration's pages, the check is on every one of them.
    assert "на каждой из них — госметка и публикации за последние 14 дней" in texts(at)
    assert ("«Последняя публикация» — самая свежая на страницах администрации; ✗ в «За 14 дн.» при "
            "недавней дате — молчит другая из этих страниц.") in texts(at)


def test_downloads(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Скачать CSV", "Скачать Excel"]


def test_download_is_built_on_demand_from_every_found_page(app_db):
    """The buttons carry a builder (Streamlit calls it on click); it writes every page found,
    not only the page of rows shown."""
    from dashboard.ui import widgets
    from queries import pages
    from tests.fixture_data import NOV

    widgets.get_engine.clear()
    raw = widgets.export_bytes("csv", "Реестр", "dashboard.presentation.exports.registry_export",
                               "queries.pages.registry_page", (NOV, pages.RegistryFilter(include_closed=True)),
                               (("limit", None),), "test")
    back = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig")
    assert len(back) == 10
    assert list(back.columns[:3]) == ["Муниципалитет", "Организация", "Тип организации"]
    row = back[back["Страница"] == "Страница 9"].iloc[0]
    assert (row["Госметка"], row["Муниципалитет"]) == ("да", "Региональные органы власти")
    assert row["Последняя публикация"] == "27.11.2026"
    # The workbook keeps the time: local, as the screen shows it (the database's 02:00 UTC).
    raw = widgets.export_bytes("xlsx", "Реестр", "dashboard.presentation.exports.registry_export",
                               "queries.pages.registry_page", (NOV, pages.RegistryFilter(include_closed=True)),
                               (("limit", None),), "test")
    book = pd.read_excel(io.BytesIO(raw), sheet_name="Реестр")
    row = book[book["Страница"] == "Страница 9"].iloc[0]
    assert row["Последняя публикация"] == pd.Timestamp(2026, 11, 27, 9, 0)
    widgets.get_engine.clear()


def test_csv_and_xlsx_for_russian_excel():
    from dashboard.ui.widgets import csv_bytes, xlsx_bytes

    df = pd.DataFrame({"Страница": ["Мэрия"], "Подписчики": [1234567], "Доля": [0.5]})
    raw = csv_bytes(df)
    assert raw.startswith("\ufeff".encode())
    assert raw.decode("utf-8-sig").splitlines() == ["Страница;Подписчики;Доля", "Мэрия;1234567;0,5"]
    back = pd.read_excel(io.BytesIO(xlsx_bytes(df, "Реестр")), sheet_name="Реестр")
    assert list(back.columns) == ["Страница", "Подписчики", "Доля"]
    assert back.iloc[0]["Подписчики"] == 1234567
    assert fmt.num(back.iloc[0]["Подписчики"]) == "1\u00a0234\u00a0567"


def test_page_without_last_post_renders(tmp_path, monkeypatch):
    """An empty «последняя публикация» is shown empty (it used to crash the page)."""
    from sqlalchemy import update

    from dashboard.core import schema
    from dashboard.core.db import make_engine
    from tests.apptest_utils import fixture_db_url

    url = fixture_db_url(tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(schema.page).where(schema.page.c.title == "Страница 9")
                     .values(last_post_at=None))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = run_page(url, PAGE, now=NOW)
    assert_ok(at)
    reg = table_with(at, "Госметка").set_index("Страница")
    assert pd.isna(reg.loc["Страница 9", "Последняя публикация"])
    assert not pd.isna(reg.loc["Страница 1", "Последняя публикация"])


def test_registry_of_the_example_pages_file(tmp_path, monkeypatch):
    """A database holding only data/examples/pages.csv (no last posts at all) renders."""
    from dashboard.core import migrate
    from dashboard.core.db import make_engine
    from dashboard.writers.importing import importer
    from tests.import_helpers import EXAMPLES, SETTINGS

    url = f"sqlite:///{tmp_path / 'examples.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    result = importer.import_file(engine, "pages", EXAMPLES / "pages.csv", settings=SETTINGS)
    assert result.ok, result
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = run_page(url, PAGE, now=NOW)
    assert_ok(at)
    assert len(table_with(at, "Госметка")) == 12
    assert "Найдено **12** страниц." in texts(at)


def _registry_config(at) -> dict:
    import json

    return json.loads(next(f for f in at.dataframe if "Госметка" in shown(f).columns).proto.columns)


def test_a_municipality_user_sees_its_largest_pages_first(signed_in_app):
    """Sorted by municipality, a municipality user's own pages were in no useful order: its
    list opens by subscribers, largest first (1 400, 540, 420, 350, 80), without «по
    муниципалитету» to choose nor a «Муниципалитет» column repeating its name; the ЦУР head's
    stays grouped by municipality."""
    at = signed_in_app("nsk@nso.ru", PAGE)
    assert_ok(at)
    sort = at.selectbox(key="sort")
    assert sort.value == "subscribers" and at.toggle(key="desc").value
    assert "по муниципалитету" not in sort.options
    reg = table_with(at, "Госметка")
    assert list(reg["Страница"]) == ["Страница 1", "Страница 2", "Страница 8", "Страница 4", "Страница 3"]
    assert list(reg["Подписчики"]) == [1400, 540, 420, 350, 80]
    assert "Муниципалитет" not in reg.columns
    # The titles get the column's 160 px: «МБУК Библиотека № 1 рабочего посёлка Кольцово» (45
    # characters, 340 px) was cut in 300.
    widths = {c.get("label"): c.get("width") for c in _registry_config(at).values()}
    assert widths["Страница"] == 460
    at = signed_in_app("tsur@nso.ru", PAGE)
    assert at.selectbox(key="sort").value == "municipality" and not at.toggle(key="desc").value
    reg = table_with(at, "Госметка")
    assert list(reg["Страница"])[:5] == ["Страница 7", "Страница 5", "Страница 6", "Страница 1", "Страница 2"]
    assert "Муниципалитет" in reg.columns
    widths = {c.get("label"): c.get("width") for c in _registry_config(at).values()}
    assert (widths["Страница"], widths["Муниципалитет"]) == (300, 160)


def test_silent_pages_as_a_list_to_send_out(app_db):
    """«Без публикаций»: at NOW (28.11 19:00 local) «14 дней и больше» is no post since
    14.11.2026 00:00 local — page 6 alone (last post 01.11); with closed pages, 10 too (19.10);
    «90 дней» finds none open. The downloads carry the same filter."""
    from dashboard.ui import widgets

    at = run_page(app_db, PAGE, now=NOW)
    at.selectbox(key="silent").set_value(14).run()
    assert_ok(at)
    assert list(table_with(at, "Госметка")["Страница"]) == ["Страница 6"]
    assert "Найдено **1** страница без публикаций с 14.11.2026 (за 14 дней и больше)." in texts(at)
    at.toggle(key="closed").set_value(True).run()
    assert sorted(table_with(at, "Госметка")["Страница"]) == ["Страница 10", "Страница 6"]
    at.toggle(key="closed").set_value(False).run()
    at.selectbox(key="silent").set_value(90).run()
    assert "Найдено **0** страниц без публикаций с 30.08.2026 (за 90 дней и больше)." in texts(at)
    at.selectbox(key="silent").set_value(0).run()
    assert "Найдено **9** страниц." in texts(at)
    # The file is built from the filter the screen shows (the builder's arguments).
    at.selectbox(key="silent").set_value(14).run()
    from queries import pages

    rf = pages.RegistryFilter(silent_before=pd.Timestamp(2026, 11, 13, 17, 0).to_pydatetime())
    widgets.get_engine.clear()
    from tests.fixture_data import NOV

    raw = widgets.export_bytes("csv", "Реестр", "dashboard.presentation.exports.registry_export",
                               "queries.pages.registry_page", (NOV, rf), (("limit", None),), "test")
    assert list(pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig")["Страница"]) == ["Страница 6"]
    widgets.get_engine.clear()
