"""File imports of ЦУР exports: pages, stats and messages from CSV or XLSX.

One entry point for the command line (``run_cli``) and the «Данные» page
(``import_file``, ``preview``; the journal is read by ``queries.imports``)::

    result = import_file(engine, "messages", "export.xlsx", sheet="Обращения")
    print(result.report())

A file is read as a stream and checked and written in chunks inside one
transaction (``_import_rows``), so memory stays bounded whatever its length; a second
thread reads and checks the next chunk while one is written. Any
problem → the transaction is rolled back and the result lists each problem with its
row (as numbered in Excel), column and value. Otherwise the summary refresh,
``meta.data_updated_at`` and the ``import_log`` row are written in the same
transaction; so a crash leaves the database as it was. Rejected files are logged
too, in a transaction of their own. Column names and formats:
``dashboard/writers/importing/columns.py`` and README.md.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import Engine, insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import SingletonThreadPool

from dashboard.core import schema
from dashboard.core.db import (
    DatabaseUnavailable,
    database_error,
    get_meta,
    touch_updated,
    utcnow,
    write_cache,
)
from dashboard.core.formatting import num, plural
from dashboard.core.settings import Settings, get_settings
from dashboard.writers.importing.columns import SPECS, Header, find_header
from dashboard.writers.importing.kinds import KINDS, check_chunk
from dashboard.writers.importing.read import (
    HEADER_SEARCH_ROWS,
    FileRejected,
    Limits,
    Row,
    file_format,
    iter_rows,
    open_source,
    sheet_names,
    source_size,
    too_many_rows,
)
from dashboard.writers.importing.references import (
    MunicipalityMatcher,
    PageIndex,
    Recalled,
    TopicMatcher,
)
from dashboard.writers.importing.rows import (
    Context,
    HeldProblems,
    ProblemKind,
    Problems,
    RowError,
    SeenKeys,
    shown_value,
)

if TYPE_CHECKING:  # pandas (~75 MB) only where a table is built for the page: an import
    import pandas as pd  # from the command line or a collection run does not load it

Progress = Callable[[float, str], None]
SUMMARY_FROM = 10  # more problems than this, some repeated: summed up by kind first


@dataclass
class ImportResult:
    """What happened to one file."""

    kind: str
    file_name: str
    ok: bool
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS_SHOWN
    error_count: int = 0
    kinds: list[ProblemKind] = field(default_factory=list)  # the problems by kind, the first MAX_KINDS
    other_kinds: int = 0  # problems of further kinds
    rows_rejected: int = 0
    notes: list[str] = field(default_factory=list)
    user: str | None = None   # who ran the import (import_log.user)

    @property
    def status(self) -> str:
        return "ok" if self.ok else "rejected"

    def headline(self) -> str:
        what = f"Файл «{self.file_name}» ({schema.IMPORT_KINDS.get(self.kind, self.kind)})"
        if self.ok:
            return (f"{what} импортирован: добавлено {num(self.added)}, обновлено {num(self.updated)}, "
                    f"без изменений {num(self.unchanged)}.")
        n = self.error_count
        found = f"{num(n)} {plural(n, 'ошибка', 'ошибки', 'ошибок')}"
        if self.rows_rejected:
            r = self.rows_rejected
            found += f" в {num(r)} {plural(r, 'строке', 'строках', 'строках')}"
        return f"{what} не импортирован, в базу ничего не записано. Найдено: {found}."

    @property
    def repeated(self) -> bool:
        """More problems than are read at a glance, some of one kind in several rows: worth a
        summary by kind before the row-by-row list."""
        return self.error_count > SUMMARY_FROM and any(k.count > 1 for k in self.kinds)

    def report(self) -> str:
        """Headline, notes, the problems by kind when some repeat, and every listed problem,
        one per line."""
        lines = [self.headline(), *self.notes]
        if self.repeated:
            lines.append("По видам:")
            lines += [f"  {k.text()}" for k in self.kinds]
            if self.other_kinds:
                lines.append(f"  других ошибок: {num(self.other_kinds)}")
            lines.append("По строкам:")
        lines += [f"  {e.text()}" for e in self.errors]
        hidden = self.error_count - len(self.errors)
        if hidden > 0:
            lines.append(f"  …и ещё {num(hidden)} {plural(hidden, 'ошибка', 'ошибки', 'ошибок')} "
                         f"(показаны первые {len(self.errors)}).")
        return "\n".join(lines)

    def errors_frame(self) -> pd.DataFrame:
        """The listed problems as a table for the page."""
        import pandas as pd

        return pd.DataFrame(
            [{"Строка": "" if e.row is None else str(e.row), "Столбец": e.column or "",
              "Значение": e.value or "", "Ошибка": e.message} for e in self.errors],
            columns=["Строка", "Столбец", "Значение", "Ошибка"],
        )

    def kinds_frame(self) -> pd.DataFrame:
        """The problems by kind as a table for the page, the most frequent first."""
        import pandas as pd

        kinds = sorted(self.kinds, key=lambda k: -k.count)  # stable: ties keep the file's order
        return pd.DataFrame(
            [{"Столбец": k.column or "", "Ошибка": k.message, "Строк": num(k.count), "Где": k.where(),
              "Например": k.example or ""} for k in kinds],
            columns=["Столбец", "Ошибка", "Строк", "Где", "Например"],
        )


class _Rejected(Exception):
    """Internal: leave the transaction without writing."""


def _no_progress(fraction: float, text: str) -> None:
    pass


# --- the import -------------------------------------------------------------------------------

DEMO_REFUSED = (
    "В базе демонстрационные данные: настоящий файл не смешивается с выдуманными цифрами, "
    "в базу ничего не записано. Чтобы начать с чистой базы, удалите демонстрационные данные "
    "командой «python -m dashboard demo --remove» (или укажите в DATABASE_URL новую пустую базу и "
    "выполните «python -m dashboard db upgrade») и повторите импорт. Чтобы только попробовать импорт "
    "на демонстрационной базе, добавьте к команде --add-to-demo (на странице «Данные» — отметка "
    "«Добавить к демонстрационным данным»): база останется помеченной как демонстрационная."
)


def holds_demo(conn: Connection) -> bool:
    """The database holds generated demo data (meta.demo = "1")."""
    return get_meta(conn, schema.META_DEMO) == "1"


def limits_for(settings: Settings) -> Limits:
    """The bounds every imported file is read within (IMPORT_MAX_ROWS and the fixed ones)."""
    return Limits(max_rows=settings.import_max_rows)


def import_file(engine: Engine, kind: str, source: str | os.PathLike | bytes | BinaryIO,
                file_name: str | None = None, sheet: str | None = None, progress: Progress | None = None,
                settings: Settings | None = None, *, add_to_demo: bool = False,
                user: str | None = None) -> ImportResult:
    """Check and import one file: a path, or an upload (its bytes or a binary file object) with ``file_name``.

    A database holding demo data refuses the file (DEMO_REFUSED) unless ``add_to_demo``: real
    rows must not be attached to generated organisations in a database labelled demo. With it,
    the file is added and the database stays labelled demo. ``user``: who runs it, recorded in
    the import history (dashboard.core.access.User.actor)."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    settings = settings or get_settings()
    progress = progress or _no_progress
    file_name = file_name or (Path(source).name if isinstance(source, (str, os.PathLike)) else "файл")
    problems = Problems()
    limits = limits_for(settings)
    try:
        try:
            if not add_to_demo and _holds_demo(engine):
                raise FileRejected(DEMO_REFUSED)
            check_size(source_size(source), settings)
        except FileRejected as e:
            problems.add(None, None, None, str(e))
            raise _Rejected from e
        progress(0.02, "Чтение файла…")
        read = _ReadShare()
        rows = iter_rows(source, file_name, sheet, limits, progress=read)
        try:
            result = _import_rows(engine, kind, file_name, rows, settings, problems, progress, user, read)
        finally:
            rows.close()
    except _Rejected:
        result = ImportResult(kind, file_name, ok=False, errors=problems.shown, error_count=problems.count,
                              kinds=list(problems.kinds.values()), other_kinds=problems.other_kinds,
                              rows_rejected=len(problems.rows), user=user)
        _log(engine, result)
    progress(1.0, "Готово")
    return result


