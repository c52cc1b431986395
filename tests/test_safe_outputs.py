"""Spreadsheet formula injection: text that Excel or LibreOffice would run as a formula is
written as text in every download and report workbook, numbers stay numbers.

The files are opened as a user's program would (openpyxl, the csv module) and the
cells' types and values are checked.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from dashboard.core import schema, spreadsheet
from dashboard.core.db import make_engine
from tests import fixture_data
from tests.apptest_utils import assert_ok, run_page

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = {  # page id -> title written into the registry by a file
    1: '=HYPERLINK("http://evil","x")',
    2: "+cmd|' /C calc'!A0",
    3: "@SUM(A1:A2)",
    4: "-1+1",
    8: "\t=1+1",
}
HOSTILE_ORG = "=1+1"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", '=HYPERLINK("http://evil","x")'])
def test_risky_text_gets_an_apostrophe(text):
    assert spreadsheet.safe_text(text) == "'" + text


@pytest.mark.parametrize("value", ["Мэрия", "", " =1+1", "1+1", "a=b", "'=1", 5, -5, 1.5, None, True])
def test_other_values_unchanged(value):
    assert spreadsheet.safe_text(value) is value


def test_safe_frame_keeps_numbers_and_dates():
    df = pd.DataFrame({"t": ["=1+1", "ok", None], "n": [-1, 2, 3], "x": [-1.5, 0.0, None],
                       "d": pd.to_datetime(["2026-11-28", None, "2026-11-01"]), "=h": ["-", "+", "@"]})
    out = spreadsheet.safe_frame(df)
    assert list(out.columns) == ["t", "n", "x", "d", "'=h"]
    assert out["t"].tolist()[:2] == ["'=1+1", "ok"] and pd.isna(out["t"].iloc[2])
    assert out["n"].tolist() == [-1, 2, 3] and out["n"].dtype == df["n"].dtype
    assert out["x"].dtype == df["x"].dtype and out["d"].dtype == df["d"].dtype
    assert out["'=h"].tolist() == ["'-", "'+", "'@"]
    assert df["t"].iloc[0] == "=1+1"  # the input is not changed


# -- the files the app writes -----------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> str:
    """The fixture database with formula-like page titles and an organisation name."""
    from tests.apptest_utils import fixture_db_url

    url = fixture_db_url(tmp_path_factory.mktemp("hostile"))
    engine = make_engine(url)
    with engine.begin() as conn:
        for pid, title in HOSTILE.items():
            conn.execute(update(schema.page).where(schema.page.c.id == pid).values(title=title))
        org = conn.execute(schema.page.select().where(schema.page.c.id == 1)).mappings().one()["organisation_id"]
        conn.execute(update(schema.organisation).where(schema.organisation.c.id == org).values(name=HOSTILE_ORG))
    engine.dispose()
    return url


def assert_no_formula(ws) -> None:
    """No cell of the sheet is a formula or text a spreadsheet would evaluate."""
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
            assert not spreadsheet.is_risky(cell.value), (ws.title, cell.coordinate, cell.value)


@pytest.fixture
def downloads(monkeypatch):
    """Every file handed to a download button in an AppTest run: {file name: bytes}."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict[str, bytes] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, coordinates, file_name=None, *a, **kw):
        if file_name:
            files[file_name] = path_or_data if isinstance(path_or_data, bytes) else str(path_or_data).encode()
        return add(self, path_or_data, mimetype, coordinates, file_name, *a, **kw)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        if file_name:
            data = data_callable()
            files[file_name] = data if isinstance(data, bytes) else data.encode()
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return files


def test_registry_downloads_hold_text_not_formulas(hostile_db, downloads, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", hostile_db)
    at = run_page(hostile_db, "pages/registry.py", now=fixture_data.NOW)
    assert_ok(at)
    assert {"reestr_gospablikov.csv", "reestr_gospablikov.xlsx"} <= set(downloads)

    rows = list(csv.reader(io.StringIO(downloads["reestr_gospablikov.csv"].decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    titles = [r[header.index("Страница")] for r in body]
    for title in HOSTILE.values():
        assert "'" + title in titles
    assert not any(spreadsheet.is_risky(v) for r in rows for v in r)
    assert "'" + HOSTILE_ORG in [r[header.index("Организация")] for r in body]
    subs = [r[header.index("Подписчики")] for r in body]
    assert "5200" in subs  # a number, written as a number (no apostrophe)

    ws = load_workbook(io.BytesIO(downloads["reestr_gospablikov.xlsx"]))["Реестр"]
    assert_no_formula(ws)
    head = [c.value for c in ws[1]]
    cells = {(r[head.index("Страница")].value): r for r in ws.iter_rows(min_row=2)}
    for title in HOSTILE.values():
        assert cells["'" + title][head.index("Страница")].data_type == "s"
    sub = cells["'" + HOSTILE[1]][head.index("Подписчики")]
    assert isinstance(sub.value, int) and sub.data_type == "n"


@pytest.mark.parametrize("municipality", [None, fixture_data.NSK], ids=["oblast", "municipality"])
def test_report_workbooks_hold_text_not_formulas(hostile_db, municipality):
    from dashboard.core import periods
    from dashboard.presentation.reports import build_report
    from queries.filters import Norm

    engine = make_engine(hostile_db)
    data = build_report(engine, periods.month(2026, 11), municipality, "xlsx", norm=Norm(), now=fixture_data.NOW)
    engine.dispose()
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        assert_no_formula(ws)
    if municipality is not None:  # the municipality workbook lists the hostile pages as text
        ws = wb["Страницы"]
        titles = {ws.cell(i, 2).value: i for i in range(3, ws.max_row + 1)}
        assert {"'" + HOSTILE[p] for p in (1, 2, 3, 4, 8)} <= set(titles)
        row = titles["'" + HOSTILE[1]]
        assert ws.cell(row, 2).data_type == "s"
        assert ws.cell(row, 4).value == "'" + HOSTILE_ORG
        assert isinstance(ws.cell(row, 5).value, int)  # subscribers stay a number
    ws = wb["Рейтинг"]
    assert all(isinstance(ws.cell(3, j).value, (int, float)) for j in (1, 3))  # place, score


def test_every_spreadsheet_writer_uses_the_helper():
    """A module that writes CSV or XLSX (pandas to_csv/to_excel, openpyxl Workbook, csv.writer)
    imports dashboard.core.spreadsheet."""
    writers = ("to_csv", "to_excel", "Workbook", "writer", "DictWriter")
    offenders = []
    for path in [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("queries/*.py")]:
        if path.name == "spreadsheet.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", None)
                 for n in ast.walk(tree) if isinstance(n, ast.Call)}
        if not calls & set(writers):
            continue
        if "spreadsheet" not in path.read_text(encoding="utf-8"):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
