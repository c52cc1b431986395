"""The app's HTML document in Russian before any of Streamlit's scripts runs.

Streamlit serves one index.html, ``<html lang="en">``, and has no option for its language.
Two things read it: screen readers and hyphenation (``lang``), and the calendar of
st.date_input, whose months, weekday letters and first day of the week come from
``navigator.language`` — read once, when Streamlit's scripts load: in an English browser
«Свой период» showed «October», «S M T W T F S», Sunday first. A script in the page itself
(st.html) comes too late for that, so the server (dashboard/ui/serve.py) rewrites the document
on its way out: ``lang="ru"``, and a first script in <head> that makes ``navigator.language``
Russian for the app's scripts.
"""

from __future__ import annotations

import gzip

LOCALE = "ru-RU"
_HTML_EN = b'<html lang="en">'
_HTML_RU = b'<html lang="ru">'
_HEAD = b"<head>"
_DROPPED = (b"content-length", b"content-encoding", b"etag", b"last-modified")
LOCALE_SCRIPT = (
    "<script>if (!navigator.language.startsWith('ru')) {"
    f"Object.defineProperty(navigator, 'language', {{get: () => '{LOCALE}', configurable: true}});"
    f"Object.defineProperty(navigator, 'languages', {{get: () => ['{LOCALE}', 'ru'], configurable: true}});"
    "}</script>").encode()


def russian(document: bytes) -> bytes:
    """index.html with ``lang="ru"`` and LOCALE_SCRIPT first in <head> (unchanged when it has
    no <head>)."""
    if _HEAD not in document:
        return document
    return document.replace(_HTML_EN, _HTML_RU, 1).replace(_HEAD, _HEAD + LOCALE_SCRIPT, 1)


class RussianDocument:
    """ASGI middleware: every text/html response to a GET goes through ``russian`` (the app's
    index.html is the only one: 8 KB, sent whole and uncompressed; Streamlit gzips it at a
    page's address such as /reiting, so a gzipped one is unpacked first). Its validators go
    with the original bytes (a 304 would keep a cached English copy), so they are dropped."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body: list[bytes] = []

        async def rewrite(message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html") \
                        or headers.get(b"content-encoding", b"gzip") != b"gzip":
                    await send(message)
                    return
                start.update(message)
                return
            if not start or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            document = b"".join(body)
            headers = start.get("headers") or []
            if (b"content-encoding", b"gzip") in ((k.lower(), v) for k, v in headers):
                document = gzip.decompress(document)
            document = russian(document)
            headers = [(k, v) for k, v in headers if k.lower() not in _DROPPED]
            headers.append((b"content-length", str(len(document)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": document})

        await self.app(scope, receive, rewrite)