def check_size(size: int, settings: Settings) -> None:
    """Refuse files over IMPORT_MAX_MB (before anything reads them)."""
    if size > settings.import_max_mb * 1024 * 1024:
        raise FileRejected(
            f"Файл слишком большой: {num(size / 1024 / 1024, 1)} МБ при пределе {num(settings.import_max_mb)} МБ "
            "(настройка IMPORT_MAX_MB). Разделите файл на части или увеличьте предел."
        )


class _ReadShare:
    """The reader's progress: the share of the file read so far (shown with the row count)."""

    share = 0.0

    def __call__(self, share: float, text: str) -> None:
        self.share = share


def _import_rows(engine: Engine, kind: str, file_name: str, rows: Iterator[Row], settings: Settings,
                 problems: Problems, progress: Progress, user: str | None = None,
                 read: _ReadShare | None = None) -> ImportResult:
    """Check and write the rows chunk by chunk in one transaction; roll it back (_Rejected) on any problem.

    Memory stays bounded by the chunk: rows are read as a stream, each chunk is checked, compared
    with the database and written inside the transaction, and only its counts are kept. After a
    problem the remaining rows are still checked (to report them all) but no longer written; the
    transaction is then rolled back, so the database is left exactly as it was. The summaries are
    kept current in the same transaction: the change each chunk of messages makes is summed per
    summary key as it is written and added to the summaries once after the last chunk, as is
    subscribers' (``handler.finish``).

    Python and the database overlap: one thread ahead of this one reads chunk k+2 and checks
    chunk k+1 while this thread writes chunk k (sqlite3 and psycopg release Python's lock while
    the database works). Only this thread writes, in order; the problems the check finds ahead
    are held back until the chunks before are written (``HeldProblems``), and an error met
    reading the file is raised after them, so the report is the one a single thread gives.
    """
    handler = KINDS[kind]
    limits = limits_for(settings)
    try:
        header, data = _split_header(rows, kind, problems)
        with (_gc_spares_what_lives(), engine.begin() as conn, write_cache(conn),
              _ahead_thread(engine) as ahead):
            ctx = _context(conn, settings)
            result = ImportResult(kind, file_name, ok=True, user=user)
            state: dict = {}
            seen = SeenKeys()
            n_rows, wrote = 0, False

            def write(chunk: _Checked, ahead_go: Callable[[], None]) -> None:
                """Plan and write a checked chunk (unless a problem was found before it) under
                the page index's lock (the check of the next chunk, running meanwhile, waits for
                it before it looks a page up on the same connection). ``ahead_go`` starts the
                other thread's work on the next chunk: the messages kind calls it when what is
                left is the database's own work, other kinds before they write."""
                nonlocal wrote
                checked = chunk.checked.result()
                chunk.problems.release(problems)
                if not problems:
                    with ctx.pages.lock:
                        plan = handler.plan(conn, ctx, checked, state)
                        if not problems and plan.writes:
                            if getattr(handler, "calls_ahead", False):
                                handler.write(conn, ctx, plan, state, ahead=ahead_go)
                            else:
                                ahead_go()
                                handler.write(conn, ctx, plan, state)
                            wrote = True
                    result.added += plan.added
                    result.updated += plan.updated
                    result.unchanged += plan.unchanged
                done = "проверено" if problems else "проверено и записано в транзакцию"
                progress(0.03 + 0.85 * chunk.read_share, f"Строк {done}: {num(chunk.n_rows)}…")

            # One thread ahead of this one reads and checks chunk k+1 while chunk k is written.
            # It starts when the write of chunk k is down to the database's own statements,
            # which run without Python's lock: started earlier, it would hold that lock while
            # the row-by-row parts of the write wait for it. Chunks are still written one at a
            # time, in order, in this thread's one transaction.
            batches = _batches(data, CHUNK_ROWS)
            at_url = header.index.get("page_url")
            reading = ahead.submit(_next, batches, at_url, ctx.pages)
            pending: _Checked | None = None
            try:
                while True:
                    got = reading.result()
                    if isinstance(got, BaseException):  # raised where the file was read, in turn
                        if pending:
                            write(pending, _no_ahead)
                        raise got
                    if got is None:
                        break
                    chunk, urls = got
                    if n_rows + len(chunk) > limits.max_rows:
                        if pending:
                            write(pending, _no_ahead)
                        raise too_many_rows(limits, chunk[limits.max_rows - n_rows][0])
                    n_rows += len(chunk)
                    ctx.pages.preload(urls)  # the chunk's new pages in a few queries, not one per page
                    held = HeldProblems()
                    started: list[Future] = []

                    def ahead_go(chunk=chunk, held=held, started=started) -> None:
                        if not started:  # once: check this chunk, then read the next
                            started.append(ahead.submit(check_chunk, handler, header, chunk, ctx, held, seen))
                            started.append(ahead.submit(_next, batches, at_url, ctx.pages))

                    if pending:
                        write(pending, ahead_go)
                    ahead_go()  # if the write did not (nothing to write)
                    pending = _Checked(started[0], held, n_rows, read.share if read else 0.0)
                    reading = started[1]
                if pending:
                    write(pending, _no_ahead)
            finally:
                reading.cancel()
            if not n_rows:
                problems.add(None, None, None, header_only(header.row))
            if problems:
                raise _Rejected
            progress(0.9, "Обновление сводных таблиц…")
            result.notes += handler.finish(conn, ctx, state)
            if wrote:
                touch_updated(conn)
            if header.ignored:
                result.notes.append("Неизвестные столбцы пропущены: "
                                    + ", ".join(f"«{h}»" for h in header.ignored) + ".")
            _write_log(conn, result)
        return result
    except FileRejected as e:
        problems.add(None, None, None, str(e))
        raise _Rejected from e
    except IntegrityError as e:
        problems.add(None, None, None, "Данные изменились во время импорта (возможно, одновременно шёл другой "
                                       f"импорт или сбор). Повторите импорт. ({e.orig})")
        raise _Rejected from e
    except OperationalError as e:
        raise _unavailable(engine, e) from e


