"""Text from files is shown as text, never Markdown or HTML: «Данные» with a hostile file.

The uploaded file's name, an unknown header and a bad cell value carry an image link and an
HTML tag pointing at 127.0.0.1. Markdown-rendered elements must hold them escaped (the
renderer then prints them literally); tables of file content are plain-text dataframes.
"""

from __future__ import annotations

import re

import pytest

from dashboard.presentation.plaintext import literal
from tests.apptest_utils import fixture_db_url, run_page

PAGE = "pages/data.py"
IMAGE = "![x](http://127.0.0.1:9/evil.png)"
TAG = '<img src="http://127.0.0.1:9/tag.png">'
FILE_NAME = "![f](http:__127.0.0.1_9_f.png).csv"
HEADER = "Муниципалитет;Организация;Площадка;Ссылка;Название страницы;Госметка;" + IMAGE
ROW = f"Баганский район;Администрация;{TAG} **ВК**;https://vk.com/club1;Страница;да;x"
# An unescaped image, link or tag in a Markdown string: "![", "](" or "<" not preceded by "\".
RAW_MARKDOWN = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|(?<!\\)<")


@pytest.mark.parametrize("text, shown", [
    ("![x](http://e/x.png)", r"\!\[x\]\(http\:\/\/e\/x\.png\)"),
    ("<b>жирный</b>", r"\<b\>жирный\<\/b\>"),
    ("**два**\n# заголовок", r"\*\*два\*\* \# заголовок"),
    (":red[красный] $x$", r"\:red\[красный\] \$x\$"),
    ("Мэрия города Новосибирска", "Мэрия города Новосибирска"),
    (None, ""),
    (12, "12"),
])
def test_literal(text, shown):
    assert literal(text) == shown


def markdown_texts(at) -> list[str]:
    """Bodies of every element Streamlit renders as Markdown on the page."""
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader"):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def test_hostile_upload_is_shown_literally(tmp_path, monkeypatch):
    url = fixture_db_url(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    at = run_page(url, PAGE)
    content = (HEADER + "\n" + ROW + "\n").encode("utf-8")
    at.file_uploader(key="upload").set_value((FILE_NAME, content, "text/csv")).run()
    assert not at.exception

    captions = [c.value for c in at.caption]
    skipped = [c for c in captions if c.startswith("Будут пропущены")]
    assert skipped == [f"Будут пропущены: «{literal(IMAGE)}»."]

    # The preview is an st.dataframe (plain text): headers and cells as written.
    preview = at.dataframe[0].value
    assert IMAGE in preview.columns and f"{TAG} **ВК**" in preview.iloc[0].tolist()

    at.button(key="import_run").click().run()
    assert not at.exception
    headline = at.error[0].value
    assert headline.startswith("Файл «" + literal(FILE_NAME) + "»")
    table = at.table[0].value
    cells = [str(v) for v in table.to_numpy().ravel()] + [str(c) for c in table.columns]
    assert literal(f"{TAG} **ВК**") in cells
    assert not any(RAW_MARKDOWN.search(c) for c in cells), cells

    for text in markdown_texts(at):
        assert not RAW_MARKDOWN.search(text.replace(":material/", "")), text


def test_page_profile_shows_a_hostile_title_as_text_and_no_script_link(tmp_path, monkeypatch):
    """A page whose title (from a file or an API) is Markdown and whose stored URL is
    javascript: (written by an older version): title shown literally, no link button."""
    from sqlalchemy import update

    from dashboard.core import schema
    from dashboard.core.db import make_engine
    from tests.fixture_data import NOW

    url = fixture_db_url(tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(schema.page).where(schema.page.c.id == 1)
                     .values(title=IMAGE, url="javascript://vk.com/%0aalert(1)"))
        conn.execute(update(schema.page).where(schema.page.c.id == 2).values(title="**Жирная** [ссылка](http://e)"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = run_page(url, "pages/page_profile.py", now=NOW, query_params={"page": "1"})
    assert not at.exception and not at.error
    assert at.title[0].value == literal(IMAGE)
    assert [b.proto.url for b in at.get("link_button")] == []
    at = run_page(url, "pages/page_profile.py", now=NOW, query_params={"page": "2"})
    assert at.title[0].value == literal("**Жирная** [ссылка](http://e)")
    assert [b.proto.url for b in at.get("link_button")] == ["https://example.org/ok/2"]
