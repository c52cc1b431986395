"""One place for configuration.

Values come from environment variables first, then from ``.streamlit/secrets.toml``
(top-level keys with the same lower-case names), then from the defaults below.

| setting               | env variable              | default                                   |
|-----------------------|---------------------------|-------------------------------------------|
| database URL          | ``DATABASE_URL``          | ``sqlite:///data/dashboard.db``           |
| response norm, hours  | ``RESPONSE_NORM_HOURS``   | ``24`` (one of ``NORM_HOURS_ALLOWED``)    |
| norm counts           | ``RESPONSE_NORM_MODE``    | ``calendar`` or ``working`` (Mon-Fri 9-18)|
| display time zone     | ``DISPLAY_TZ``            | ``Asia/Novosibirsk`` (stored times: UTC)  |
| map tile URL          | ``MAP_TILES_URL``         | empty: no tile layer (closed network)     |
| upload size limit, MB | ``IMPORT_MAX_MB``         | ``50``                                    |
| rows per imported file| ``IMPORT_MAX_ROWS``       | ``1000000`` (data rows)                   |
| VK API base URL       | ``VK_API_URL``            | ``https://api.vk.com/method``             |
| VK token              | ``VK_TOKEN``              | empty                                     |
| OK API base URL       | ``OK_API_URL``            | ``https://api.ok.ru/fb.do``               |
| OK credentials        | ``OK_ACCESS_TOKEN``, ``OK_APPLICATION_KEY``, ``OK_SECRET_KEY`` | empty |
| API requests/s        | ``COLLECT_RATE``          | ``3`` (VK user token limit)               |
| KPI targets           | ``KPI_TARGETS``           | ``dashboard.core.targets.DEFAULT_TARGETS``|
| DB connect timeout, s | ``DB_CONNECT_TIMEOUT_S``  | ``5`` (PostgreSQL)                        |
| DB statement timeout, s | ``DB_STATEMENT_TIMEOUT_S`` | ``30`` (PostgreSQL; SQLite: lock wait)  |
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"

# The response-time histogram kept in the summary tables has edges at these
# hours, so "answered within the norm" is exact for any of them.
NORM_HOURS_ALLOWED = (1, 2, 4, 8, 12, 24, 48, 72)
NORM_MODES = ("calendar", "working")
WORKDAY_START_HOUR = 9
WORKDAY_END_HOUR = 18


class SettingsError(ValueError):
    """A setting has a value the product cannot work with (message in Russian)."""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DATA_DIR / 'dashboard.db'}"
    norm_hours: int = 24
    norm_mode: str = "calendar"
    display_tz: str = "Asia/Novosibirsk"
    map_tiles_url: str = ""
    import_max_mb: int = 50
    import_max_rows: int = 1_000_000
    vk_api_url: str = "https://api.vk.com/method"
    vk_token: str = ""
    ok_api_url: str = "https://api.ok.ru/fb.do"
    ok_access_token: str = ""
    ok_application_key: str = ""
    ok_secret_key: str = ""
    collect_rate: int = 3
    kpi_targets: str = ""
    db_connect_timeout_s: int = 5
    db_statement_timeout_s: int = 30

    def __post_init__(self) -> None:
        if self.norm_hours not in NORM_HOURS_ALLOWED:
            allowed = ", ".join(map(str, NORM_HOURS_ALLOWED))
            raise SettingsError(
                f"RESPONSE_NORM_HOURS={self.norm_hours}: норма ответа должна быть одной из: {allowed} ч."
            )
        for name, value in (("DB_CONNECT_TIMEOUT_S", self.db_connect_timeout_s),
                            ("DB_STATEMENT_TIMEOUT_S", self.db_statement_timeout_s)):
            if value < 1:
                raise SettingsError(f"{name}={value}: ожидалось не меньше 1 секунды.")
        if self.collect_rate < 1:
            raise SettingsError(f"COLLECT_RATE={self.collect_rate}: ожидалось не меньше 1 запроса в секунду.")
        if self.norm_mode not in NORM_MODES:
            raise SettingsError(
                f"RESPONSE_NORM_MODE={self.norm_mode!r}: допустимо 'calendar' (календарные часы) "
                "или 'working' (рабочие часы, пн-пт 9:00-18:00)."
            )
        from dashboard.core import targets

        try:
            targets.parse(self.kpi_targets)
        except targets.TargetError as e:
            raise SettingsError(str(e)) from e

    @property
    def targets(self) -> dict:
        """Targets per KPI code (dashboard.core.targets.Target)."""
        from dashboard.core import targets

        return targets.parse(self.kpi_targets)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.display_tz)

    @property
    def norm_minutes(self) -> int:
        return self.norm_hours * 60

    @property
    def norm_label(self) -> str:
        """Russian description of the norm, e.g. '24 ч (календарные)'."""
        kind = "календарных" if self.norm_mode == "calendar" else "рабочих"
        return f"{self.norm_hours} ч {kind}"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


_INT_FIELDS = {"norm_hours", "import_max_mb", "import_max_rows", "collect_rate", "db_connect_timeout_s",
               "db_statement_timeout_s"}


def _read_secrets(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"Файл {path}: ошибка в формате TOML: {e}") from e


def load_settings(env: dict | None = None, secrets_path: Path = SECRETS_FILE) -> Settings:
    """Build settings from the environment and secrets.toml (env wins)."""
    env = os.environ if env is None else env
    secrets = _read_secrets(secrets_path)
    values: dict = {}
    names = {
        "database_url": "DATABASE_URL",
        "norm_hours": "RESPONSE_NORM_HOURS",
        "norm_mode": "RESPONSE_NORM_MODE",
        "display_tz": "DISPLAY_TZ",
        "map_tiles_url": "MAP_TILES_URL",
        "import_max_mb": "IMPORT_MAX_MB",
        "import_max_rows": "IMPORT_MAX_ROWS",
        "vk_api_url": "VK_API_URL",
        "vk_token": "VK_TOKEN",
        "ok_api_url": "OK_API_URL",
        "ok_access_token": "OK_ACCESS_TOKEN",
        "ok_application_key": "OK_APPLICATION_KEY",
        "ok_secret_key": "OK_SECRET_KEY",
        "collect_rate": "COLLECT_RATE",
        "kpi_targets": "KPI_TARGETS",
        "db_connect_timeout_s": "DB_CONNECT_TIMEOUT_S",
        "db_statement_timeout_s": "DB_STATEMENT_TIMEOUT_S",
    }
    for field, var in names.items():
        raw = env.get(var)
        if raw is None or raw == "":
            raw = secrets.get(field, secrets.get(var))
        if raw is None or raw == "":
            continue
        if field in _INT_FIELDS:
            try:
                raw = int(raw)
            except (TypeError, ValueError) as e:
                raise SettingsError(f"{var}={raw!r}: ожидалось целое число.") from e
        values[field] = raw
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
