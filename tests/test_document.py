"""The app's HTML document is Russian before Streamlit's scripts run (dashboard/ui/document.py).

The calendar of «Свой период» takes its months, weekday letters and first weekday from
``navigator.language`` when Streamlit's scripts load; a script in the page came too late, and in
an English browser it read «S M T W T F S» (tests/test_browser_views.py checks it in Chromium
with both languages; these check the rewrite itself)."""

from __future__ import annotations

import asyncio
import gzip

from dashboard.ui.document import LOCALE_SCRIPT, RussianDocument, russian

INDEX = (b'<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n'
         b'    <script type="module" src="./static/js/index.js"></script>\n  </head>\n</html>\n')


def test_the_document_is_russian_and_says_so_first():
    out = russian(INDEX)
    assert b'<html lang="ru">' in out and b'lang="en"' not in out
    head = out.index(b"<head>") + len(b"<head>")
    assert out[head:head + len(LOCALE_SCRIPT)] == LOCALE_SCRIPT  # before the app's scripts
    assert out.index(LOCALE_SCRIPT) < out.index(b"static/js/index.js")
    assert b"navigator, 'language', {get: () => 'ru-RU'" in LOCALE_SCRIPT
    assert russian(b"not a document") == b"not a document"


def serve(method: str, content_type: bytes, chunks: list[bytes], extra: list | None = None):
    """(status, headers, body) the middleware sends for a response of Streamlit's stand-in."""
    async def streamlit_server(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", content_type), (b"content-length", str(sum(map(len, chunks))).encode()),
            (b"etag", b'"1c69"'), (b"last-modified", b"Mon, 30 Nov 2026 06:23:35 GMT"), *(extra or [])]})
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": method, "path": "/", "raw_path": b"/", "query_string": b"", "headers": []}
    asyncio.run(RussianDocument(streamlit_server)(scope, receive, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


def test_the_middleware_rewrites_the_html_it_serves_and_nothing_else():
    status, headers, body = serve("GET", b"text/html; charset=utf-8", [INDEX[:40], INDEX[40:]])
    assert status == 200 and body == russian(INDEX)
    assert headers[b"content-length"] == str(len(russian(INDEX))).encode()
    assert b"etag" not in headers and b"last-modified" not in headers  # they name the English bytes

    script = b'console.log("<head>")'
    assert serve("GET", b"text/javascript", [script]) == (200, {
        b"content-type": b"text/javascript", b"content-length": str(len(script)).encode(), b"etag": b'"1c69"',
        b"last-modified": b"Mon, 30 Nov 2026 06:23:35 GMT"}, script)
    # Streamlit gzips index.html at a page's address (/reiting): it is unpacked, rewritten, sent plain.
    _, headers, body = serve("GET", b"text/html", [gzip.compress(INDEX)], [(b"content-encoding", b"gzip")])
    assert body == russian(INDEX) and b"content-encoding" not in headers
    assert headers[b"content-length"] == str(len(body)).encode()
    assert serve("GET", b"text/html", [INDEX], [(b"content-encoding", b"br")])[2] == INDEX  # unknown coding: as it is
    assert serve("HEAD", b"text/html", [b""])[1][b"etag"] == b'"1c69"'  # a HEAD is passed on as it is
