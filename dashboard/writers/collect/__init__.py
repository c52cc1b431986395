"""Collection from the VK and OK APIs: ``python -m dashboard collect vk|ok [--days N]``.

``make_source`` builds a source from the settings (a missing token is a
``MissingToken`` with a Russian message); ``CollectionRun`` does the work (see
``runner``); ``run_cli`` adds a progress bar and prints the summary.
"""

from __future__ import annotations

import sys

from sqlalchemy import Engine

from dashboard.core.platforms import PLATFORMS
from dashboard.core.settings import Settings, get_settings
from dashboard.writers.collect import ok, vk
from dashboard.writers.collect.client import ApiError, NetworkError
from dashboard.writers.collect.runner import CollectionRun, RunReport

__all__ = ["CollectionRun", "MissingToken", "RunReport", "collect", "make_source", "run_cli"]


class MissingToken(ValueError):
    """A credential the source needs is not configured (message in Russian)."""


def _vk_source(settings: Settings, client_options: dict):
    if not settings.vk_token:
        raise MissingToken(
            "не задан токен VK: укажите его в переменной окружения VK_TOKEN "
            "(или vk_token в .streamlit/secrets.toml)."
        )
    return vk.VkSource(settings.vk_api_url, settings.vk_token, vk.make_client(**client_options))


def _ok_source(settings: Settings, client_options: dict):
    missing = [var for var, value in (("OK_ACCESS_TOKEN", settings.ok_access_token),
                                          ("OK_APPLICATION_KEY", settings.ok_application_key),
                                          ("OK_SECRET_KEY", settings.ok_secret_key)) if not value]
    if missing:
        raise MissingToken(
            f"не заданы ключи OK: {', '.join(missing)} — укажите их в переменных окружения "
            "(или в .streamlit/secrets.toml)."
        )
    return ok.OkSource(settings.ok_api_url, settings.ok_access_token, settings.ok_application_key,
                       settings.ok_secret_key, ok.make_client(**client_options))


# The collectors named in the platform registry (dashboard.core.platforms, ``collector``).
SOURCES = {"vk": _vk_source, "ok": _ok_source}


def make_source(name: str, settings: Settings, **client_options):
    """The source of the platform ``name`` (a code in ``platforms.COLLECTED``) configured
    from ``settings``.

    ``client_options`` go to ``client.JsonClient`` (``rate``, ``retries``, ``backoff``,
    ``sleep``, ``clock``, ``timeout``); the rate defaults to ``settings.collect_rate``
    (``COLLECT_RATE``) requests per second.
    """
    client_options.setdefault("rate", settings.collect_rate)
    platform = PLATFORMS.get(name)
    if platform is None or platform.collector not in SOURCES:
        raise ValueError(f"unknown source {name!r}")
    return SOURCES[platform.collector](settings, client_options)


def collect(engine: Engine, name: str, *, days: int = 3, settings: Settings | None = None,
            now=None, **client_options) -> RunReport:
    """Run one collection to the end and return its report (for the app and tests)."""
    settings = settings or get_settings()
    source = make_source(name, settings, **client_options)
    return CollectionRun(engine, source, days=days, tz=settings.tz, now=now).run()


def run_cli(engine: Engine, args) -> int:
    """``collect vk|ok [--days N]``: progress bar on stderr, Russian summary on stdout.

    Exit codes: 0 done (skipped pages are listed in the summary), 1 the API failed
    (a rerun continues where this run stopped), 2 configuration error.
    """
    from tqdm import tqdm

    settings = get_settings()
    if args.days < 1:
        print(f"Ошибка: --days {args.days}: число дней должно быть не меньше 1.", file=sys.stderr)
        return 2
    try:
        source = make_source(args.source, settings)
    except MissingToken as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 2
    from dashboard.writers.users import cli_actor

    run = CollectionRun(engine, source, days=args.days, tz=settings.tz, user=cli_actor())
    with tqdm(total=len(run.pending), desc=f"Сбор {source.label}", unit="стр.", file=sys.stderr) as bar:
        try:
            for result in run.pages():
                bar.set_postfix_str(result.target.title[:40], refresh=False)
                bar.update()
        except (ApiError, NetworkError) as e:
            bar.close()
            done = len(run.results)
            print(f"Ошибка: {e}\nСбор прерван после {done} стр.; собранное сохранено, "
                  "повторный запуск сегодня продолжит с места остановки.", file=sys.stderr)
            return 1
    print(run.finish().text())
    return 0
