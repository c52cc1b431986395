"""Incremental summary refresh equals a full rebuild, after random writes (property-style).

A seeded random walk of writes on the fixture, each followed by the partial refresh a
writer would do; after every step the summary tables and the pages' latest figures must
equal what a full rebuild gives. Both backends. Messages take the delta of the rows
written (stored versions staged out before the write, written versions in after it), as
the importer and the collector do. Subscribers either rebuild what the write touched
(``rebuild``: the subscriber groups from the first date written) or take the delta of the
snapshots written (``delta``).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from dashboard.core import schema
from dashboard.core.message_fields import message_times
from dashboard.writers import summary
from tests.fixture_data import BAGAN, NSK, NSK_DISTRICT, TOPIC_ID, TZ

MUNICIPALITIES = (NSK, NSK_DISTRICT, BAGAN, 7, None)
STEPS = 40


def _rows(conn, table):
    cols = [c for c in table.c if c.name != "id"]
    return sorted(conn.execute(select(*cols)).all(), key=lambda r: tuple(str(v) for v in r))


def _diff(a, b) -> str:
    """Rows only in the partial / only in the full result, per table (for failure messages)."""
    return "; ".join(f"table {i}: partial-only {sorted(set(x) - set(y), key=str)[:4]} "
                     f"full-only {sorted(set(y) - set(x), key=str)[:4]}"
                     for i, (x, y) in enumerate(zip(a, b)) if x != y)


def _state(conn):
    p = schema.page
    latest = conn.execute(select(p.c.id, p.c.last_subscribers, p.c.last_stats_on).order_by(p.c.id)).all()
    return [_rows(conn, t) for t in (*schema.MSG_ROLLUPS, schema.subs_daily)] + [latest]


class Walk:
    """Random writes; each returns what the writer passes to the summary refresh."""

    def __init__(self, conn, rnd: random.Random, mode: str = "rebuild"):
        self.conn, self.rnd, self.mode = conn, rnd, mode
        self.next_message = 10_000
        self.next_page = 1_000

    def _pages(self, message_platforms=True):
        p = schema.page
        stmt = select(p.c.id, p.c.platform, p.c.municipality_id)
        if message_platforms:
            stmt = stmt.where(p.c.platform.in_(("vk", "ok", "max")))
        return self.conn.execute(stmt.order_by(p.c.id)).all()

    def _day(self) -> date:
        return date(2026, 9, 20) + timedelta(days=self.rnd.randint(0, 80))

    def _message_row(self, page) -> dict:
        received = datetime.combine(self._day(), datetime.min.time()) + timedelta(minutes=self.rnd.randint(0, 1439))
        answered = None if self.rnd.random() < 0.3 else received + timedelta(minutes=self.rnd.randint(1, 4000))
        status = "answered" if answered else self.rnd.choice(("new", "in_work", "closed"))
        self.next_message += 1
        return {"id": self.next_message, "platform": page.platform, "external_id": f"r{self.next_message}",
                "page_id": page.id, "municipality_id": page.municipality_id,
                "topic_id": self.rnd.choice(list(TOPIC_ID.values())), "kind": "comment",
                "received_at": received, "first_response_at": answered, "status": status,
                "photo_report": answered is not None and self.rnd.random() < 0.3,
                "satisfaction": self.rnd.choice((None, 1, 0, -1)), **message_times(received, answered, TZ)}

    def _delta(self, before=(), after=(), new=()):
        """Stage the stored versions (ids) out, run the write, stage them and the new rows
        ((platform, external id)) in, apply."""
        summary.begin_message_delta(self.conn)
        summary.stage_message_ids(self.conn, before, -1)
        yield
        summary.stage_message_ids(self.conn, after, +1)
        summary.stage_message_keys(self.conn, new, +1)
        summary.apply_message_delta(self.conn)
        yield

    def insert_messages(self):
        rows = [self._message_row(self.rnd.choice(self._pages())) for _ in range(self.rnd.randint(1, 12))]
        steps = self._delta(new=[(r["platform"], r["external_id"]) for r in rows])
        next(steps)
        self.conn.execute(insert(schema.message), rows)
        next(steps)
        return {}

    def update_messages(self):
        m = schema.message
        ids = self.conn.execute(select(m.c.id).order_by(m.c.id)).scalars().all()
        chosen = self.rnd.sample(ids, min(len(ids), self.rnd.randint(1, 6)))
        steps = self._delta(before=chosen, after=chosen)
        next(steps)
        self._update(chosen)
        next(steps)
        return {}

    def _update(self, chosen):
        m = schema.message
        for mid in chosen:
            old = self.conn.execute(select(m).where(m.c.id == mid)).mappings().one()
            page = self.rnd.choice(self._pages())
            new = self._message_row(page)
            change = self.rnd.choice(("topic", "answer", "day", "page"))
            values = {"topic": {"topic_id": new["topic_id"]},
                      "answer": {k: new[k] for k in ("first_response_at", "status", "response_minutes",
                                                       "response_work_minutes", "photo_report")},
                      "day": {k: new[k] for k in ("first_response_at", "status", "received_at", "received_day",
                                                    "received_hour", "response_minutes",
                                                    "response_work_minutes")},
                      "page": {"page_id": page.id, "municipality_id": page.municipality_id,
                               "platform": page.platform}}[change]
            if change == "answer" and new["first_response_at"] is not None and \
                    new["first_response_at"] < old["received_at"]:
                continue
            if change == "page" and self.conn.execute(select(m.c.id).where(
                    m.c.platform == page.platform, m.c.external_id == old["external_id"])).first():
                continue
            self.conn.execute(update(m).where(m.c.id == mid).values(**values))

    def move_page(self):
        """A page moves to another municipality, taking its messages along (as the importer)."""
        p, m, ps = schema.page, schema.message, schema.page_stats
        page = self.rnd.choice(self._pages(message_platforms=False))
        target = self.rnd.choice([x for x in MUNICIPALITIES if x != page.municipality_id])
        ids = self.conn.execute(select(m.c.id).where(m.c.page_id == page.id)).scalars().all()
        groups = summary.page_groups(self.conn, [page.id])
        steps = self._delta(before=ids, after=ids)
        next(steps)
        self.conn.execute(update(p).where(p.c.id == page.id).values(municipality_id=target))
        self.conn.execute(update(m).where(m.c.page_id == page.id).values(municipality_id=target))
        next(steps)
        groups |= summary.page_groups(self.conn, [page.id])
        since = self.conn.execute(select(func.min(ps.c.on)).where(ps.c.page_id == page.id)).scalar()
        return {"since": since, "groups": groups, "pages": [page.id]}

    def write_stats(self, new_page: bool = False):
        """Snapshots of a few pages (new or corrected), on existing or new dates; or a new
        page of a group that did not exist, with its first snapshot."""
        ps, p = schema.page_stats, schema.page
        if new_page:
            self.next_page += 1
            platform = self.rnd.choice(("vk", "ok", "max", "tg"))
            self.conn.execute(insert(p), [{
                "id": self.next_page, "platform": platform, "external_id": f"np{self.next_page}", "url": "u",
                "title": "Новая", "organisation_id": 2, "municipality_id": self.rnd.choice((7, 12, None, NSK)),
                "verified": False, "gospubliki": False}])
            pages = [self.next_page]
        else:
            pages = [pg.id for pg in self.rnd.sample(self._pages(False), self.rnd.randint(1, 3))]
        existing_dates = self.conn.execute(select(ps.c.on).distinct()).scalars().all()
        rows = []
        for pid in pages:
            on = self.rnd.choice(existing_dates) if existing_dates and self.rnd.random() < 0.5 else self._day()
            rows.append({"page_id": pid, "on": on, "subscribers": self.rnd.randint(0, 5000),
                         **{k: self.rnd.randint(0, 50) for k in schema.FLOWS}})
        if self.mode == "delta":
            summary.begin_subscriber_delta(self.conn, pages, [r["on"] for r in rows])
        for r in rows:
            exists = self.conn.execute(select(ps.c.page_id).where(
                ps.c.page_id == r["page_id"], ps.c.on == r["on"])).first()
            if exists:
                self.conn.execute(update(ps).where(ps.c.page_id == r["page_id"], ps.c.on == r["on"])
                                  .values(**{k: v for k, v in r.items() if k not in ("page_id", "on")}))
            else:
                self.conn.execute(insert(ps), [r])
        if self.mode == "delta":
            summary.apply_subscriber_delta(self.conn)
            return {}
        return {"since": min(r["on"] for r in rows), "groups": summary.page_groups(self.conn, pages),
                "pages": pages}

    def step(self):
        op = self.rnd.choice((self.insert_messages, self.update_messages, self.move_page,
                              self.write_stats, lambda: self.write_stats(new_page=True)))
        return op.__name__ if hasattr(op, "__name__") else "new_page", op()


@pytest.mark.parametrize("seed,mode", [(1, "rebuild"), (2, "rebuild"), (1, "delta"), (3, "delta")])
def test_incremental_refresh_equals_full_rebuild(fixture_engine, seed, mode):
    rnd = random.Random(seed)
    with fixture_engine.begin() as conn:
        walk = Walk(conn, rnd, mode)
        for i in range(STEPS):
            name, touched = walk.step()
            if touched.get("since") is not None:
                summary.refresh_subscribers(conn, since=touched["since"], groups=touched["groups"],
                                            pages=touched["pages"])
            partial = _state(conn)
            summary.rebuild_all(conn)
            full = _state(conn)
            assert full == partial, f"step {i}: {name} {touched}: {_diff(partial, full)}"


def test_subscriber_refresh_of_every_group_equals_full_rebuild(fixture_engine):
    """The collector's refresh (every group, from its run day) after the same random walk."""
    rnd = random.Random(7)
    with fixture_engine.begin() as conn:
        walk = Walk(conn, rnd)
        for i in range(STEPS // 2):
            touched = walk.write_stats(new_page=rnd.random() < 0.3)
            summary.refresh_subscribers(conn, since=touched["since"])
            partial = _state(conn)
            summary.rebuild_all(conn)
            full = _state(conn)
            assert full == partial, f"step {i}: {touched}: {_diff(partial, full)}"
