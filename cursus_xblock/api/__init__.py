"""The REST API (``/cursus/api/v1/``): the same rules as the admin, through the same services.

Views parse and validate input, check permissions, call one service or selector, and present the
result; they never write to the database themselves. Authentication is the host's (DRF's
``DEFAULT_AUTHENTICATION_CLASSES``: JWT and session in Open edX). The OpenAPI 3 schema is served
at ``schema/`` and browsed at ``docs/``.
"""
