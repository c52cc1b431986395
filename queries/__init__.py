"""Every aggregate the pages, reports and CLI show, as SQLAlchemy Core queries.

One function per question. Each takes an open ``Connection`` and a ``Filters``
(period, platforms, municipalities, topics) and returns plain values or a small
pandas DataFrame of already-aggregated rows. Counting and averaging happen in
the database, on the summary tables ``msg_daily`` and ``subs_daily``; raw
``message`` rows are read only for the bounded overdue list.
"""

from queries.filters import REGIONAL, Filters, Norm  # noqa: F401
