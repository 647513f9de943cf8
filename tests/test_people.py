"""Issue 15 item 1: a training manager without ``auth.view_user`` reaches people's registrations.

Two managers, neither superuser nor holder of any ``auth`` permission: a site-wide one (staff and
``manage_registrations``, as the demo's ``gestionnaire``) and one of an organization (staff and the
role). Both go from the admin index to a person's page, pick people on the add page, and follow
every breadcrumb; a staff member without the role and a learner are refused.
"""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cursus_xblock.models import Organization, OrganizationManager, Role
from cursus_xblock.services import registration as registration_service

from .factories import CourseFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE_URL = "admin:cursus_people"
AUTOCOMPLETE_URL = "admin:cursus_people_autocomplete"


@pytest.fixture
def world():
    organization = Organization.objects.create(short_name="PREV", name="Prévention")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    learner = UserFactory(username="agnes", first_name="Agnès", last_name="Béranger", email="agnes@example.org")
    session = SessionFactory(course=CourseFactory(organization=organization), name="Sauveteur secouriste")
    registration_service.register(user=learner, sessions=[session], role=Role.LEARNER, actor=admin)
    site = UserFactory(username="gestionnaire", is_staff=True)
    site.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    scoped = UserFactory(username="prevention", is_staff=True)
    OrganizationManager.objects.create(user=scoped, organization=organization)
    return {
        "learner": learner,
        "session": session,
        "site": site,
        "scoped": scoped,
        "staff": UserFactory(username="plain.staff", is_staff=True),
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _links(html):
    return re.findall(r'href="([^"#]+)', html)


@pytest.mark.parametrize("manager", ["site", "scoped"])
def test_issue15_item1_a_training_manager_reaches_a_person_from_the_admin_index(world, manager):
    client, learner = _client(world[manager]), world["learner"]
    people_url = reverse(PEOPLE_URL)
    person_url = reverse("admin:cursus_user_registrations", args=[learner.pk])

    index = client.get(reverse("admin:index")).content.decode()
    assert "Registrations by person" in index
    people_link = reverse("admin:cursus_xblock_personregistrations_changelist")
    assert people_link in index
    listing = client.get(people_link)
    assert listing.status_code == 200
    assert person_url in listing.content.decode() and "Agnès Béranger (agnes)" in listing.content.decode()

    found = client.get(people_url, {"q": "agnes@example"}).content.decode()
    assert person_url in found and "1 person found." in found
    assert "agnes@example.org" not in found  # searched by e-mail, not shown

    page = client.get(person_url)
    assert page.status_code == 200
    picker_url = reverse("admin:cursus_user_register", args=[learner.pk, Role.LEARNER])
    assert picker_url in page.content.decode()
    picker = client.get(picker_url)
    assert picker.status_code == 200
    # Every breadcrumb of the page and the picker opens for this manager (no 403 of the host).
    crumbs = set()
    for response in (page, picker, listing):
        html = response.content.decode()
        crumbs.update(_links(html[html.index('class="breadcrumbs"') : html.index("</div>", html.index("breadcrumbs"))]))
    assert people_url in crumbs and person_url in crumbs
    assert {url: client.get(url).status_code for url in crumbs} == {url: 200 for url in crumbs}


@pytest.mark.parametrize("manager", ["site", "scoped"])
def test_issue15_item1_the_people_autocomplete_answers_managers_with_name_and_username_only(world, manager):
    response = _client(world[manager]).get(reverse(AUTOCOMPLETE_URL), {"term": "béranger"})
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data == {
        "results": [{"id": str(world["learner"].pk), "text": "Agnès Béranger (agnes)"}],
        "pagination": {"more": False},
    }


def test_issue15_item1_the_people_pages_refuse_a_non_manager_and_a_learner(world):
    staff = _client(world["staff"])
    assert staff.get(reverse(AUTOCOMPLETE_URL), {"term": "agnes"}).status_code == 403
    assert staff.get(reverse(PEOPLE_URL)).status_code == 403
    assert "Registrations by person" not in staff.get(reverse("admin:index")).content.decode()
    learner = _client(world["learner"])
    for url in (reverse(AUTOCOMPLETE_URL), reverse(PEOPLE_URL)):
        response = learner.get(url, {"term": "agnes"})
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert Client().get(reverse(AUTOCOMPLETE_URL)).status_code == 302


def test_issue15_item1_the_add_page_picks_people_through_the_training_autocomplete(world):
    page = _client(world["site"]).get(reverse("admin:cursus_xblock_registration_add"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-ajax--url="{reverse(AUTOCOMPLETE_URL)}"' in html


@pytest.mark.parametrize("manager", ["site", "scoped"])
def test_issue15_item1_registrations_list_links_people_to_their_page(world, manager):
    html = _client(world[manager]).get(reverse("admin:cursus_xblock_registration_changelist")).content.decode()
    person_url = reverse("admin:cursus_user_registrations", args=[world["learner"].pk])
    assert f'<a href="{person_url}">Agnès Béranger (agnes)</a>' in html


def test_the_people_list_is_paginated_and_the_search_bounded(world):
    for n in range(55):
        UserFactory(username=f"stagiaire{n:02d}", first_name=f"P{n:02d}", last_name="Stagiaire")
    client = _client(world["site"])
    first = client.get(reverse(PEOPLE_URL), {"q": "stagiaire"}).content.decode()
    assert "55 people found." in first and first.count("stagiaire") >= 50 and "Page 1 of 2" in first
    second = client.get(reverse(PEOPLE_URL), {"q": "stagiaire", "p": "2"}).content.decode()
    assert "Page 2 of 2" in second and "stagiaire54" in second and "stagiaire00" not in second
    assert client.get(reverse(PEOPLE_URL), {"q": "x" * 10_000, "p": "nope"}).status_code == 200
    more = json.loads(client.get(reverse(AUTOCOMPLETE_URL), {"term": "stagiaire", "page": "x"}).content)
    assert len(more["results"]) == 20 and more["pagination"]["more"] is True


def test_issue15_item1_the_people_list_in_french(world):
    client = _client(world["site"])
    fr = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    assert "Inscriptions par personne" in client.get(reverse("admin:index"), **fr).content.decode()
    html = client.get(reverse(PEOPLE_URL), {"q": "agnes"}, **fr).content.decode()
    assert "Rechercher par nom, identifiant ou adresse électronique" in html and "1 personne trouvée." in html


def _crumbs(html):
    start = html.index('class="breadcrumbs"')
    block = html[start : html.index("</div>", start)]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)


def test_issue15_item5_the_same_breadcrumbs_on_the_page_the_picker_and_the_summary(world):
    client, learner = _client(world["scoped"]), world["learner"]
    page = client.get(reverse("admin:cursus_user_registrations", args=[learner.pk])).content.decode()
    picker_url = reverse("admin:cursus_user_register", args=[learner.pk, Role.TRAINER])
    picker = client.get(picker_url).content.decode()
    summary = client.post(picker_url, {"session": [str(world["session"].pk)]}, follow=True)
    assert summary.redirect_chain and "/summary/" in summary.redirect_chain[-1][0]
    trail = [
        ("/admin/", "Home"),
        (reverse("admin:app_list", kwargs={"app_label": "cursus_xblock"}), "Training"),
        (reverse(PEOPLE_URL), "Registrations by person"),
    ]
    person = (reverse("admin:cursus_user_registrations", args=[learner.pk]), "Agnès Béranger (agnes)")
    assert _crumbs(page) == trail
    assert _crumbs(picker) == [*trail, person]
    assert _crumbs(summary.content.decode()) == [*trail, person]
