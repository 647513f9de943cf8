"""Django admin for the training data. Registrations change only through the services."""

from . import batches, courses, documents, history, notifications, people, registrations, reports, sessions  # noqa: F401  (register the ModelAdmins)
from .users import hook_user_admin

# When this module is imported after the host's admin modules (the usual case), compose at once;
# AppConfig.ready() calls it again (idempotent) in case the host registers its user admin later.
hook_user_admin()
