"""The plugin's own web plumbing outside the admin, the API and the XBlock.

``views``: the health probe and the public verification page (``cursus_xblock.urls``);
``middleware``: a database lock past the timeout is a 503, not a 500; ``throttling``: the
self-registration budget that the API and the XBlock share.
"""
