"""Load test: N concurrent browser sessions against the app on 127.0.0.1 (e.g. the nginx of
scripts/start-cluster.sh in front of two app servers on one PostgreSQL).

    .venv/bin/python bench/load.py --url http://127.0.0.1:8501 --sessions 30 [--pages 9]

Each session is its own Chromium context (own cookies, so nginx's sticky cookie spreads the
sessions over the app servers) and opens the app's pages one after another, as a person
clicking through the menu would; all sessions start together. A page's time is from
navigation to Streamlit's script having finished with the title drawn (tests/browser.py);
an error is an exception or error box on the page, «Page not found», or a timeout.
Prints per page: visits, median, 90th percentile and worst time, errors.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402

TIMEOUT_MS = 180_000


async def session(br, base: str, pages: list[tuple[str, str]], results: list, n: int) -> None:
    context = await br.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")

    async def guard(route):
        if browser.is_local(route.request.url):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", guard)
    page = await context.new_page()
    for url, title in pages:
        t0 = time.perf_counter()
        error = None
        try:
            await page.goto(f"{base}/{url}", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
            await page.wait_for_selector(browser.IDLE_SELECTOR, timeout=TIMEOUT_MS)
            await page.wait_for_selector('[data-testid="stMain"] h1', timeout=TIMEOUT_MS)
            await page.wait_for_selector(browser.IDLE_SELECTOR, timeout=TIMEOUT_MS)
            found = [await e.inner_text() for e in await page.locator(browser.ERROR_SELECTOR).all()]
            if await page.get_by_text(browser.PAGE_NOT_FOUND, exact=True).count():
                found.append(browser.PAGE_NOT_FOUND)
            if found:
                error = found[0][:120]
        except Exception as e:  # a timeout or a dropped connection counts as an error
            error = f"{type(e).__name__}: {str(e)[:120]}"
        results.append((title, time.perf_counter() - t0, error, n))
    await context.close()


async def run(base: str, sessions: int, n_pages: int) -> list:
    from playwright.async_api import async_playwright

    pages = browser.app_pages()[:n_pages]
    results: list = []
    async with async_playwright() as pw:
        br = await pw.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True,
                                      args=browser.CHROMIUM_ARGS)
        t0 = time.perf_counter()
        await asyncio.gather(*[session(br, base, pages, results, i) for i in range(sessions)])
        total = time.perf_counter() - t0
        await br.close()
    print(f"\n{sessions} sessions × {len(pages)} pages against {base}: {total:.0f} s in all\n")
    return results


def report(results: list) -> None:
    print("| page | visits | median, s | 90 %, s | worst, s | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    titles = list(dict.fromkeys(r[0] for r in results))
    for title in titles:
        rows = [r for r in results if r[0] == title]
        ok = sorted(r[1] for r in rows if r[2] is None)
        errs = [r[2] for r in rows if r[2] is not None]
        p90 = statistics.quantiles(ok, n=10, method="inclusive")[-1] if len(ok) >= 2 else (ok[0] if ok else float("nan"))
        med = statistics.median(ok) if ok else float("nan")
        worst = ok[-1] if ok else float("nan")
        print(f"| {title} | {len(rows)} | {med:.1f} | {p90:.1f} | {worst:.1f} | {len(errs)} |")
    errors = [r for r in results if r[2] is not None]
    for title, _t, err, n in errors[:10]:
        print(f"  session {n}, {title}: {err}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--pages", type=int, default=9, help="how many of the menu's pages each session opens")
    args = ap.parse_args()
    report(asyncio.run(run(args.url.rstrip("/"), args.sessions, args.pages)))


if __name__ == "__main__":
    main()
