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
| upload size limit, MB | ``IMPORT_MAX_MB``         | ``200`` (imports stream: memory does not grow)|
| rows per imported file| ``IMPORT_MAX_ROWS``       | ``1000000`` (data rows)                   |
| VK API base URL       | ``VK_API_URL``            | ``https://api.vk.com/method``             |
| VK token              | ``VK_TOKEN``              | empty                                     |
| OK API base URL       | ``OK_API_URL``            | ``https://api.ok.ru/fb.do``               |
| OK credentials        | ``OK_ACCESS_TOKEN``, ``OK_APPLICATION_KEY``, ``OK_SECRET_KEY`` | empty |
| API requests/s        | ``COLLECT_RATE``          | ``3`` (VK user token limit)               |
| KPI targets           | ``KPI_TARGETS``           | ``dashboard.core.targets.DEFAULT_TARGETS``|
| rating: min messages  | ``RATING_MIN_MESSAGES``   | ``20`` (more than 10; fewer: «мало данных»)|
| DB connect timeout, s | ``DB_CONNECT_TIMEOUT_S``  | ``5`` (PostgreSQL)                        |
| DB statement timeout, s | ``DB_STATEMENT_TIMEOUT_S`` | ``30`` (PostgreSQL; SQLite: lock wait)  |

Signals and digests (README, «Сигналы»):

| setting                               | env variable                 | default                      |
|---------------------------------------|------------------------------|------------------------------|
| overdue messages looked at, days      | ``SIGNAL_OVERDUE_DAYS``      | ``30``                       |
| overdue escalates after, days         | ``SIGNAL_ESCALATION_DAYS``   | ``3``                        |
| silent page: no post for, days        | ``SIGNAL_SILENT_DAYS``       | ``14``                       |
| collection failed, runs in a row      | ``SIGNAL_COLLECT_FAILURES``  | ``3``                        |
| spike: robust z-score at least        | ``SIGNAL_SPIKE_Z``           | ``3.5``                      |
| spike: weeks of history               | ``SIGNAL_SPIKE_WEEKS``       | ``8``                        |
| spike: messages a day at least        | ``SIGNAL_SPIKE_MIN``         | ``10``                       |
| fall of «в срок», п.п.                | ``SIGNAL_NORM_DROP_PP``      | ``10``                       |
| subscriber drop week on week, %       | ``SIGNAL_SUBS_DROP_PCT``     | ``5``                        |
| stale data after, days                | ``SIGNAL_STALE_DAYS``        | ``2``                        |
| the app's address (links in digests)  | ``APP_URL``                  | ``http://localhost:8501``    |
| SMTP server, port                     | ``SMTP_HOST``, ``SMTP_PORT`` | empty, ``587``               |
| SMTP STARTTLS                         | ``SMTP_STARTTLS``            | ``true``                     |
| SMTP sign-in, sender                  | ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_SENDER`` | empty   |
| Telegram Bot API base URL             | ``TELEGRAM_API_URL``         | ``https://api.telegram.org`` |
| Telegram bot token                    | ``TELEGRAM_BOT_TOKEN``       | empty (or per recipient)     |
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from dashboard.core import formatting as fmt

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
    import_max_mb: int = 200
    import_max_rows: int = 1_000_000
    vk_api_url: str = "https://api.vk.com/method"
    vk_token: str = ""
    ok_api_url: str = "https://api.ok.ru/fb.do"
    ok_access_token: str = ""
    ok_application_key: str = ""
    ok_secret_key: str = ""
    collect_rate: int = 3
    kpi_targets: str = ""
    rating_min_messages: int = 20
    db_connect_timeout_s: int = 5
    db_statement_timeout_s: int = 30
    # Signals (dashboard.core.signals) and digests (dashboard.writers.alerts).
    signal_overdue_days: int = 30
    signal_escalation_days: int = 3
    signal_silent_days: int = 14
    signal_collect_failures: int = 3
    signal_spike_z: float = 3.5
    signal_spike_weeks: int = 8
    signal_spike_min: int = 10
    signal_norm_drop_pp: float = 10.0
    signal_subs_drop_pct: float = 5.0
    signal_stale_days: int = 2
    app_url: str = "http://localhost:8501"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_token: str = ""

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
        if self.rating_min_messages <= 10:
            raise SettingsError(f"RATING_MIN_MESSAGES={self.rating_min_messages}: ожидалось больше 10 "
                                "обращений — на меньшем числе доля и медиана слишком случайны для рейтинга.")
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
    def norm_label(self) -> str:
        """The norm as every screen and file names it (``norm_label``)."""
        return norm_label(self.norm_hours, self.norm_mode)

    @property
    def norm_short(self) -> str:
        """The norm where a line has no room for the rest (``norm_short``)."""
        return norm_short(self.norm_hours, self.norm_mode)


