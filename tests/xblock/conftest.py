import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Issued documents are stored under a throwaway MEDIA_ROOT, not the working directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _throttle_counts():
    """Handlers count self-registrations per person in the cache; ids come back after a rollback."""
    cache.clear()
    yield
    cache.clear()
