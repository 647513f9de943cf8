"""Test data: realistic names (accents included), sessions in the future unless told otherwise."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from cursus_xblock import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Course

    code = factory.Sequence(lambda n: f"C{n:03d}")
    title = factory.Sequence(lambda n: f"Sécurité au travail {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Session

    course = factory.SubFactory(CourseFactory)
    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"Session {n}")
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    end = factory.LazyAttribute(lambda s: s.start + datetime.timedelta(days=2))
    time_zone = "Europe/Paris"
    place = "Lyon, salle Molière"
    workspace_key = factory.LazyAttribute(lambda s: f"course-v1:Org+{s.code}+2026")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event

    session = factory.SubFactory(SessionFactory)
    name = factory.Sequence(lambda n: f"Séance {n}")
    start = factory.LazyAttribute(lambda e: e.session.start + datetime.timedelta(hours=1))
    end = factory.LazyAttribute(lambda e: e.start + datetime.timedelta(hours=3))