CHUNK_ROWS = 10_000  # rows checked and written at a time


@contextmanager
def _gc_spares_what_lives():
    """Keep the cycle collector off the objects alive when the import starts (modules,
    caches: most of the process) until it ends. A chunk allocates hundreds of thousands of
    objects, and each full collection it sets off would walk all of those again: without
    this, that walking is about a third of the check of a message chunk. Garbage is still
    collected; the objects are only moved back (``gc.unfreeze``) at the end."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _ahead_thread(engine: Engine):
    """The thread that reads and checks ahead of the importer's; none (the work done in turn,
    in the importer's thread) for an in-memory SQLite database, whose connection only the
    thread that opened it may use (SQLAlchemy keeps one per thread: SingletonThreadPool)."""
    if isinstance(engine.pool, SingletonThreadPool):
        return _InTurn()
    return ThreadPoolExecutor(1, thread_name_prefix="import-check")


class _InTurn:
    """An executor that runs each task at once, in the caller's thread."""

    def __enter__(self) -> "_InTurn":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, fn: Callable, *args) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as e:  # noqa: BLE001 - kept in the future, raised by result()
            done.set_exception(e)
        return done


def _no_ahead() -> None:
    """Nothing to start: the file has no chunk after this one."""


def _next(batches: Iterator[list[Row]], at: int | None,
          pages: PageIndex) -> tuple[list[Row], Recalled | list] | BaseException | None:
    """The next chunk of rows and the distinct values of its column ``at`` (page URLs) as
    ``pages.recall`` splits them for PageIndex.preload, None after the last chunk, or what
    reading it raised (FileRejected): returned, so that it is raised after the chunks before it
    are written and reported."""
    try:
        chunk = next(batches, None)
    except Exception as e:  # noqa: BLE001 - handed over, raised by the importer
        return e
    if chunk is None:
        return None
    if at is None:
        return chunk, []
    return chunk, pages.recall(v for _, v in dict.fromkeys((type(c[at]), c[at]) for _, c in chunk if at < len(c)))


