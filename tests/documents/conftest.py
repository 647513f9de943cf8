import pytest

from cursus_xblock.models import DocumentKind, DocumentTemplate
from cursus_xblock.services import documents

BODY = """<h1>{{ person.full_name }} — {{ course.title }}</h1>
<p>Session {{ session.name }} : {{ session.start.datetime }} → {{ session.end.datetime }}</p>
<p>Lieu : {{ session.place }}. Formateurs : {{ session.trainers }}</p>
{% if event %}<p>Séance {{ event.name }} : {{ event.start.datetime }}</p>{% endif %}
<p>Assiduité : {{ attendance.events_attended }}/{{ attendance.events_total }} séances,
{{ attendance.hours_attended }} h, {{ attendance.rate }} %</p>
<p>Secret: [{{ person.password }}{{ user.password }}{{ registration.user.password }}]</p>
<p>Vérification : {{ verification.code }} {{ verification.url }}</p>
"""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def templates(db, media):
    """One plain French default template per kind (the shipped defaults are tested on their own)."""
    made = {}
    for kind in DocumentKind.values:
        DocumentTemplate.objects.filter(kind=kind).update(is_default=False, default_key=None)
        template = DocumentTemplate(
            kind=kind,
            language="fr",
            name=f"Test {kind}",
            email_subject="{{ course.title }} — {{ person.full_name }}",
            email_body="Bonjour {{ person.first_name }},\nVoici votre document.",
            body=BODY,
            is_default=True,
        )
        documents.template_save(template=template)
        made[kind] = template
    return made


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway Redis (Debian's redis-server) for the run; skipped by hand, a failure under CI=true."""
    from ..brokers import start_redis
    from ..conftest import IN_CI
    from ..dbservers import ServerUnavailable

    try:
        server = start_redis()
    except ServerUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI=true, so this cannot be skipped: no Redis broker: {exc}")
        pytest.skip(f"needs Debian's redis-server (scripts/system-deps.sh installs it): {exc}")
    yield server
    server.stop()


@pytest.fixture
def celery_app():
    """Make a Celery app current for the test (``make_app(url)`` then ``set_current``), restored after."""
    from celery import current_app

    from ..celery_app import make_app

    previous = current_app._get_current_object()
    made = []

    def use(broker_url):
        app = make_app(broker_url)
        app.set_current()
        made.append(app)
        return app

    yield use
    previous.set_current()
    for app in made:
        app.close()
