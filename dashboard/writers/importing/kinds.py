"""The three kinds of import: pages, stats, messages.

The importer reads a file in chunks of rows, all inside one transaction; each kind
does these steps, keeping what spans chunks in ``state`` (a dict per import):

- ``parse``: one file row → ``Candidate`` (key + values of the columns present), or
  None after recording the row's problems; a key repeated in the file is reported by
  the importer in the column ``duplicate`` names (``check_chunk`` does both for a chunk; the
  messages and stats kinds check their chunks column by column, see ``columnar.py``);
- ``plan``: compare a chunk's candidates with the rows already stored under their keys;
  the file's values win, columns absent from the file keep the stored values (or
  defaults for new rows); consistency problems are recorded against the row;
- ``write``: insert a chunk's new rows, update its changed ones;
- ``finish``: once, after the last chunk: keep the summaries current; returns notes for
  the user (organisations created, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import NamedTuple

import numpy as np
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from dashboard.core import platforms, schema
from dashboard.core.db import is_postgres, sql_text, upsert
from dashboard.core.formatting import num
from dashboard.core.message_fields import Zone, message_times, message_times_arrays
from dashboard.writers import summary
from dashboard.writers.importing import bulk
from dashboard.writers.importing import stored as stored_rows
from dashboard.writers.importing.columnar import Columns
from dashboard.writers.importing.columns import MESSAGES, PAGES, STATS, Header, Spec
from dashboard.writers.importing.read import Row
from dashboard.writers.importing.rows import (
    Candidate,
    Context,
    Problems,
    RowReader,
    SeenKeys,
    repeated_text,
    resolve_page,
)
from dashboard.writers.importing.stored import StoredMessages
from dashboard.writers.importing.values import (
    infer_org_kind,
    norm,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    parse_message_kind,
    parse_org_kind,
    parse_page_url,
    parse_platform,
    parse_satisfaction,
    parse_sector,
    parse_status,
)

_CHUNK = 500  # keys per IN (...) list


@dataclass
class Plan:
    new: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    unchanged: int = 0
    before: dict = field(default_factory=dict)   # key → stored row, for changed rows
    extra: dict = field(default_factory=dict)
    side_writes: int = 0   # other rows to change: organisations, pages' last post time
    bulk: dict[str, np.ndarray] = field(default_factory=dict)  # more new rows, column-wise (bulk.insert_columns)
    prepared: bulk.Prepared | None = None  # those rows staged as the driver takes them, if built ahead
    changes: dict[str, np.ndarray] = field(default_factory=dict)  # more changed rows, column-wise: id, fields

    @property
    def added(self) -> int:
        return len(self.new) + len(next(iter(self.bulk.values()), ()))

    @property
    def updated(self) -> int:
        return len(self.changed) + len(self.changes.get("id", ()))

    @property
    def writes(self) -> bool:
        return bool(self.added or self.updated or self.side_writes)


def _chunks(items: list, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _update_by_id(conn: Connection, table, rows: list[dict], fields: Iterable[str]) -> None:
    """UPDATE table SET fields WHERE id = row['id'], for every row, as one executemany."""
    if not rows:
        return
    fields = list(fields)
    stmt = update(table).where(table.c.id == bindparam("b_id")).values(
        {f: bindparam(f"b_{f}") for f in fields})
    conn.execute(stmt, [{"b_id": r["id"], **{f"b_{f}": r[f] for f in fields}} for r in rows])


def _later(a, b):
    """The later of two optional moments."""
    return a if b is None else b if a is None else max(a, b)


def _differs(row: dict, old: dict, fields: Iterable[str]) -> bool:
    return any(row[f] != old[f] for f in fields)


def check_chunk(kind, header: Header, chunk: list[Row], ctx: Context, problems: Problems, seen: SeenKeys):
    """A chunk's rows checked (problems recorded) and its keys checked against the file so far:
    what ``kind.plan`` takes. Row by row, unless the kind checks whole chunks itself."""
    if hasattr(kind, "check_chunk"):
        return kind.check_chunk(header, chunk, ctx, problems, seen)
    cands = [c for number, cells in chunk
             if (c := kind.parse(RowReader(header, number, cells, problems), ctx)) is not None]
    return seen.check(cands, *kind.duplicate)


# --- pages ------------------------------------------------------------------------------------

class _Org(NamedTuple):
    id: int
    name: str
    kind: str
    sector: str
    municipality_id: int | None


class PagesKind:
    """One row per official page; organisations are created on first sight."""

    spec: Spec = PAGES
    fields = ("url", "title", "organisation_id", "municipality_id", "verified", "gospubliki",
              "opened_on", "closed_on", "last_post_at")
    defaults = {"verified": False, "gospubliki": False, "opened_on": None, "closed_on": None,
                "last_post_at": None}

    def parse(self, r: RowReader, ctx: Context) -> Candidate | None:
        mun = self._municipality(r, ctx)
        org = r.text("organisation", 255, required=True)
        platform = r.get("platform", parse_platform)
        ref = r.get("url", parse_page_url, required=True)
        ext = r.text("external_id", 64)
        title = r.text("title", 255)
        org_kind = r.get("org_kind", parse_org_kind)
        sector = r.get("sector", parse_sector)
        values: dict = {}
        for name in ("verified", "gospubliki"):
            if r.has(name):
                values[name] = bool(r.get(name, parse_bool))
        for name in ("opened_on", "closed_on"):
            if r.has(name):
                values[name] = r.get(name, parse_date)
        if r.has("last_post_at"):
            values["last_post_at"] = r.get("last_post_at", partial(parse_datetime, tz=ctx.tz))
        if ref is not None and platform and platform != ref.platform:
            r.error("platform", f"не совпадает со ссылкой: ссылка ведёт на {platforms.label(ref.platform)}")
        if ref is not None and len(ref.url) > 255:
            r.error("url", "слишком длинная ссылка (больше 255 символов)")
        opened, closed = values.get("opened_on"), values.get("closed_on")
        if opened and closed and closed < opened:
            r.error("closed_on", "дата закрытия раньше даты создания")
        if not r.ok:
            return None
        external_id = platforms.normalise_external_id(ref.platform, ext) if ext else ref.external_id
        values.update(url=ref.url, municipality_id=mun)
        if r.has("title"):
            values["title"] = title or org
        return Candidate(r, (ref.platform, external_id), values,
                         {"org": org, "org_kind": org_kind, "sector": sector})

    @staticmethod
    def _municipality(r: RowReader, ctx: Context) -> int | None:
        by_name = r.get("municipality", ctx.municipalities.match)
        by_code = r.get("oktmo", ctx.municipalities.match_oktmo)
        if by_name and by_code and by_name != by_code:
            names = ctx.municipalities.names
            r.error("oktmo", f"код ОКТМО относится к «{names[by_code]}», а в строке указан «{names[by_name]}»")
        return by_code or by_name

    duplicate = ("url", "Эта страница")

    def plan(self, conn: Connection, ctx: Context, cands: list[Candidate], state: dict) -> Plan:
        orgs = self._organisations(conn, state)
        existing = bulk.rows_by_key(conn, schema.page, (c.key for c in cands))
        plan = Plan(extra={"new_orgs": {}, "org_updates": {}})
        decided = state.setdefault("orgs_decided", set())  # names: the organisation's first row in the file decides
        for c in cands:
            org_ref = self._organisation(c, orgs, plan, decided)
            old = existing.get(c.key)
            row = {**self.defaults, **(old or {}), **c.values, "organisation_id": org_ref}
            if old is None:
                row.setdefault("title", c.extra["org"])
                row.update(platform=c.key[0], external_id=c.key[1])
                plan.new.append(row)
                continue
            row["last_post_at"] = _later(old["last_post_at"], row["last_post_at"])
            if _differs(row, old, self.fields):
                plan.changed.append(row)
                plan.before[c.key] = old
            else:
                plan.unchanged += 1
        plan.side_writes = sum(1 for changes in plan.extra["org_updates"].values() if changes)
        return plan

    @staticmethod
    def _organisations(conn: Connection, state: dict) -> dict[str, "_Org"]:
        """The organisations by normalised name: read once per import (a registry of 70 000
        pages names tens of thousands); ``write`` adds the ones it creates."""
        if "orgs" not in state:
            o = schema.organisation
            state["orgs"] = {norm(r.name): _Org(*r) for r in conn.execute(
                select(o.c.id, o.c.name, o.c.kind, o.c.sector, o.c.municipality_id))}
        return state["orgs"]

    @staticmethod
    def _organisation(c: Candidate, orgs: dict, plan: Plan, decided: set):
        """Existing organisation id, or ('new', key) for one created by this import."""
        name, mun = c.extra["org"], c.values["municipality_id"]
        key = norm(name)
        found = orgs.get(key)
        first_row = key not in decided
        decided.add(key)
        if found is None:
            plan.extra["new_orgs"].setdefault(key, {
                "name": name, "kind": c.extra["org_kind"] or infer_org_kind(name, mun),
                "sector": c.extra["sector"], "municipality_id": mun,
            })
            return ("new", key)
        updates = plan.extra["org_updates"]
        if not first_row:
            return found.id
        changes = updates[found.id] = {}
        if c.extra["org_kind"] and c.extra["org_kind"] != found.kind:
            changes["kind"] = c.extra["org_kind"]
        if c.extra["sector"] and c.extra["sector"] != found.sector:
            changes["sector"] = c.extra["sector"]
        if mun != found.municipality_id:
            changes["municipality_id"] = mun
        return found.id

    def write(self, conn: Connection, ctx: Context, plan: Plan, state: dict) -> None:
        o, p = schema.organisation, schema.page
        new_orgs = plan.extra["new_orgs"]
        if new_orgs:  # their ids as the INSERT returns them, not looked up by name
            created = conn.execute(insert(o).returning(o.c.id, sort_by_parameter_order=True),
                                   list(new_orgs.values())).scalars().all()
            ids = dict(zip(new_orgs, created))
            orgs = self._organisations(conn, state)
            for key, org in new_orgs.items():
                orgs[key] = _Org(ids[key], org["name"], org["kind"], org["sector"], org["municipality_id"])
            for row in plan.new + plan.changed:
                if isinstance(row["organisation_id"], tuple):
                    row["organisation_id"] = ids[row["organisation_id"][1]]
            state["orgs_created"] = state.get("orgs_created", 0) + len(new_orgs)
        org_updates = {i: ch for i, ch in plan.extra["org_updates"].items() if ch}
        for org_id, changes in org_updates.items():
            conn.execute(update(o).where(o.c.id == org_id).values(**changes))
        state["orgs_updated"] = state.get("orgs_updated", 0) + len(org_updates)
        if plan.new:
            conn.execute(insert(p), [{k: r[k] for k in ("platform", "external_id", *self.fields)}
                                     for r in plan.new])
        _update_by_id(conn, p, plan.changed, self.fields)
        moved = [r["id"] for r in plan.changed
                 if r["municipality_id"] != plan.before[(r["platform"], r["external_id"])]["municipality_id"]]
        if moved:
            moved_set = set(moved)
            state.setdefault("moved", []).extend(moved)
            state.setdefault("old_groups", set()).update(
                (plan.before[(r["platform"], r["external_id"])]["municipality_id"] or 0, r["platform"])
                for r in plan.changed if r["id"] in moved_set)

    def finish(self, conn: Connection, ctx: Context, state: dict) -> list[str]:
        if state.get("moved"):
            self._move_facts(conn, state["moved"], state["old_groups"])
        notes = []
        if state.get("orgs_created"):
            notes.append(f"Создано организаций: {num(state['orgs_created'])}.")
        if state.get("orgs_updated"):
            notes.append(f"Обновлено организаций: {num(state['orgs_updated'])}.")
        return notes

    @staticmethod
    def _move_facts(conn: Connection, page_ids: list[int], old_groups: set) -> None:
        """Pages that changed municipality: carry it to their messages and refresh the
        summaries of the messages' keys and the pages' groups, before and after the move."""
        m, p, ps = schema.message, schema.page, schema.page_stats
        since: date | None = None
        for chunk in _chunks(page_ids):
            summary.begin_message_delta(conn)
            summary.stage_messages(conn, m.c.page_id.in_(chunk), -1)
            mun = select(p.c.municipality_id).where(p.c.id == m.c.page_id).scalar_subquery()
            conn.execute(update(m).where(m.c.page_id.in_(chunk)).values(municipality_id=mun))
            summary.stage_messages(conn, m.c.page_id.in_(chunk), +1)
            summary.apply_message_delta(conn)
            first = conn.execute(select(func.min(ps.c.on)).where(ps.c.page_id.in_(chunk))).scalar()
            since = first if since is None or (first and first < since) else since
        if since is not None:
            summary.refresh_subscribers(conn, since=since, groups=old_groups | summary.page_groups(conn, page_ids),
                                        pages=page_ids)


# --- stats ------------------------------------------------------------------------------------

class StatsKind:
    """Snapshots of a page on a date: subscribers and the flows since the previous snapshot."""

    spec: Spec = STATS
    flows = schema.FLOWS
    fields = ("subscribers", *schema.FLOWS)

    def parse(self, r: RowReader, ctx: Context) -> Candidate | None:
        page = resolve_page(r, ctx)
        on = r.get("on", parse_date, required=True)
        values = {"subscribers": r.get("subscribers", parse_int, required=True)}
        for name in self.flows:
            if r.has(name):
                values[name] = r.get(name, parse_int) or 0
        last_post = r.get("last_post_at", partial(parse_datetime, tz=ctx.tz))
        if not r.ok:
            return None
        return Candidate(r, (page.id, on), values, {"last_post_at": last_post})

    duplicate = ("on", "Снимок этой страницы на эту дату")

    def check_chunk(self, header: Header, chunk: list[Row], ctx: Context, problems: Problems,
                    seen: SeenKeys) -> list[Candidate]:
        """The chunk checked column by column (columnar.py): the page and the date once per
        distinct value, the numbers column-wise; rows with a problem are checked again one by
        one by ``parse``, which records the problems. The candidates ``parse`` would give."""
        cols = Columns(header, chunk)
        pages = cols.by_value(("page_url", "page_id", "platform"), lambda r: resolve_page(r, ctx))
        dates = cols.by_value(("on",), lambda r: r.get("on", parse_date, required=True))
        subscribers = cols.integers("subscribers", required=True)
        flows = {name: cols.integers(name) for name in self.flows if cols.has(name)}
        last_post = cols.moments("last_post_at", ctx.tz).tolist()  # datetimes, None where empty
        cands = []
        for pos, ok in enumerate(cols.ok.tolist()):
            if not ok:
                c = self.parse(cols.reader(pos, problems), ctx)
                if c is not None:  # not expected: the fast checks only fail on a problem
                    cands.append(c)
                continue
            values = {"subscribers": subscribers[pos]}
            for name, column in flows.items():
                values[name] = column[pos] or 0
            cands.append(Candidate(cols.reader(pos, problems), (pages[pos].id, dates[pos]), values,
                                   {"last_post_at": last_post[pos]}))
        return seen.check(cands, *self.duplicate)

    def plan(self, conn: Connection, ctx: Context, cands: list[Candidate], state: dict) -> Plan:
        ps = schema.page_stats
        keys = {c.key for c in cands}
        existing: dict[tuple, dict] = {}
        if cands:
            first, last = min(k[1] for k in keys), max(k[1] for k in keys)
            for chunk in _chunks(sorted({k[0] for k in keys})):
                rows = conn.execute(select(ps).where(ps.c.page_id.in_(chunk), ps.c.on.between(first, last)))
                existing.update({(r.page_id, r.on): dict(r._mapping) for r in rows})
        plan = Plan(extra={"last_post": {}})
        for c in cands:
            old = existing.get(c.key)
            row = {**dict.fromkeys(self.flows, 0), **(old or {}), **c.values, "page_id": c.key[0], "on": c.key[1]}
            if old is None:
                plan.new.append(row)
            elif _differs(row, old, self.fields):
                plan.changed.append(row)
            else:
                plan.unchanged += 1
            if c.extra["last_post_at"] is not None:
                latest = plan.extra["last_post"]
                latest[c.key[0]] = _later(latest.get(c.key[0]), c.extra["last_post_at"])
        plan.extra["last_post"] = _moving_forward(conn, plan.extra["last_post"])
        plan.side_writes = len(plan.extra["last_post"])
        return plan

    def write(self, conn: Connection, ctx: Context, plan: Plan, state: dict) -> None:
        """Write the chunk; its pages' change goes to subs_daily right away
        (summary.apply_subscriber_delta), or, for a long history, the groups are rebuilt in
        ``finish``."""
        rows = plan.new + plan.changed
        pages, dates = {r["page_id"] for r in rows}, {r["on"] for r in rows}
        delta = bool(rows) and summary.begin_subscriber_delta(conn, pages, dates)
        if plan.new:  # at the driver level (bulk.py), not through SQLAlchemy's per-row parameters
            bulk.insert_columns(conn, schema.page_stats, self._columns(plan.new))
        upsert(conn, schema.page_stats, plan.changed, ["page_id", "on"], self.fields)
        _raise_last_post(conn, plan.extra["last_post"])
        if delta:
            summary.apply_subscriber_delta(conn)
        elif rows:
            first = min(dates)
            state["since"] = min(state.get("since", first), first)
            state.setdefault("pages", set()).update(pages)

    def _columns(self, rows: list[dict]) -> dict[str, np.ndarray]:
        """New snapshots column-wise, as bulk.insert_columns takes them (the numbers as the
        Python ints they are: a value too large for the column fails in the database, as before)."""
        out = {"page_id": np.array([r["page_id"] for r in rows], dtype=np.int64),
               "on": np.array([r["on"] for r in rows], dtype="datetime64[D]")}
        for name in self.fields:
            out[name] = np.array([r[name] for r in rows], dtype=object)
        return out

    def finish(self, conn: Connection, ctx: Context, state: dict) -> list[str]:
        if "since" in state:
            pages = state["pages"]
            summary.refresh_subscribers(conn, since=state["since"], groups=summary.page_groups(conn, pages),
                                        pages=pages)
        return []


def _moving_forward(conn: Connection, latest: dict) -> dict:
    """The entries of {page id: last post time} later than the page's stored one."""
    p = schema.page
    stored = {}
    for chunk in _chunks(sorted(latest)):
        stored.update(conn.execute(select(p.c.id, p.c.last_post_at).where(p.c.id.in_(chunk))).all())
    return {pid: when for pid, when in latest.items() if stored.get(pid) is None or stored[pid] < when}


