"""Differences between the Django releases of the supported Open edX releases (4.2 and 5.2)."""

import django
from django.db import models


def check_constraint(*, condition, name, **kwargs):
    """A ``CheckConstraint`` built with the keyword the running Django expects.

    Django 5.1 renamed ``check=`` to ``condition=`` (the old name warns, then goes in 6.0) and
    4.2 only knows ``check=``. Migrations call this too, so they apply on both.
    """
    if django.VERSION >= (5, 1):
        return models.CheckConstraint(condition=condition, name=name, **kwargs)
    return models.CheckConstraint(check=condition, name=name, **kwargs)


def get_model_admin(site, model):
    """The ``ModelAdmin`` registered for ``model`` (``AdminSite.get_model_admin`` is 5.0+)."""
    if hasattr(site, "get_model_admin"):
        return site.get_model_admin(model)
    from django.contrib.admin.sites import NotRegistered

    try:
        return site._registry[model]
    except KeyError:
        raise NotRegistered(f"The model {model.__name__} is not registered.") from None
