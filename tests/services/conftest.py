import pytest
from django.contrib.auth.models import Group

from cursus_xblock.backends.groups import group_name


@pytest.fixture
def in_group():
    """Whether ``user`` holds workspace ``role`` on ``key`` through the groups backend."""

    def check(user, key, role):
        return Group.objects.filter(name=group_name(key, role), user=user).exists()

    return check