def norm_short(hours: int, mode: str) -> str:
    """The norm in two words, for one-line captions (the whole norm_label behind their help)
    and after «дольше» in signals: '24 ч', '8 рабочих ч'."""
    return f"{hours}{fmt.NBSP}ч" if mode == "calendar" else f"{hours} рабочих{fmt.NBSP}ч"


def norm_label(hours: int, mode: str) -> str:
    """The response norm in Russian: '24 ч календарных', '8 ч рабочих (пн–пт 9:00–18:00)'."""
    if mode == "calendar":
        return f"{hours} ч календарных"
    return f"{hours} ч рабочих (пн–пт {WORKDAY_START_HOUR}:00–{WORKDAY_END_HOUR}:00)"


_INT_FIELDS = {"norm_hours", "rating_min_messages", "import_max_mb", "import_max_rows", "collect_rate", "db_connect_timeout_s",
               "db_statement_timeout_s", "signal_overdue_days", "signal_escalation_days",
               "signal_silent_days", "signal_collect_failures", "signal_spike_weeks", "signal_spike_min",
               "signal_stale_days", "smtp_port"}
_FLOAT_FIELDS = {"signal_spike_z", "signal_norm_drop_pp", "signal_subs_drop_pct"}
_BOOL_FIELDS = {"smtp_starttls"}
_TRUE, _FALSE = {"1", "true", "yes", "on", "да"}, {"0", "false", "no", "off", "нет"}


def _parse(field: str, var: str, raw):
    """A raw setting (text from env, or a TOML value) as the field's type; Russian error."""
    if field in _INT_FIELDS:
        try:
            return int(raw)
        except (TypeError, ValueError) as e:
            raise SettingsError(f"{var}={raw!r}: ожидалось целое число.") from e
    if field in _FLOAT_FIELDS:
        try:
            return float(str(raw).replace(",", "."))
        except (TypeError, ValueError) as e:
            raise SettingsError(f"{var}={raw!r}: ожидалось число.") from e
    if field in _BOOL_FIELDS:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise SettingsError(f"{var}={raw!r}: ожидалось true или false.")
    return raw


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
        "rating_min_messages": "RATING_MIN_MESSAGES",
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
        **{f: f.upper() for f in (
            "signal_overdue_days", "signal_escalation_days", "signal_silent_days",
            "signal_collect_failures", "signal_spike_z", "signal_spike_weeks", "signal_spike_min",
            "signal_norm_drop_pp", "signal_subs_drop_pct", "signal_stale_days", "app_url",
            "smtp_host", "smtp_port", "smtp_starttls", "smtp_user", "smtp_password", "smtp_sender",
            "telegram_api_url", "telegram_bot_token")},
    }
    for field, var in names.items():
        raw = env.get(var)
        if raw is None or raw == "":
            # secrets.toml: the variable's name in lower case (README), the field's name, or as is
            raw = next((secrets[k] for k in (var.lower(), field, var) if k in secrets), None)
        if raw is None or raw == "":
            continue
        values[field] = _parse(field, var, raw)
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
