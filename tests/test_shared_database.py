"""Several app servers on one database: a write through another server (here: another
process's importer on the same database file) shows on this server's next page run, with
no cache cleared, because every cached query is keyed by the data version."""

from __future__ import annotations

import subprocess
import sys

from tests.apptest_utils import ROOT, assert_ok, run_page, texts
from tests.fixture_data import NOW
from tests.import_helpers import PAGES_HEADER, csv_bytes

PAGE = "pages/registry.py"


def test_import_by_another_server_shows_on_the_next_run(app_db, tmp_path):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    assert "Найдено **9** страниц." in texts(at)
    at.run()  # cached now
    path = tmp_path / "pages.csv"
    path.write_bytes(csv_bytes(PAGES_HEADER, [
        ["Баганский район", "Администрация Баганского района", "ВКонтакте", "https://vk.com/club777001",
         "Новая страница", "да"]]))
    # "The other server": a separate process writing to the same database.
    done = subprocess.run([sys.executable, "-m", "dashboard", "--database-url", app_db, "import", "pages",
                           str(path), "--add-to-demo"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    at.run()  # no cache cleared
    assert_ok(at)
    assert "Найдено **10** страниц." in texts(at)
