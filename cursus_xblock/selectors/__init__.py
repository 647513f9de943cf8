"""Every read, once: querysets and plain rows the admin, the API and the XBlock present alike.

``sessions`` (the seat count, the session search, a course's or course run's sessions),
``registrations`` (a person's registrations with their events, waiting ranks) and ``documents``
(templates and issued documents). No HTTP here, no writes: a selector takes ids, querysets or
users and returns rows in a bounded number of queries, whatever the number of rows.
"""
