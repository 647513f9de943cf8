"""A séance in progress with a learner able to check in: what the check-in tests share."""

import base64
import datetime
import io

from django.utils import timezone

from cursus_xblock.models import Event

from .attendance import held_session


def live_session(learners=2, **kwargs):
    """``held_session`` whose first séance (``held.past``) runs now: started 10 minutes ago, 2 hours long."""
    held = held_session(learners=learners, **kwargs)
    now = timezone.now()
    Event.objects.filter(pk=held.past.pk).update(
        start=now - datetime.timedelta(minutes=10), end=now + datetime.timedelta(hours=2)
    )
    held.past.refresh_from_db()
    return held


def signature_png(width=300, height=100, ink=True, size=None):
    """A canvas's data URL: a transparent PNG with a stroke drawn (or nothing drawn)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size or (width, height), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(10, 80), (60, 20), (120, 70), (200, 30)], fill=(0, 0, 0, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
