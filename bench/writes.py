"""What writes cost: the same import into a region and a national database.

    .venv/bin/python bench/writes.py --region data/region.db --national data/national.db [--rounds 3]

For each SQLite database (copied to a temporary file first: the originals stay as they
are) it times, through the importer the CLI and the «Данные» page use:

- a file of 10 000 new messages spread over the database's year, on its own pages;
- a file of 10 stats snapshots (10 pages, one date in the last month).

Each round uses a fresh copy, so every import writes the same number of new rows. Prints
a Markdown table: median (quartiles) seconds per import, and the national / region ratio.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from dashboard.core import schema  # noqa: E402
from dashboard.core.db import make_engine  # noqa: E402
from dashboard.core.settings import Settings  # noqa: E402
from dashboard.writers.importing import importer  # noqa: E402

N_MESSAGES = 10_000
N_STATS = 10
TOPICS = ["Дороги", "ЖКХ", "Благоустройство", "Вывоз мусора", "Общественный транспорт", "Прочее"]


def _csv(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def files(engine, seed: int = 5) -> tuple[bytes, bytes]:
    """(messages file, stats file) for the pages and the year of this database."""
    rnd = random.Random(seed)
    p, m, ps = schema.page, schema.message, schema.page_stats
    with engine.connect() as conn:
        urls = conn.execute(select(p.c.url).where(p.c.platform.in_(("vk", "ok", "max")), p.c.closed_on.is_(None))
                            .order_by(p.c.id)).scalars().all()
        first, last = conn.execute(select(func.min(m.c.received_day), func.max(m.c.received_day))).one()
        stats_on = conn.execute(select(func.max(ps.c.on))).scalar() - timedelta(days=rnd.randint(1, 20))
    span = (last - first).days
    rows = []
    for i in range(N_MESSAGES):
        received = datetime.combine(first + timedelta(days=rnd.randint(0, span)), datetime.min.time()) + \
            timedelta(minutes=rnd.randint(0, 1439))
        answered = received + timedelta(minutes=rnd.randint(5, 3000)) if rnd.random() < 0.8 else None
        rows.append([f"bench-{seed}-{i}", rnd.choice(urls), received.strftime("%d.%m.%Y %H:%M"),
                     rnd.choice(TOPICS), answered.strftime("%d.%m.%Y %H:%M") if answered else ""])
    messages = _csv(["ID сообщения", "Ссылка на страницу", "Дата поступления", "Тема", "Дата ответа"], rows)
    stats = _csv(["Ссылка", "Дата", "Подписчики", "Публикации"],
                 [[url, stats_on.strftime("%d.%m.%Y"), rnd.randint(100, 90_000), rnd.randint(0, 30)]
                  for url in rnd.sample(urls, N_STATS)])
    return messages, stats


def time_import(db: Path, kind: str, data: bytes, name: str) -> float:
    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        copy = Path(tmp) / db.name
        shutil.copyfile(db, copy)
        engine = make_engine(f"sqlite:///{copy}")
        settings = Settings(import_max_mb=500)
        t0 = time.perf_counter()
        result = importer.import_file(engine, kind, data, file_name=name, settings=settings, add_to_demo=True)
        took = time.perf_counter() - t0
        engine.dispose()
        if not result.ok:
            raise SystemExit(f"{db.name}: {kind} rejected: {result.errors[:3]}")
        return took


def fmt(xs: list[float]) -> str:
    if len(xs) == 1:
        return f"{xs[0]:.2f}"
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return f"{q2:.2f} ({q1:.2f}–{q3:.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", required=True, type=Path)
    ap.add_argument("--national", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    dbs = {"region": args.region, "national": args.national}
    inputs = {}
    for scale, db in dbs.items():
        engine = make_engine(f"sqlite:///{db}")
        inputs[scale] = files(engine)
        engine.dispose()
    times = {(scale, kind): [] for scale in dbs for kind in ("messages", "stats")}
    for r in range(args.rounds):  # interleaved: a burst of load hits both scales alike
        for scale, db in dbs.items():
            messages, stats = inputs[scale]
            times[(scale, "messages")].append(time_import(db, "messages", messages, "messages.csv"))
            times[(scale, "stats")].append(time_import(db, "stats", stats, "stats.csv"))
            print(f"  round {r + 1} {scale}: messages {times[(scale, 'messages')][-1]:.2f} s, "
                  f"stats {times[(scale, 'stats')][-1]:.2f} s", file=sys.stderr)
    print(f"\nImport, s: median (quartiles) of {args.rounds}; each on a fresh copy of the database\n")
    print("| file | region | national | national / region |")
    print("|---|---:|---:|---:|")
    for kind, label in (("messages", f"{N_MESSAGES:,} messages over the year".replace(",", " ")),
                        ("stats", f"{N_STATS} stats rows")):
        reg, nat = times[("region", kind)], times[("national", kind)]
        print(f"| {label} | {fmt(reg)} | {fmt(nat)} | {statistics.median(nat) / statistics.median(reg):.2f}× |")


if __name__ == "__main__":
    main()
