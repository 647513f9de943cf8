"""The path operators and the Tutor plugin configure: ``CURSUS_WORKSPACE_BACKEND =
"cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend"``. Kept so their settings keep working;
the backend itself lives with the rest of the Open edX code, in ``cursus_xblock.openedx.backend``.
"""

from ..openedx.backend import OpenEdxWorkspaceBackend

__all__ = ["OpenEdxWorkspaceBackend"]