def _raise_last_post(conn: Connection, latest: dict) -> None:
    """Set page.last_post_at (already filtered by _moving_forward)."""
    p = schema.page
    _update_by_id(conn, p, [{"id": pid, "last_post_at": when} for pid, when in latest.items()], ["last_post_at"])


# --- messages ---------------------------------------------------------------------------------

class MessagesKind:
    """Residents' comments and private messages with the page's first response."""

    spec: Spec = MESSAGES
    fields = ("page_id", "municipality_id", "topic_id", "kind", "received_at", "first_response_at", "status",
              "closed_at", "photo_report", "satisfaction", "received_day", "received_hour", "response_minutes",
              "response_work_minutes")
    defaults = {"first_response_at": None, "closed_at": None, "photo_report": False, "satisfaction": None,
                "kind": "comment"}

    def parse(self, r: RowReader, ctx: Context) -> Candidate | None:
        ext = r.text("external_id", 64, required=True)
        page = resolve_page(r, ctx)
        moment = partial(parse_datetime, tz=ctx.tz)
        values = {"received_at": r.get("received_at", moment, required=True),
                  "topic_id": r.get("topic", ctx.topics.match)}
        optional = {"first_response_at": moment, "closed_at": moment, "photo_report": parse_bool,
                    "satisfaction": parse_satisfaction, "kind": parse_message_kind}
        for name, parse in optional.items():
            if r.has(name):
                values[name] = r.get(name, parse)
        if r.has("photo_report"):
            values["photo_report"] = bool(values["photo_report"])
        if r.has("kind"):
            values["kind"] = values["kind"] or "comment"
        status = r.get("status", parse_status)
        if page is not None and page.platform not in platforms.MESSAGE_PLATFORMS:
            r.error("page_url" if r.has("page_url") else "page_id",
                    f"на площадке {platforms.label(page.platform)} сообщения жителей не учитываются "
                    "(только публикации)")
        if not r.ok:
            return None
        values.update(page_id=page.id, platform=page.platform, municipality_id=page.municipality_id)
        return Candidate(r, (page.platform, ext), values, {"status": status})

    duplicate = ("external_id", "Сообщение с этим ID")

    def _page(self, r: RowReader, ctx: Context):
        """The message's page, checked as ``parse`` checks it: a problem is recorded on ``r``
        (its wording does not matter here: the row is then checked by ``parse``, which words it)."""
        page = resolve_page(r, ctx)
        if page is not None and page.platform not in platforms.MESSAGE_PLATFORMS:
            r.error("page_url", "no messages on this platform")
        return page

    def check_chunk(self, header: Header, chunk: list[Row], ctx: Context, problems: Problems,
                    seen: SeenKeys) -> "MessageBatch":
        """The chunk checked column by column (columnar.py); rows with a problem are checked
        again one by one by ``parse``, which records the problems."""
        cols = Columns(header, chunk)
        ext = cols.identifiers("external_id", 64)
        pages = cols.by_value(("page_url", "page_id", "platform"), lambda r: self._page(r, ctx))
        received = cols.moments("received_at", ctx.tz, required=True)
        topics = cols.by_value(("topic",), lambda r: r.get("topic", ctx.topics.match))
        given = {"first_response_at": cols.moments("first_response_at", ctx.tz),
                 "closed_at": cols.moments("closed_at", ctx.tz)}
        optional = {"photo_report": parse_bool, "satisfaction": parse_satisfaction, "kind": parse_message_kind,
                    "status": parse_status}
        for name, parse in optional.items():
            if cols.has(name):
                given[name] = cols.by_value((name,), lambda r, name=name, parse=parse: r.get(name, parse))
        slow: list[Candidate] = []
        for pos in np.flatnonzero(~cols.ok).tolist():
            c = self.parse(cols.reader(pos, problems), ctx)
            if c is not None:  # not expected: the fast checks only fail on a problem
                slow.append(c)
        fast = np.flatnonzero(cols.ok)
        f = fast.tolist()
        # keys in row order, the fast rows' and the slow ones'
        entries = list(zip([cols.numbers[i] for i in f], [(pages[i].platform, ext[i]) for i in f], f))
        if slow:
            entries = sorted(entries + [(c.row, c.key, c) for c in slow], key=lambda e: e[0])
        numbers, keys, who = zip(*entries) if entries else ((), (), ())
        repeated = seen.repeated(list(keys), list(numbers))
        what = self.duplicate[1]
        dropped = set()
        for i, row in repeated.items():
            if isinstance(who[i], Candidate):
                who[i].error("external_id", repeated_text(what, row))
                slow.remove(who[i])
            else:
                cols.report(problems, who[i], "external_id", repeated_text(what, row))
                dropped.add(who[i])
        if dropped:
            fast = np.array([i for i in f if i not in dropped], dtype=np.int64)
            f = fast.tolist()
        values = {
            "external_id": np.array([ext[i] for i in f], dtype=object),
            "page": [pages[i] for i in f],
            "received_at": received[fast],
            "topic_id": np.array([topics[i] for i in f], dtype=np.int64),
            "first_response_at": given["first_response_at"][fast],
            "closed_at": given["closed_at"][fast],
        }
        for name in optional:
            if name in given:
                values[name] = [given[name][i] for i in f]
        # What the plan derives from the file's values alone, computed here, in the importer's
        # checking thread: local day and hour, response minutes (for the rows found new).
        values["derived"] = message_times_arrays(values["received_at"], values["first_response_at"], Zone.covering(
            ctx.tz, values["received_at"], values["first_response_at"]))
        keys = list(zip([p.platform for p in values["page"]], values["external_id"].tolist()))
        batch = MessageBatch(cols, fast, values, slow, problems, keys)
        # PostgreSQL: every clean row taken for new (what a new file is), derived and turned
        # into COPY's text here, in the checking thread, while the chunk before is being
        # written; the plan uses them when the database holds none of the chunk's keys. Not on
        # SQLite: its rows are Python tuples, several times the text's memory to hold ahead
        # (the import's peak is near its 300 MB bound there), and its writing thread's Python
        # is not what the import waits for. Nor once a chunk was found to hold stored rows
        # (``ctx.new_ahead``): the file repeats stored messages and most of that work would
        # be thrown away.
        if len(fast) and ctx.new_ahead and is_postgres(ctx.pages.conn):
            batch.as_new = self._new_rows(batch, np.ones(len(fast), dtype=bool), postgres=True)
        return batch

    def plan(self, conn: Connection, ctx: Context, batch: "MessageBatch | list[Candidate]", state: dict) -> Plan:
        """The chunk against the stored messages, read column-wise in one statement per
        platform (stored.py): clean rows found stored are counted unchanged or built changed
        there (``stored.compare``); those that break a rule or are not held exactly, and the
        rows checked one by one, are compared one by one (``_plan_rows``); new clean rows are
        derived column-wise into ``plan.bulk`` — already done by ``check_chunk`` when none of
        the chunk's keys is stored (``batch.as_new``)."""
        if isinstance(batch, list):  # candidates checked one by one
            batch = MessageBatch(None, np.empty(0, np.int64), {}, batch, Problems())
        cands = list(batch.slow)
        keys = batch.keys
        found = StoredMessages.read(conn, keys + [c.key for c in cands])
        at = found.rows_of(keys)
        stored = at >= 0
        ctx.new_ahead = not stored.any()
        compared = stored_rows.compare(self.fields, batch, found, at, ctx.tz) if stored.any() else \
            stored_rows.Compared.none(len(keys))
        one_by_one = stored & ~compared.same & ~compared.changed
        if one_by_one.any():
            cands += [self._candidate(batch, j) for j in np.flatnonzero(one_by_one).tolist()]
            cands.sort(key=lambda c: c.row)
        wanted = [c.key for c in cands if c.key in found.index]
        existing = bulk.rows_by_key(conn, schema.message, wanted) if wanted else {}
        plan = self._plan_rows(ctx, cands, existing)
        plan.unchanged += int(compared.same.sum())
        plan.changes = compared.columns
        if len(batch.positions):
            new = batch.as_new if batch.as_new is not None and not stored.any() else \
                self._new_rows(batch, ~stored)
            for pos, column, message in new.problems:
                batch.columns.report(batch.problems, pos, column, message)
            if new.columns:
                plan.bulk, plan.prepared = new.columns, new.prepared
        return plan

    @staticmethod
    def _candidate(batch: "MessageBatch", j: int) -> Candidate:
        """The clean row ``j`` of the batch as ``parse`` would give it (for the per-row plan)."""
        cols, v = batch.columns, batch.values
        page = v["page"][j]
        values = {"received_at": v["received_at"][j].item(), "topic_id": int(v["topic_id"][j]),
                  "page_id": page.id, "platform": page.platform, "municipality_id": page.municipality_id}
        for name in ("first_response_at", "closed_at"):
            if cols.has(name):
                values[name] = None if np.isnat(v[name][j]) else v[name][j].item()
        if cols.has("photo_report"):
            values["photo_report"] = bool(v["photo_report"][j])
        if cols.has("satisfaction"):
            values["satisfaction"] = v["satisfaction"][j]
        if cols.has("kind"):
            values["kind"] = v["kind"][j] or "comment"
        status = v["status"][j] if "status" in v else None
        reader = cols.reader(int(batch.positions[j]), batch.problems)
        return Candidate(reader, (page.platform, v["external_id"][j]), values, {"status": status})

    def _plan_rows(self, ctx: Context, cands: list[Candidate], existing: dict) -> Plan:
        plan = Plan()
        for c in cands:
            old = existing.get(c.key)
            row = {**self.defaults, **(old or {}), **c.values}
            row["status"] = c.extra["status"] or self._derived_status(row, old)
            if not self._consistent(c, row):
                continue
            if row["status"] != "closed":
                row["closed_at"] = None   # reopened or answered: a stored closing moment no longer holds
            row.update(message_times(row["received_at"], row["first_response_at"], ctx.tz))
            if old is None:
                row["external_id"] = c.key[1]
                plan.new.append(row)
            elif _differs(row, old, self.fields):
                plan.changed.append(row)
            else:
                plan.unchanged += 1
        return plan

    def _new_rows(self, batch: "MessageBatch", take: np.ndarray, postgres: bool | None = None) -> "NewRows":
        """The clean rows ``take`` as new messages, column-wise: status, consistency, derived
        fields; the problems found (not yet reported); with ``postgres`` given, the rows
        staged with sign +1 as the driver takes them (bulk.prepare)."""
        problems: list[tuple[int, str, str]] = []
        cols, v = batch.columns, batch.values
        pos = batch.positions[take]
        received, response = v["received_at"][take], v["first_response_at"][take]
        closed = v["closed_at"][take]
        answered, has_closed = ~np.isnat(response), ~np.isnat(closed)
        derived_status = np.where(answered, "answered", np.where(has_closed, "closed", "new")).astype(object)
        if "status" in v:
            given = np.array(v["status"], dtype=object)[take]
            status = np.where(given == None, derived_status, given)  # noqa: E711
        else:
            status = derived_status
        no_answer = (status == "answered") & ~answered
        early = answered & (response < received)
        not_closed = has_closed & ((status != "closed") | answered)
        closed_early = has_closed & ~not_closed & (closed < received)
        where = "first_response_at" if cols.has("first_response_at") else "status"
        for i in np.flatnonzero(no_answer | early | not_closed | closed_early).tolist():
            if no_answer[i]:
                problems.append((int(pos[i]), where, "статус «дан ответ», но нет даты ответа"))
            elif early[i]:
                problems.append((int(pos[i]), "first_response_at" if cols.has("first_response_at") else "received_at",
                                 "дата ответа раньше даты поступления"))
            elif not_closed[i]:
                problems.append((int(pos[i]), "closed_at", "дата закрытия указана, но сообщение не «закрыто без ответа»"))
            else:
                problems.append((int(pos[i]), "closed_at", "дата закрытия раньше даты поступления"))
        keep = ~(no_answer | early | not_closed | closed_early)
        if not keep.all():
            take = take.copy()
            take[np.flatnonzero(take)[~keep]] = False
            received, response, status, closed = received[keep], response[keep], status[keep], closed[keep]
        n = int(take.sum())
        if not n:
            return NewRows(problems, {}, None)
        chosen = np.flatnonzero(take).tolist()
        pages = [v["page"][i] for i in chosen]
        derived = {name: a[take] for name, a in v["derived"].items()}
        answered = ~np.isnat(response)

        def column(name, default):
            if name not in v:
                return np.full(n, default, dtype=object)
            return np.array([v[name][i] for i in chosen], dtype=object)

        kind = column("kind", "comment")
        kind[kind == None] = "comment"  # noqa: E711
        photo = column("photo_report", False)
        out = {
            "platform": np.array([p.platform for p in pages], dtype=object),
            "external_id": v["external_id"][take],
            "page_id": np.array([p.id for p in pages], dtype=np.int64),
            "municipality_id": np.array([p.municipality_id for p in pages], dtype=object),
            "topic_id": v["topic_id"][take],
            "kind": kind,
            "received_at": received,
            "first_response_at": response,
            "status": status.astype(object),
            "closed_at": np.where(status == "closed", closed, np.datetime64("NaT", "s")),
            "photo_report": np.array([bool(x) for x in photo], dtype=bool),
            "satisfaction": column("satisfaction", None),
            "received_day": derived["received_day"],
            "received_hour": derived["received_hour"].astype(np.int64),
            "response_minutes": np.where(answered, derived["response_minutes"], None).astype(object),
            "response_work_minutes": np.where(answered, derived["response_work_minutes"], None).astype(object),
        }
        prepared = None
        if postgres is not None:
            prepared = bulk.prepare(postgres, summary.MESSAGE_DELTA, {**out, "sign": np.ones(n, dtype=np.int64)})
        return NewRows(problems, out, prepared)

    @staticmethod
    def _derived_status(row: dict, old: dict | None) -> str:
        """No status in the file: answered when there is a response, closed when there is a
        closing moment, else keep the stored one."""
        if row["first_response_at"] is not None:
            return "answered"
        if row["closed_at"] is not None:
            return "closed"
        if old is not None and old["status"] != "answered":
            return old["status"]
        return "new"

    @staticmethod
    def _consistent(c: Candidate, row: dict) -> bool:
        r = c.reader
        if row["status"] == "answered" and row["first_response_at"] is None:
            c.error("first_response_at" if r.has("first_response_at") else "status",
                    "статус «дан ответ», но нет даты ответа")
            return False
        if row["first_response_at"] is not None and row["first_response_at"] < row["received_at"]:
            c.error("first_response_at" if r.has("first_response_at") else "received_at",
                    "дата ответа раньше даты поступления")
            return False
        if r.has("closed_at") and row["closed_at"] is not None:
            if row["status"] != "closed" or row["first_response_at"] is not None:
                c.error("closed_at", "дата закрытия указана, но сообщение не «закрыто без ответа»")
                return False
            if row["closed_at"] < row["received_at"]:
                c.error("closed_at", "дата закрытия раньше даты поступления")
                return False
        return True

    calls_ahead = True  # write() says when the rest is the database's own work (importer._import_rows)

    def write(self, conn: Connection, ctx: Context, plan: Plan, state: dict,
              ahead: Callable[[], None] = lambda: None) -> None:
        """Write the chunk and stage its change to the summaries: the stored version of each
        changed row out, the written rows in, summed per summary key (summary.fold_message_delta).
        ``finish`` adds the change of all chunks at once (summary.apply_message_delta), in the
        same transaction: each summary row is updated once per import, not once per chunk.

        The new rows held column-wise (``plan.bulk``, nearly all of a new file) are staged
        first and copied from the staging table into ``message`` by one INSERT … SELECT: the
        rows cross from Python once, into a table without indexes, and the work on ``message``
        and its indexes is one statement the database runs without Python's lock — while the
        importer checks the next chunk in its other thread: ``ahead()`` starts it, once the
        rows have crossed (importer._import_rows). For a chunk of new rows that thread has also
        built what the driver takes (``plan.prepared``, from ``check_chunk``), so this one only
        sends it.

        The changed rows (``plan.changes``, built column-wise by ``stored.compare``, and the
        per-row plan's few in ``plan.changed``) are written the same way: staged with their ids
        into a table of their own (``_CHANGES``), then the stored versions staged out of
        ``message`` with sign −1, one UPDATE … FROM joined by id, the written versions staged in
        with +1 — three statements the database runs while the next chunk is checked, not an
        UPDATE per row with SQLAlchemy processing each row's parameters."""
        m, staged = schema.message, summary.MESSAGE_DELTA
        if not state.get("delta"):
            summary.begin_message_delta(conn)
            state["delta"] = True
        if plan.bulk:  # the staging table is empty here (fold_message_delta empties it)
            n = len(plan.bulk["external_id"])
            bulk.insert_columns(conn, staged, {**plan.bulk, "sign": np.ones(n, dtype=np.int64)}, plan.prepared)
            ahead()
            names = tuple(plan.bulk)
            conn.exec_driver_sql(sql_text(conn, ("copy_staged", names), lambda: insert(m).from_select(
                list(names), select(*[staged.c[k] for k in names]))))
        if plan.updated:
            bulk.stage_changes(conn, _CHANGES, plan.changes, plan.changed)
            ahead()
            summary.stage_messages_in(conn, _CHANGES, -1)
            bulk.update_from(conn, m, _CHANGES)
            summary.stage_messages_in(conn, _CHANGES, +1)
        if plan.new:
            conn.execute(insert(m), [{k: r[k] for k in ("platform", "external_id", *self.fields)}
                                     for r in plan.new])
            summary.stage_message_keys(conn, ((r["platform"], r["external_id"]) for r in plan.new), +1)
        summary.fold_message_delta(conn)

    def finish(self, conn: Connection, ctx: Context, state: dict) -> list[str]:
        if state.get("delta"):
            summary.apply_message_delta(conn)
        return []


# The changed messages of a chunk, staged to be updated at once (MessagesKind.write).
_CHANGES = bulk.changes_table(schema.message, MessagesKind.fields)


@dataclass
class MessageBatch:
    """A checked chunk of messages: the clean rows column-wise, the others one by one."""

    columns: Columns | None
    positions: np.ndarray          # the clean rows' positions in the chunk
    values: dict                   # their checked values by field (arrays or lists, in that order)
    slow: list[Candidate]          # rows checked one by one and found clean
    problems: Problems             # where the plan records what it finds
    keys: list[tuple[str, str]] = field(default_factory=list)  # the clean rows' (platform, external id)
    as_new: "NewRows | None" = None  # every clean row taken for new, built ahead (check_chunk, PostgreSQL)


@dataclass
class NewRows:
    """Clean rows of a chunk as new messages (MessagesKind._new_rows)."""

    problems: list[tuple[int, str, str]]   # (position in the chunk, column, message), not yet reported
    columns: dict[str, np.ndarray]         # the rows kept, column-wise (empty: none)
    prepared: bulk.Prepared | None         # the same staged with sign +1, as the driver takes them


KINDS = {"pages": PagesKind(), "stats": StatsKind(), "messages": MessagesKind()}
