"""What only matters inside Open edX: the platform's events and filters, and course-run keys.

These modules use the Open edX *libraries* (openedx-events, openedx-filters, edx-opaque-keys),
never edx-platform itself: that one is imported only by ``cursus_xblock.backends.openedx``.
"""
