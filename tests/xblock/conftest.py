import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Issued documents are stored under a throwaway MEDIA_ROOT, not the working directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
