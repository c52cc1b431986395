"""The HTTP client (rate limit, retries, backoff) and the topic classifier; no database."""

from __future__ import annotations

import socket

import pytest

from dashboard.writers.collect.client import ApiError, NetworkError, RateLimiter
from dashboard.writers.collect.topics import classify, normalise
from dashboard.writers.collect.vk import group_key, make_client
from tests.fakeapi import FakeApi, FakeClock, serve


def test_rate_limiter_spaces_calls():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(7):
        limiter.wait()
        times.append(clock.now)
    # 3 per second, evenly spaced: the 4th call starts one second after the 1st.
    assert times == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2])


def test_rate_limiter_does_not_wait_after_a_pause():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now = 10
    limiter.wait()
    assert clock.sleeps == []


def _client(clock, **kw):
    return make_client(sleep=clock.sleep, clock=clock, **kw)


def test_retries_rate_errors_then_succeeds():
    clock = FakeClock()
    with serve(FakeApi(vk_groups={1: {"id": 1}})) as api:
        api.fail("groups.getById", 6)
        api.fail("groups.getById", 9)
        api.fail("groups.getById", 29)
        payload = _client(clock).call(f"{api.vk_url}/groups.getById", {"group_ids": "1"}, "groups.getById")
    assert payload == {"response": {"groups": [{"id": 1}], "profiles": []}}
    assert clock.backoffs() == [1, 2, 4]
    assert len(api.calls) == 4


def test_retries_are_bounded():
    clock = FakeClock()
    with serve() as api:
        api.fail("wall.get", 6, times=10)
        with pytest.raises(ApiError) as exc:
            _client(clock, retries=3).call(f"{api.vk_url}/wall.get", {"owner_id": "-1"}, "wall.get")
    assert exc.value.code == 6
    assert clock.backoffs() == [1, 2, 4]
    assert len(api.calls) == 4


def test_other_api_errors_are_not_retried():
    clock = FakeClock()
    with serve() as api:
        api.fail("wall.get", 5)
        with pytest.raises(ApiError, match="ошибка API 5"):
            _client(clock).call(f"{api.vk_url}/wall.get", {"owner_id": "-1"}, "wall.get")
    assert clock.backoffs() == [] and len(api.calls) == 1


def test_dropped_connection_is_retried():
    clock = FakeClock()
    with serve(FakeApi(walls={1: []})) as api:
        api.drop("wall.get", times=2)
        payload = _client(clock).call(f"{api.vk_url}/wall.get", {"owner_id": "-1"}, "wall.get")
    assert payload == {"response": {"count": 0, "items": []}}
    assert clock.backoffs() == [1, 2]


def test_unreachable_server_gives_russian_network_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = FakeClock()
    with pytest.raises(NetworkError, match="API недоступно после 3 попыток"):
        _client(clock, retries=2).call(f"http://127.0.0.1:{port}/method/wall.get", {}, "wall.get")
    assert clock.backoffs() == [1, 2]


def test_wrong_url_fails_at_once():
    clock = FakeClock()
    with serve() as api:
        with pytest.raises(NetworkError, match="HTTP 404"):
            _client(clock).call(f"{api.base_url}/nowhere", {}, "wall.get")
    assert clock.backoffs() == []


@pytest.mark.parametrize("external_id, key", [
    ("123", "123"), ("-123", "123"), ("club123", "123"), ("public123", "123"), (" Adm_Berdsk ", "adm_berdsk"),
])
def test_group_key(external_id, key):
    assert group_key(external_id) == key


@pytest.mark.parametrize("text, topic", [
    ("Когда отремонтируют дорогу? Одни ямы", "roads"),
    ("В подъезде течёт крыша, управляющая компания молчит", "housing"),
    ("Во дворе сломана детская площадка", "improvement"),
    ("Мусор не вывозят, контейнеры переполнены", "waste"),
    ("Автобус 12 не ходит по расписанию", "transport"),
    ("Не могу записаться к врачу в поликлинике", "health"),
    ("В школе холодно, детский сад закрыт", "education"),
    ("Когда придёт пособие многодетным?", "social"),
    ("Гололёд, сосульки, снег не убирают", "snow"),
    ("Нет горячей воды и батареи холодные", "heat_water"),
    ("Спасибо за информацию!", "other"),
    ("", "other"),
    # tie (уборка → snow, мусор → waste): the earlier topic in the catalogue wins
    ("Уборка мусора", "waste"),
])
def test_classify(text, topic):
    assert classify(text) == topic


def test_normalise():
    assert normalise("  Ёлки-палки!!  ЖКХ ") == "елки палки жкх"
