"""HTTP JSON client for the VK and OK APIs: rate limiting, retries with backoff.

The client knows nothing about either API's methods; it is given a function that
extracts ``(code, message)`` from an error payload and the sets of codes that are
worth retrying. ``sleep`` and ``clock`` are injectable so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping

import requests

ErrorExtractor = Callable[[object], "tuple[int, str] | None"]


class ApiError(RuntimeError):
    """The API answered with an error object."""

    def __init__(self, code: int, message: str, method: str):
        super().__init__(f"{method}: ошибка API {code}: {message}")
        self.code = code
        self.api_message = message
        self.method = method


class NetworkError(RuntimeError):
    """The API could not be reached after all retries (message in Russian)."""


class RateLimiter:
    """At most ``rate`` calls per second, spaced evenly (1/rate s apart)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    def wait(self) -> None:
        """Block until the next call is allowed, then reserve the slot after it."""
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class JsonClient:
    """POSTs form parameters to a URL and returns the decoded JSON, retrying what is transient.

    Retried: connection failures, timeouts, HTTP 5xx, undecodable bodies, and API
    errors whose code is in ``retry_codes``. Waits ``backoff * 2**attempt`` seconds
    between attempts, at most ``retries`` retries. Other API errors raise ApiError.
    """

    def __init__(self, *, error_of: ErrorExtractor, retry_codes: Collection[int],
                 rate: float = 3.0, retries: int = 5, backoff: float = 1.0, timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 session: requests.Session | None = None):
        self.error_of = error_of
        self.retry_codes = frozenset(retry_codes)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep
        self.limiter = RateLimiter(rate, clock=clock, sleep=sleep)
        self.session = session or requests.Session()
        self.requests_made = 0

    def call(self, url: str, params: Mapping[str, object], method: str) -> object:
        """One API call; ``method`` names it in error messages."""
        attempt = 0
        while True:
            try:
                payload = self._request(url, params)
            except _Transient as e:
                failure: Exception = e
            else:
                err = self.error_of(payload)
                if err is None:
                    return payload
                code, msg = err
                failure = ApiError(code, msg, method)
                if code not in self.retry_codes:
                    raise failure
            if attempt >= self.retries:
                if isinstance(failure, ApiError):
                    raise failure
                raise NetworkError(
                    f"{method}: API недоступно после {self.retries + 1} попыток ({failure}). "
                    "Проверьте сеть и адрес API; повторный запуск продолжит сбор с места остановки."
                ) from failure
            self.sleep(self.backoff * 2 ** attempt)
            attempt += 1

    def _request(self, url: str, params: Mapping[str, object]) -> object:
        self.limiter.wait()
        self.requests_made += 1
        try:
            resp = self.session.post(url, data=dict(params), timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as e:
            raise _Transient(f"сбой соединения: {type(e).__name__}") from e
        if resp.status_code >= 500:
            raise _Transient(f"HTTP {resp.status_code}")
        try:
            return resp.json()
        except ValueError as e:
            if resp.status_code >= 400:
                raise NetworkError(
                    f"{url}: сервер ответил HTTP {resp.status_code}. Проверьте адрес API в настройках."
                ) from e
            raise _Transient("ответ не в формате JSON") from e


class _Transient(Exception):
    """A failure worth retrying (network, 5xx, garbled body)."""
