"""Reference lists and the data status."""

from __future__ import annotations

from datetime import date

from dashboard.core import db, schema
from queries import reference
from tests.fixture_data import UPDATED_AT


def test_municipalities_order(engine):
    with engine.connect() as conn:
        df = reference.municipalities(conn)
    assert list(df.columns) == ["id", "name", "name_official", "kind", "oktmo", "population",
                                "area_km2", "center_lat", "center_lon"]
    assert len(df) == 35
    # Urban okrugs by population: Новосибирск, Бердск, Искитим, Обь, Кольцово; then districts A-Я.
    assert list(df["id"][:5]) == [31, 32, 33, 34, 35]
    assert list(df["name"][5:8]) == ["Баганский район", "Барабинский район", "Болотнинский район"]
    assert df["name"].iloc[-1] == "Чулымский район"
    assert df.loc[0, "population"] == 1633595


def test_short_names_of_the_35_are_derived_in_one_place_and_fit_a_narrow_column():
    """The narrow tables («Рейтинг», «Карта», the overdue list) print «г. Бердск», «р. п.
    Кольцово», «Усть-Таркский р-н»; the map's labels «Бердск», «Кольцово», «Усть-Таркский».
    All 35 stay distinct and fit the 170 px of «Карта»'s column (7,2 px a character of the
    14 px font, plus 16 px of padding): «рабочий посёлок Кольцово» took 189 px."""
    from dashboard.core.reference_data import bare_name, read_municipalities, short_name

    names = [r["name"] for r in read_municipalities()]
    assert [short_name(n) for n in ("город Новосибирск", "рабочий посёлок Кольцово", "Усть-Таркский район",
                                    "Региональные органы власти")] == [
        "г. Новосибирск", "р. п. Кольцово", "Усть-Таркский р-н", "Региональные органы власти"]
    assert [bare_name(n) for n in ("город Бердск", "рабочий посёлок Кольцово", "Усть-Таркский район")] == [
        "Бердск", "Кольцово", "Усть-Таркский"]
    short = [short_name(n) for n in names]
    assert len(set(short)) == len({bare_name(n) for n in names}) == 35
    assert max(7.2 * len(n) + 16 for n in short) <= 170
    assert 7.2 * len("рабочий посёлок Кольцово") + 16 > 170


def test_topics(engine):
    with engine.connect() as conn:
        df = reference.topics(conn)
    assert list(df.columns) == ["id", "code", "name"]
    assert df["code"].iloc[0] == "roads" and df["name"].iloc[0] == "Дороги"
    assert df["code"].iloc[-1] == "other"


def test_data_status_empty(engine):
    with engine.connect() as conn:
        st = reference.data_status(conn)
    assert (st.is_demo, st.updated_at, st.first_day, st.last_day) == (False, None, None, None)
    assert (st.n_pages, st.n_messages) == (0, 0)


def test_data_status_fixture(fixture_engine):
    # Snapshots 1.10-30.11, messages 5.10-28.11; 10 pages; 28 + 8 messages.
    with fixture_engine.connect() as conn:
        st = reference.data_status(conn)
    assert (st.is_demo, st.updated_at) == (False, UPDATED_AT)
    assert (st.first_day, st.last_day) == (date(2026, 10, 1), date(2026, 11, 30))
    assert (st.n_pages, st.n_messages) == (10, 36)
    with fixture_engine.begin() as conn:
        db.set_meta(conn, schema.META_DEMO, "1")
    with fixture_engine.connect() as conn:
        assert reference.data_status(conn).is_demo
