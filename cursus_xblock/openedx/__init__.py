"""All that only matters inside Open edX, in one place.

``backend`` is the workspace backend (registrations as enrollments and course roles): the only
module of the package that imports edx-platform, inside its functions. ``receivers`` reacts to the
platform's signals, ``filters`` is an openedx-filters step, ``course_keys`` parses course-run keys
and ``context`` marks « Cursus is acting ». Besides edx-platform they use the Open edX *libraries*
(openedx-events, openedx-filters, edx-opaque-keys). Nothing here is imported by the services or
the models: the services reach the backend through ``backends.get_backend()``.
"""