@dataclass
class _Checked:
    """A chunk being checked ahead: the check's future, its held problems, the rows and the
    share of the file read up to it (for the progress shown when it is written)."""

    checked: Future
    problems: HeldProblems
    n_rows: int
    read_share: float


def _split_header(rows: Iterator[Row], kind: str, problems: Problems) -> tuple[Header, Iterator[Row]]:
    """The recognised header (among the first rows) and the data rows under it, still a stream."""
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    try:
        pos, header = find_header(head, SPECS[kind])
    except FileRejected as e:
        problems.add(None, None, None, str(e))
        raise _Rejected from e
    return header, chain(head[pos + 1:], rows)


def _context(conn: Connection, settings: Settings) -> Context:
    return Context(settings.tz, MunicipalityMatcher.load(conn), TopicMatcher.load(conn), PageIndex.load(conn))


def _unavailable(engine: Engine, e: OperationalError) -> DatabaseUnavailable:
    """The database's Russian error (details to the log only) and that nothing was written."""
    err = database_error(e, engine.url)
    return type(err)(f"{err} Импорт не выполнен, в базу ничего не записано.")


def _holds_demo(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return holds_demo(conn)
    except OperationalError as e:
        raise _unavailable(engine, e) from e


# --- the log ----------------------------------------------------------------------------------

def _write_log(conn: Connection, result: ImportResult) -> None:
    conn.execute(insert(schema.import_log).values(
        at=utcnow(), file_name=result.file_name[:255], kind=result.kind, status=result.status,
        rows_added=result.added, rows_updated=result.updated, rows_unchanged=result.unchanged,
        rows_rejected=result.rows_rejected, message=result.report(),
        user=(result.user or "")[:255] or None,
    ))


def _log(engine: Engine, result: ImportResult) -> None:
    """Record a rejected file in its own transaction."""
    try:
        with engine.begin() as conn:
            _write_log(conn, result)
    except OperationalError as e:
        raise _unavailable(engine, e) from e


# --- preview ----------------------------------------------------------------------------------

PREVIEW_READ_ROWS = 1_000  # the preview reads no further than this (the import checks the rest)


@dataclass
class Preview:
    frame: pd.DataFrame           # the header and the first rows, values as text
    recognised: dict[str, str]    # header as written → the column it was taken for
    ignored: list[str]
    n_rows: int | None            # data rows in the file; None: more than the preview read
    header_row: int = 1           # where the header was found (as numbered in Excel)


def header_only(row: int) -> str:
    return f"В файле только заголовок (строка {row}), строк с данными нет."


def preview(source, file_name: str, kind: str, sheet: str | None = None, n: int = 10,
            limits: Limits = Limits()) -> Preview:
    """The first ``n`` data rows under the recognised header; raises FileRejected like the import.

    Only the first PREVIEW_READ_ROWS rows of the file are read, however long it is.
    """
    import pandas as pd

    budget = max(PREVIEW_READ_ROWS, HEADER_SEARCH_ROWS + n + 1)
    stream = iter_rows(source, file_name, sheet, limits)
    try:
        rows = list(islice(stream, budget))
    finally:
        stream.close()
    spec = SPECS[kind]
    pos, header = find_header(rows, spec)
    names = _unique_names(rows[pos][1])
    body = [[shown_value(c) for c in cells] + [""] * (len(names) - len(cells))
            for _, cells in rows[pos + 1:pos + 1 + n]]
    frame = pd.DataFrame([b[:len(names)] for b in body], columns=names)
    frame.insert(0, "Строка", [str(number) for number, _ in rows[pos + 1:pos + 1 + n]])
    recognised = {header.written[f]: spec.column(f).label for f in header.index}
    return Preview(frame, recognised, header.ignored, len(rows) - pos - 1 if len(rows) < budget else None,
                   header.row)


@dataclass
class Upload:
    """What the «Данные» page shows for a chosen file before importing it."""

    sheets: list[str]            # sheet names of an XLSX book (empty for CSV)
    preview: Preview | None
    problem: str | None          # why the file cannot be imported, in Russian


def inspect_upload(source, file_name: str, kind: str, sheet: str | None = None,
                   settings: Settings | None = None) -> Upload:
    """Size check, sheet list and preview of an upload (bytes or a binary file object); never raises
    for a bad file. Reads only the start of the file, within the import's limits."""
    settings = settings or get_settings()
    limits = limits_for(settings)
    sheets: list[str] = []
    try:
        check_size(source_size(source), settings)
        with open_source(source) as stream:
            head = stream.read(8)
        if head.strip() and file_format(head, file_name) == "xlsx":
            sheets = sheet_names(source, limits)
        view = preview(source, file_name, kind, sheet, limits=limits)
        # Said before «Импортировать» (which is then disabled), not after it.
        return Upload(sheets, view, header_only(view.header_row) if view.n_rows == 0 else None)
    except FileRejected as e:
        return Upload(sheets, None, str(e))


def columns_frame(kind: str) -> pd.DataFrame:
    """The accepted columns of a kind: header, aliases, required, values (the page's help table)."""
    import pandas as pd

    spec = SPECS[kind]
    groups = {f: g for g in spec.one_of for f in g}

    def need(c) -> str:
        if c.required:
            return "да"
        if c.field in groups:
            return "или " + " / ".join(f"«{spec.column(f).label}»" for f in groups[c.field] if f != c.field)
        return ""

    return pd.DataFrame([{"Столбец": c.label, "Другие названия": ", ".join(c.aliases),
                          "Обязательный": need(c), "Значения": c.doc} for c in spec.columns])


def _unique_names(cells: list) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(cells, start=1):
        name = shown_value(c) or f"Столбец {i}"
        base, k = name, 2
        while name in out:
            name, k = f"{base} ({k})", k + 1
        out.append(name)
    return out


# --- command line -----------------------------------------------------------------------------

def run_cli(engine: Engine, args) -> int:
    """``python -m dashboard import KIND FILE [--sheet NAME] [--add-to-demo]``: 0 when imported,
    1 when rejected."""
    from dashboard.writers.users import cli_actor

    result = import_file(engine, args.kind, args.file, sheet=getattr(args, "sheet", None),
                         add_to_demo=getattr(args, "add_to_demo", False), user=cli_actor())
    print(result.report(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1
