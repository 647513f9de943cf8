"""Counting a call's queries as the work it asks of the database, not as SQLite cuts it up.

SQLite takes at most 999 parameters a statement (Django's ``max_query_params``), so a bulk insert
of many wide rows goes out as several INSERTs in a row into the same table; PostgreSQL and MariaDB
take it as one. Tests that compare a call on 10 rows with the same call on 100 count such a run
once: a query made per person or per session still shows, a batch cut by the parameter limit
does not.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

_INSERT = re.compile(r'^\s*INSERT(?: OR IGNORE)? INTO\s+"?(\w+)"?', re.IGNORECASE)


def round_trips(captured):
    """The number of statements in ``captured`` (a query list), consecutive inserts into one table counted once."""
    count, previous = 0, None
    for query in captured:
        match = _INSERT.match(query["sql"])
        table = match.group(1) if match else None
        if table is None or table != previous:
            count += 1
        previous = table
    return count


def measure(work):
    """(queries, round trips) of ``work()``."""
    with CaptureQueriesContext(connection) as ctx:
        work()
    return len(ctx.captured_queries), round_trips(ctx.captured_queries)
