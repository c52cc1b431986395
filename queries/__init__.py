"""Every aggregate the pages, reports and CLI show, as SQLAlchemy Core queries.

One function per question. Each takes an open ``Connection`` and a ``Filters``
(period, platforms, municipalities, topics) and returns plain values or a small
pandas DataFrame of already-aggregated rows. Counting and averaging happen in
the database, on the summary tables ``msg_daily`` and ``subs_daily``; raw
``message`` rows are read only for the overdue list and count, the "not yet
due" correction (open messages younger than the norm) and the weekday × hour
grid, each a single GROUP BY or a bounded list.

Modules: ``kpis`` (headline), ``breakdowns`` (by municipality / platform /
topic), ``series``, ``responses``, ``backlog``, ``pages`` (registry,
compliance), ``rating`` (rating, league, peers, best and worst), ``reference``,
``imports`` (the import journal); shared sums and KPI formulas in ``aggregate``;
SQLite/PostgreSQL differences in ``dashboard.core.sql_dates``.
"""

from queries.filters import REGIONAL, Filters, Norm  # noqa: F401
