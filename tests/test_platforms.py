"""The platform registry: every platform complete, its users take it from there."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date

import pandas as pd
import pytest

from dashboard import cli
from dashboard.core import platforms
from dashboard.core.platforms import PLATFORMS, page_ref
from dashboard.presentation import charts
from dashboard.writers import collect
from dashboard.writers.demo import activity, entities
from dashboard.writers.importing.values import parse_platform


@pytest.mark.parametrize("code", list(PLATFORMS))
def test_every_platform_has_every_attribute(code):
    p = PLATFORMS[code]
    assert p.code == code and 1 <= len(code) <= 8  # page.platform is String(8)
    assert re.fullmatch(r"[А-ЯЁA-Z][\w ]+", p.label)
    assert re.fullmatch(r"#[0-9a-f]{6}", p.color)
    assert p.hosts and all("." in h and h == h.lower() for h in p.hosts + p.old_hosts)
    assert isinstance(p.carries_messages, bool)
    assert p.collector is None or p.collector in collect.SOURCES
    for f in fields(p):
        assert getattr(p, f.name) is not None or f.name == "collector", f.name
    # The page URL the platform builds leads back to the same page.
    ref = page_ref(p.url_of_id("12345"))
    assert (ref.platform, ref.external_id) == (code, "12345")
    # Its code and label are accepted in imported files.
    assert parse_platform(p.label) == parse_platform(code) == code


def test_registry_values():
    assert platforms.CODES == ("vk", "ok", "max", "tg")
    assert platforms.LABELS == {"vk": "ВКонтакте", "ok": "Одноклассники", "max": "MAX", "tg": "Telegram"}
    assert platforms.MESSAGE_PLATFORMS == ("vk", "ok", "max")
    assert platforms.COLLECTED == ("vk", "ok")
    assert len({p.color for p in PLATFORMS.values()}) == len(PLATFORMS)
    assert len(platforms.HOSTS) == sum(len(p.hosts + p.old_hosts) for p in PLATFORMS.values())


def test_hosts_and_ids():
    assert [platforms.host_platform(h) for h in ("www.vk.com", "m.ok.ru", "web.telegram.me", "MAX.RU",
                                                 "example.com", "")] == ["vk", "ok", "tg", "max", None, None]
    assert platforms.normalise_external_id("vk", "club123") == "123"
    assert platforms.normalise_external_id("ok", "-77") == "77"
    assert platforms.normalise_external_id("tg", "@Channel") == "channel"
    assert platforms.normalise_external_id("max", "Adm/Nsk") == "adm/nsk"
    with pytest.raises(ValueError, match="vk.com, vk.ru, ok.ru, max.ru или t.me"):
        page_ref("https://example.com/page")


def test_ordered_keeps_unknown_codes_last():
    assert platforms.ordered(["tg", "zz", "vk", "tg"]) == ["vk", "tg", "zz"]
    assert platforms.label("zz") == "zz"


def test_users_take_their_choices_from_the_registry():
    collect_parser = cli.build_parser()._subparsers._group_actions[0].choices["collect"]
    source = next(a for a in collect_parser._actions if a.dest == "source")
    assert tuple(source.choices) == platforms.COLLECTED
    assert set(collect.SOURCES) == {p.collector for p in PLATFORMS.values() if p.collector}
    assert activity.MESSAGE_PLATFORMS == platforms.MESSAGE_PLATFORMS
    assert set(activity.MESSAGE_WEIGHT) == set(platforms.MESSAGE_PLATFORMS)
    assert sorted(entities.GENERATION_ORDER) == sorted(platforms.CODES)


def _color_scale(spec) -> dict:
    enc = spec["layer"][0]["encoding"] if "layer" in spec else spec["encoding"]
    scale = enc["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"]))


def test_charts_cannot_drop_a_platforms_rows():
    """Every platform present in the data gets a colour, an unknown code included."""
    codes = [*platforms.CODES, "new"]
    labels = [platforms.label(c) for c in codes]
    by_platform = pd.DataFrame({"platform": codes, "platform_label": labels,
                                "messages": range(1, len(codes) + 1)})
    expected = {**{p.label: p.color for p in PLATFORMS.values()}, "new": charts.NEUTRAL}
    assert _color_scale(charts.platform_bars(by_platform).to_dict()) == expected

    week = date(2026, 9, 7)
    series = pd.DataFrame({"period": [week] * len(codes), "key": codes, "label": labels,
                           "messages": [3] * len(codes)})
    assert _color_scale(charts.by_platform_area(series).to_dict()) == expected

    subs = pd.DataFrame({"period": [week] * len(codes), "platform": codes, "platform_label": labels,
                         "subscribers": [10] * len(codes)})
    assert _color_scale(charts.subscribers_trend(subs).to_dict()) == expected
