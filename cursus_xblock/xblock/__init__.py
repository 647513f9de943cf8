"""The learner/trainer XBlock: ``block`` (the XBlock, entry point ``xblock.v1``: ``cursus``),
``listing`` (the rows it shows a viewer, from the selectors and the services' rules) and
``rendering`` (its templates, icons and responses). Its template files stay under
``templates/cursus_xblock/block/`` and its static files under ``static/cursus_xblock/block/``.
"""
