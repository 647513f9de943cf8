"""Django admin for the training data. Registrations change only through the services."""

from . import batches, courses, documents, history, registrations, sessions  # noqa: F401  (register the ModelAdmins)
