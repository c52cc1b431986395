"""Settings: environment over secrets.toml over defaults, and validation messages."""

import pytest

from dashboard.core.settings import Settings, SettingsError, load_settings


def test_defaults(tmp_path):
    s = load_settings(env={}, secrets_path=tmp_path / "none.toml")
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/dashboard.db")
    assert (s.norm_hours, s.norm_mode, s.display_tz) == (24, "calendar", "Asia/Novosibirsk")
    assert s.norm_label == "24 ч календарных"


def test_env_overrides_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('database_url = "sqlite:///from-secrets.db"\nnorm_hours = 8\nRESPONSE_NORM_MODE = "working"\n',
                       encoding="utf-8")
    s = load_settings(env={}, secrets_path=secrets)
    assert (s.database_url, s.norm_hours, s.norm_mode) == ("sqlite:///from-secrets.db", 8, "working")
    s = load_settings(env={"DATABASE_URL": "postgresql://x/y", "RESPONSE_NORM_HOURS": "12"}, secrets_path=secrets)
    assert (s.database_url, s.norm_hours, s.norm_mode) == ("postgresql://x/y", 12, "working")


def test_secrets_take_the_variables_names_in_lower_case(tmp_path):
    """README: «.streamlit/secrets.toml (same names in lower case)». The keys read were the
    fields' names, so `response_norm_hours = 8` (RESPONSE_NORM_HOURS) was silently ignored."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('response_norm_hours = 8\nresponse_norm_mode = "working"\nrating_min_messages = 30\n'
                       'kpi_targets = "share_in_norm=85%/70%"\n', encoding="utf-8")
    s = load_settings(env={}, secrets_path=secrets)
    assert (s.norm_hours, s.norm_mode, s.rating_min_messages) == (8, "working", 30)
    assert s.kpi_targets == "share_in_norm=85%/70%"


@pytest.mark.parametrize("env, fragment", [
    ({"RESPONSE_NORM_HOURS": "10"}, "норма ответа должна быть одной из"),
    ({"RESPONSE_NORM_HOURS": "сутки"}, "ожидалось целое число"),
    ({"RESPONSE_NORM_MODE": "weekly"}, "RESPONSE_NORM_MODE"),
])
def test_bad_values_are_explained_in_russian(tmp_path, env, fragment):
    with pytest.raises(SettingsError, match=fragment):
        load_settings(env=env, secrets_path=tmp_path / "none.toml")


def test_broken_secrets_file(tmp_path):
    bad = tmp_path / "secrets.toml"
    bad.write_text("norm_hours = = 8", encoding="utf-8")
    with pytest.raises(SettingsError, match="ошибка в формате TOML"):
        load_settings(env={}, secrets_path=bad)


def test_working_mode_label():
    assert Settings(norm_hours=8, norm_mode="working").norm_label == "8 ч рабочих (пн–пт 9:00–18:00)"


def test_signal_and_digest_settings(tmp_path):
    s = load_settings({"SMTP_STARTTLS": "false", "SIGNAL_SPIKE_Z": "4,5", "SMTP_PORT": "25",
                       "SIGNAL_SILENT_DAYS": "21"}, tmp_path / "none.toml")
    assert (s.smtp_starttls, s.signal_spike_z, s.smtp_port, s.signal_silent_days) == (False, 4.5, 25, 21)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('smtp_starttls = false\ntelegram_api_url = "http://127.0.0.1:9000"\n', encoding="utf-8")
    s = load_settings({}, secrets)
    assert (s.smtp_starttls, s.telegram_api_url) == (False, "http://127.0.0.1:9000")
    with pytest.raises(SettingsError, match="SMTP_STARTTLS='может быть': ожидалось true или false"):
        load_settings({"SMTP_STARTTLS": "может быть"}, tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="SIGNAL_SUBS_DROP_PCT='пять': ожидалось число"):
        load_settings({"SIGNAL_SUBS_DROP_PCT": "пять"}, tmp_path / "none.toml")


def test_one_norm_label_for_settings_and_queries():
    from queries.filters import Norm

    assert Norm(8, "working").label == Settings(norm_hours=8, norm_mode="working").norm_label
    assert Norm(12, "calendar").label == "12 ч календарных"
