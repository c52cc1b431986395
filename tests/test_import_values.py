"""Cell parsers and name matchers of the importer (no database)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dashboard.core import reference_data as reference
from dashboard.writers.importing.columns import (
    MESSAGES,
    PAGES,
    STATS,
    find_header,
    match_header,
)
from dashboard.writers.importing.read import FileRejected, decode_csv, detect_delimiter
from dashboard.writers.importing.references import MunicipalityMatcher, TopicMatcher
from dashboard.writers.importing.values import (
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    parse_page_url,
    parse_platform,
    parse_satisfaction,
    parse_status,
)

NSK = ZoneInfo("Asia/Novosibirsk")  # UTC+7 all year


@pytest.mark.parametrize("raw, expected", [
    ("28.11.2026 14:05", datetime(2026, 11, 28, 7, 5)),
    ("28.11.2026 14:05:30", datetime(2026, 11, 28, 7, 5, 30)),
    ("8.1.2026 9:05", datetime(2026, 1, 8, 2, 5)),
    ("28.11.2026", datetime(2026, 11, 27, 17, 0)),
    ("2026-11-28T14:05:30", datetime(2026, 11, 28, 7, 5, 30)),
    ("2026-11-28 14:05", datetime(2026, 11, 28, 7, 5)),
    ("2026-11-28T14:05:30+03:00", datetime(2026, 11, 28, 11, 5, 30)),
    ("2026-11-28T07:05:30Z", datetime(2026, 11, 28, 7, 5, 30)),
    (46354.5, datetime(2026, 11, 28, 5, 0)),          # Excel serial: 28.11.2026 12:00 local
    ("46354,5", datetime(2026, 11, 28, 5, 0)),
    (datetime(2026, 11, 28, 14, 5), datetime(2026, 11, 28, 7, 5)),  # an XLSX date cell
])
def test_datetimes_are_local_unless_zoned_and_stored_utc(raw, expected):
    assert parse_datetime(raw, NSK) == expected


@pytest.mark.parametrize("raw", ["28.11.2026", "2026-11-28", 46354, "46354", datetime(2026, 11, 28, 0, 0),
                                 date(2026, 11, 28), "28.11.2026 00:00"])
def test_dates(raw):
    assert parse_date(raw) == date(2026, 11, 28)


@pytest.mark.parametrize("raw, fragment", [
    ("31.02.2026", "такой даты"),
    ("2026-02-31", "такой даты"),
    ("вчера", "ожидал"),
    ("5", "не похоже на дату Excel"),
])
def test_bad_dates_say_why(raw, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_datetime(raw, NSK)


def test_empty_cells_are_none():
    for parse in (parse_int, parse_bool, parse_date, parse_status, parse_platform, parse_page_url):
        assert parse("") is None and parse(None) is None and parse("  ") is None


@pytest.mark.parametrize("raw, expected", [("1 234", 1234), ("1\u00a0234", 1234), (12.0, 12), ("7,0", 7), (0, 0)])
def test_ints(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["1.5", "-3", "много", True])
def test_bad_ints(raw):
    with pytest.raises(ValueError):
        parse_int(raw)


def test_flags_statuses_platforms_satisfaction():
    assert [parse_bool(v) for v in ("да", "Нет", "1", 0, "TRUE", "false", "Есть", True)] == \
        [True, False, True, False, True, False, True, True]
    assert [parse_status(v) for v in ("Дан ответ", "В РАБОТЕ", "новое", "закрыто без ответа", "answered",
                                      "in_work", "closed")] == \
        ["answered", "in_work", "new", "closed", "answered", "in_work", "closed"]
    assert [parse_platform(v) for v in ("ВКонтакте", "вк", "VK", "Одноклассники", "ОК", "MAX", "Телеграм")] == \
        ["vk", "vk", "vk", "ok", "ok", "max", "tg"]
    assert [parse_satisfaction(v) for v in ("1", "-1", 0, "положительная", "Отрицательная", "")] == \
        [1, -1, 0, 1, -1, None]
    with pytest.raises(ValueError, match="дан ответ"):
        parse_status("потерялось")


@pytest.mark.parametrize("url, platform, ext", [
    ("https://vk.com/club123", "vk", "123"),
    ("vk.ru/public123/", "vk", "123"),
    ("https://m.vk.com/Adm_Bagan?w=wall", "vk", "adm_bagan"),
    ("https://vk.com/wall-123_456?reply=7", "vk", "123"),
    ("https://ok.ru/group/70000000000030", "ok", "70000000000030"),
    ("ok.ru/bagan", "ok", "bagan"),
    ("https://max.ru/koltsovo", "max", "koltsovo"),
    ("https://t.me/nso_gov", "tg", "nso_gov"),
    ("t.me/s/nso_gov", "tg", "nso_gov"),
])
def test_page_urls(url, platform, ext):
    ref = parse_page_url(url)
    assert (ref.platform, ref.external_id) == (platform, ext)


@pytest.mark.parametrize("url", ["https://example.com/x", "vk.com", "vk.com/a b"])
def test_bad_page_urls(url):
    with pytest.raises(ValueError):
        parse_page_url(url)


@pytest.fixture(scope="module")
def municipalities():
    rows = reference.read_municipalities()
    return MunicipalityMatcher([(r["id"], r["name"], r["name_official"], r["oktmo"]) for r in rows])


@pytest.mark.parametrize("raw, name", [
    ("Баганский район", "Баганский район"),
    ("баганский   р-н", "Баганский район"),
    ("Баганский муниципальный округ", "Баганский район"),
    ("Коченевский район", "Коченёвский район"),
    ("КОЧЕНЁВСКИЙ Р-Н", "Коченёвский район"),
    ("г. Новосибирск", "город Новосибирск"),
    ("Новосибирск", "город Новосибирск"),
    ("Новосибирский район", "Новосибирский район"),
    ("г.Искитим", "город Искитим"),
    ("Искитимский р-н", "Искитимский район"),
    ("р.п. Кольцово", "рабочий посёлок Кольцово"),
    ("городской округ город Бердск Новосибирской области", "город Бердск"),
    ("50603000", "Баганский район"),
    ("50701000001", "город Новосибирск"),
])
def test_municipality_names_match_tolerantly(municipalities, raw, name):
    assert municipalities.names[municipalities.match(raw)] == name


@pytest.mark.parametrize("raw", ["", "Область", "Новосибирская область", "НСО", None])
def test_regional_bodies_have_no_municipality(municipalities, raw):
    assert municipalities.match(raw) is None


def test_unknown_municipality_suggests_a_close_one(municipalities):
    with pytest.raises(ValueError, match="возможно, «Баганский район»"):
        municipalities.match("Баганскй район")
    with pytest.raises(ValueError, match="не найден"):
        municipalities.match("Москва")


def test_every_municipality_matches_by_each_of_its_names(municipalities):
    for r in reference.read_municipalities():
        for value in (r["name"], r["name_official"], r["oktmo"], r["name"].upper().replace("ё", "е")):
            assert municipalities.match(value) == r["id"], value


def test_topics_by_name_code_or_alias_and_unknown_lists_them():
    topics = TopicMatcher([(i, code, name) for i, (code, name) in enumerate(reference.TOPICS, start=1)])
    ids = {code: i for i, (code, _) in enumerate(reference.TOPICS, start=1)}
    assert topics.match("Дороги") == topics.match("roads") == topics.match(" дороги ") == ids["roads"]
    assert topics.match("Жилищно-коммунальное хозяйство") == ids["housing"]
    assert topics.match("ТКО") == ids["waste"]
    assert topics.match("") == ids["other"]
    with pytest.raises(ValueError, match="«Дороги», «ЖКХ»"):
        topics.match("Космос")


def test_csv_decoding_and_delimiters():
    text = "Ссылка;Дата\n"
    assert decode_csv(text.encode("utf-8")) == text
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_csv(text.encode("cp1251")) == text
    assert decode_csv(text.encode("utf-16")) == text
    with pytest.raises(FileRejected, match="UTF-8 или Windows-1251"):
        decode_csv(bytes(range(256)) * 10)
    assert detect_delimiter("a;b;c") == ";"
    assert detect_delimiter("a,b,c") == ","
    assert detect_delimiter("a\tb\tc") == "\t"
    assert detect_delimiter('"Муниципалитет, район";Ссылка') == ";"


@pytest.mark.parametrize("spec, header", [
    (MESSAGES, ["Дата обращения", "ID", "Ссылка", "Тематика"]),
    (MESSAGES, ["received_at", "external_id", "page_url", "topic"]),
    (MESSAGES, ["  ДАТА   ПОСТУПЛЕНИЯ ", "Номер обращения", "Страница", "тема"]),
    (STATS, ["URL", "Дата среза", "Подписчики, чел."]),
    (STATS, ["ID страницы", "date", "members_count"]),
    (PAGES, ["МО", "Организация", "Ссылка"]),
    (PAGES, ["ОКТМО", "organisation", "url"]),
])
def test_headers_accept_aliases_in_any_case_and_spacing(spec, header):
    pos, found = find_header([(1, header)], spec)
    assert pos == 0 and len(found.index) == len(header)


def test_header_may_follow_title_lines_and_unknown_columns_are_reported():
    rows = [(1, ["Выгрузка обращений за ноябрь 2026"]), (3, ["ID", "Ссылка", "Дата", "Тема", "Комментарий ЦУР"])]
    pos, header = find_header(rows, MESSAGES)
    assert (pos, header.row, header.ignored) == (1, 3, ["Комментарий ЦУР"])


def test_duplicate_columns_are_found():
    header = match_header(1, ["Ссылка", "URL", "Дата", "Подписчики"], STATS)
    assert header.duplicates == [("Ссылка", "URL")]
