"""Fill the demo database with realistic training data: ``python manage.py seed_demo``.

Idempotent: users are keyed on their username, courses and sessions on their code. A session
(with its events, registrations and attendance) is built only when its code is missing; an
existing one is left exactly as it is, so a second run writes nothing.

Every registration, validation, unregistration and attendance goes through the services
(``cursus_xblock.services``), the only writers of registrations and their history.

Dates are relative to the day the session is first seeded (``timezone.localdate()``): upcoming
sessions at +7, +21, +45 … days, past ones at −14, −30, −60 days, one in progress.
"""

import datetime
import unicodedata
import zoneinfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cursus_xblock.models import (
    Attendance,
    Course,
    DocumentKind,
    Event,
    EventRegistration,
    EventRegistrationType,
    IssuedDocument,
    Organization,
    OrganizationManager,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
)
from cursus_xblock.services import documents
from cursus_xblock.services.attendance import attendance_mark
from cursus_xblock.services.event_registration import register_to_events
from cursus_xblock.services.history import notifying
from cursus_xblock.services.outcomes import Result
from cursus_xblock.services.registration import (
    refuse,
    register_users,
    unregister,
    validate,
)

REASON = "Données de démonstration"

ADMIN = {"username": "admin", "password": "admin", "first_name": "Hélène", "last_name": "Administratrice"}
MANAGER = {"username": "gestionnaire", "password": "gestionnaire", "first_name": "Gérard", "last_name": "Gestionnaire"}
#: The one learner who can sign in (at /accounts/login/, not staff): registers in the XBlock workbench.
LEARNER = {"username": "apprenant", "password": "apprenant", "first_name": "Anaïs", "last_name": "Apprenant"}
#: A training manager of one organization only (PREV): staff and the role, no permission at all (people are
#: reached through « Inscriptions par personne », not the host's user list).
ORGANIZATION_MANAGER = {
    "username": "prevention",
    "password": "prevention",
    "first_name": "Paule",
    "last_name": "Préventeur",
}
#: (short name, name): the demo's two organizations (outside Open edX, chosen per course).
ORGANIZATIONS = [("PREV", "Pôle prévention et sécurité"), ("RH", "Ressources humaines")]
COURSE_ORGANIZATIONS = {"SST": "PREV", "INC": "PREV", "MGT": "RH", "XLS": "RH", "ONB": "RH"}
#: The training manager's model permissions: no deletion, no superuser.
MANAGER_PERMISSIONS = [
    "view_course",
    "add_course",
    "change_course",
    "view_session",
    "add_session",
    "change_session",
    "view_event",
    "add_event",
    "change_event",
    "manage_registrations",
    "view_registration",
    "view_eventregistration",
    "view_registrationhistory",
    "view_documenttemplate",
    "add_documenttemplate",
    "change_documenttemplate",
    "view_issueddocument",
    "view_documentbatch",
]

TRAINERS = [
    ("Renée", "Zellweger"),
    ("François", "Dupré"),
    ("Margaux", "Bélanger"),
    ("Jérôme", "Lévêque"),
    ("Siobhán", "O'Connor"),
    ("Björn", "Åkesson"),
]
LEARNERS = [
    ("Éloïse", "Lefèvre"),
    ("Zoé", "Château"),
    ("Chloë", "Brontë"),
    ("Noël", "Garçon"),
    ("Agnès", "Béranger"),
    ("Benoît", "Lemaître"),
    ("Cécile", "Froissart"),
    ("Émile", "Durocher"),
    ("Gaëlle", "Kerhervé"),
    ("Hervé", "Lacôte"),
    ("Inès", "Benaïssa"),
    ("Jérémie", "Fournier"),
    ("Léa", "Ménard"),
    ("Maël", "Quéré"),
    ("Manon", "Rivière"),
    ("Mathéo", "Bélair"),
    ("Océane", "Thériault"),
    ("Raphaël", "Coûteaux"),
    ("Solène", "Aubé"),
    ("Théo", "Pâris"),
    ("Yaëlle", "Sénéchal"),
    ("Oliver", "Smith"),
    ("Emily", "Clarke"),
    ("James", "O'Brien"),
    ("Sarah", "Jenkins"),
    ("Daniel", "Whitaker"),
    ("Charlotte", "Hughes"),
    ("Ciarán", "Murphy"),
    ("Zoë", "Fairbanks"),
    ("Maxime", "Côté"),
    ("Geneviève", "Tremblay"),
    ("Loïc", "Le Guévellou"),
    ("Marie-Ève", "Gagné"),
    ("Jean-Loup", "d'Aubigné"),
]

COURSES = [
    {
        "code": "SST",
        "title": "SST — Sauveteur secouriste du travail",
        "description": (
            "Intervenir face à une situation d'accident du travail et mettre en application ses "
            "compétences en prévention. Certification INRS valable 24 mois."
        ),
        "default_capacity": 10,
        "default_workspace_key": "course-v1:Cursus+SST+2026_T1",
    },
    {
        "code": "MGT",
        "title": "Management d'équipe",
        "description": "Posture du manager, entretiens annuels, délégation et gestion des conflits.",
        "default_capacity": 10,
        "default_workspace_key": "course-v1:Cursus+MGT+2026_T1",
        "default_validation_required": True,
    },
    {
        "code": "XLS",
        "title": "Excel avancé",
        "description": "Tableaux croisés dynamiques, Power Query et premières macros VBA.",
        "default_capacity": 8,
        "default_workspace_key": "course-v1:Cursus+XLS+2026_T1",
    },
    {
        "code": "ONB",
        "title": "Accueil des nouveaux arrivants",
        "description": "Une journée pour découvrir l'entreprise, ses métiers, ses locaux et ses règles de sécurité.",
        "default_workspace_key": "course-v1:Cursus+ONB+2026_T1",
        "default_self_registration": True,
        "default_self_unregistration": True,
    },
    {
        "code": "INC",
        "title": "Prévention des risques incendie",
        "description": "Comprendre le feu, donner l'alerte, évacuer et manipuler les extincteurs.",
        "default_capacity": 12,
        "default_workspace_key": "course-v1:Cursus+INC+2026_T2",
    },
]

LYON = "Lyon — salle Molière"
PARIS = "Paris, 12 rue de l'Église"
MONTREAL = "Montréal — 1250, boulevard René-Lévesque Ouest, salle Gaspé"
PARIS_HQ = "Paris — siège, salle Jean-Jaurès"
VILLEURBANNE = "Villeurbanne — aire d'exercice, 3 allée de l'Artémis"


def _t(text):
    return datetime.time.fromisoformat(text)


def _event(name, day, start, end, **extra):
    """An event ``day`` days after its session's first day, from ``start`` to ``end`` (local times)."""
    return {"name": name, "day": day, "start": _t(start), "end": _t(end), **extra}


# Session plans. ``offset``: first day relative to the seeding day; ``days``: length in days;
# ``trainers`` and ``learners``: indexes in TRAINERS and LEARNERS, registered in that order.
SESSIONS = [
    {
        "code": "SST-2026-01",
        "course": "SST",
        "name": "SST — formation initiale (Lyon)",
        "offset": -30,
        "days": 2,
        "place": LYON,
        "workspace_key": "course-v1:Cursus+SST+2025_T4",
        "events": [
            _event("Séance 1 — Théorie", 0, "09:00", "12:30"),
            _event("Séance 2 — Mises en situation", 0, "13:30", "17:30"),
            _event("Séance 3 — Évaluation certificative", 1, "09:00", "12:00"),
        ],
        "trainers": [0],
        "learners": range(0, 8),
    },
    {
        # The full session: 6 seats, 9 learners → 6 confirmed, 3 on the waiting list (in this order).
        "code": "SST-2026-02",
        "course": "SST",
        "name": "SST — formation initiale (Paris)",
        "offset": 21,
        "days": 2,
        "place": PARIS,
        "capacity": 6,
        "waiting_list_enabled": True,
        "events": [
            _event("Séance 1 — Théorie", 0, "09:00", "12:30"),
            _event("Séance 2 — Mises en situation", 0, "13:30", "17:30"),
            _event("Séance 3 — Évaluation certificative", 1, "09:00", "12:00"),
        ],
        "trainers": [0, 1],
        "learners": range(8, 17),
        "expect": {Result.REGISTERED: 6, Result.WAITING: 3},
    },
    {
        # Shares its workspace with SST-2026-02: a role is revoked only with the last registration.
        "code": "SST-MAC-2026-01",
        "course": "SST",
        "name": "SST — maintien et actualisation des compétences",
        "offset": 45,
        "days": 1,
        "place": LYON,
        "capacity": 12,
        # Open to learners both ways: the demo learner registers and leaves in the XBlock workbench.
        "self_registration": True,
        "self_unregistration": True,
        "events": [
            _event("Séance 1 — Rappels et nouveautés", 0, "09:00", "12:30"),
            _event("Séance 2 — Mises en situation", 0, "13:30", "17:00"),
        ],
        "trainers": [1],
        "learners": range(0, 5),
    },
    {
        # In progress: started yesterday, ends tomorrow.
        "code": "MGT-2026-12",
        "course": "MGT",
        "name": "Management d'équipe — promotion 12",
        "offset": -1,
        "days": 3,
        "place": PARIS,
        "validation_required": False,
        "events": [
            _event("Séance 1 — Posture du manager", 0, "09:00", "12:30"),
            _event("Séance 2 — Conduire un entretien annuel", 0, "14:00", "17:30"),
            _event("Séance 3 — Gérer les conflits", 2, "09:00", "12:30"),
        ],
        "trainers": [2, 3],
        "learners": range(17, 24),
    },
    {
        # Validation required: 5 learners wait for a manager; 2 are validated, 1 refused, 2 still pending.
        "code": "MGT-2026-13",
        "course": "MGT",
        "name": "Management d'équipe — promotion 13",
        "offset": 28,
        "days": 2,
        "place": PARIS,
        "capacity": 8,
        "workspace_key": "course-v1:Cursus+MGT+2026_T2",
        "events": [
            _event("Séance 1 — Posture du manager", 0, "09:00", "17:00"),
            _event("Séance 2 — Déléguer et motiver", 1, "09:00", "17:00"),
        ],
        "trainers": [2],
        "learners": range(24, 29),
        "expect": {Result.PENDING: 5},
        "validate": 2,
        "refuse": {"count": 1, "reason": "Prérequis non remplis : moins de six mois d'encadrement."},
    },
    {
        "code": "XLS-2026-MTL",
        "course": "XLS",
        "name": "Excel avancé — Montréal",
        "offset": 7,
        "days": 2,
        "time_zone": "America/Montreal",
        "place": MONTREAL,
        "events": [
            _event("Séance 1 — Tableaux croisés dynamiques", 0, "09:00", "12:00"),
            _event("Séance 2 — Power Query", 0, "13:00", "16:30"),
            # The one manual event: 3 seats, 4 volunteers → the fourth waits.
            _event("Atelier facultatif — Macros VBA", 1, "09:00", "12:00", registration_type="manual", capacity=3),
        ],
        "trainers": [4],
        "learners": [21, 22, 23, 26, 29, 30],
        "manual_event": {"event": 2, "learners": 4},
    },
    {
        "code": "XLS-2025-LYS",
        "course": "XLS",
        "name": "Excel avancé — Lyon",
        "offset": -60,
        "days": 1,
        "place": LYON,
        "workspace_key": "course-v1:Cursus+XLS+2025_T4",
        "events": [
            _event("Séance 1 — Tableaux croisés dynamiques", 0, "09:00", "12:30"),
            _event("Séance 2 — Power Query", 0, "13:30", "17:00"),
        ],
        "trainers": [3],
        "learners": [0, 4, 5, 9, 12, 19],
    },
    {
        "code": "ONB-2026-01",
        "course": "ONB",
        "name": "Accueil des nouveaux arrivants — session 1",
        "offset": -14,
        "days": 1,
        "place": PARIS_HQ,
        "events": [
            _event("Séance 1 — Présentation de l'entreprise", 0, "09:00", "12:00"),
            _event("Séance 2 — Visite des locaux et consignes de sécurité", 0, "13:30", "16:30"),
        ],
        "trainers": [5],
        "learners": range(22, 34),
    },
    {
        # One learner unregisters with a reason: a cancelled registration for the admin to show.
        "code": "ONB-2026-02",
        "course": "ONB",
        "name": "Accueil des nouveaux arrivants — session 2",
        "offset": 10,
        "days": 1,
        "place": PARIS_HQ,
        "workspace_key": "course-v1:Cursus+ONB+2026_T2",
        "events": [
            _event("Séance 1 — Présentation de l'entreprise", 0, "09:00", "12:00"),
            _event("Séance 2 — Visite des locaux et consignes de sécurité", 0, "13:30", "16:30"),
        ],
        "trainers": [5, 0],
        "learners": [1, 2, 3, 6, 7, 10],
        "unregister": {"learner": 3, "reason": "Prise de poste reportée au mois suivant."},
    },
    {
        "code": "INC-2026-01",
        "course": "INC",
        "name": "Prévention des risques incendie — manipulation des extincteurs",
        "offset": 60,
        "days": 1,
        "place": VILLEURBANNE,
        "events": [
            _event("Séance 1 — Théorie du feu", 0, "09:00", "12:00"),
            _event("Séance 2 — Exercice sur feu réel", 0, "13:30", "16:30"),
        ],
        "trainers": [1],
        "learners": [11, 13, 14],
    },
    {
        # Just opened: nobody registered yet.
        "code": "INC-2026-EPI",
        "course": "INC",
        "name": "Prévention des risques incendie — équipiers de première intervention",
        "offset": 90,
        "days": 2,
        "place": VILLEURBANNE,
        "events": [
            _event("Séance 1 — Alerte et évacuation", 0, "09:00", "17:00"),
            _event("Séance 2 — Exercice d'évacuation", 1, "09:00", "12:00"),
        ],
        "trainers": [],
        "learners": [],
    },
]

SESSION_FIELDS = (
    "name",
    "place",
    "capacity",
    "workspace_key",
    "self_registration",
    "self_unregistration",
    "validation_required",
    "waiting_list_enabled",
)


def ascii_slug(text):
    """'Jean-Loup d'Aubigné' → 'jean-loup-daubigne'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace("'", "").replace(" ", "-")


def username_of(first_name, last_name):
    return f"{ascii_slug(first_name)}.{ascii_slug(last_name)}"


def attendance_for(learner_index, event_index):
    """A fixed mix: mostly present, a few justified and unjustified absences."""
    if (learner_index + event_index) % 7 == 3:
        return Attendance.ABSENT_JUSTIFIED
    if (3 * learner_index + event_index) % 11 == 5:
        return Attendance.ABSENT_UNJUSTIFIED
    return Attendance.PRESENT


class Command(BaseCommand):
    help = "Seed the demo database with courses, sessions, events, users and registrations (idempotent)."

    def handle(self, *args, **options):
        # Seeding is not news to anyone: its registrations notify nobody (what you do next does).
        with transaction.atomic(), notifying(False):
            admin = self._admin()
            self._manager()
            self._learner()
            trainers = [self._user(first, last) for first, last in TRAINERS]
            learners = [self._user(first, last) for first, last in LEARNERS]
            courses = {plan["code"]: self._course(plan) for plan in COURSES}
            self._organizations(courses)
            created = 0
            for plan in SESSIONS:
                if Session.objects.filter(code=plan["code"]).exists():
                    continue  # already seeded: left untouched, registrations included
                self._session(plan, courses[plan["course"]], trainers, learners, admin)
                created += 1
            if not IssuedDocument.objects.exists():
                self._documents(admin)
        self._summary(created)

    def _documents(self, admin):
        """A convocation and a certificate already issued, so the register and verification have data."""
        upcoming = (
            Registration.objects.filter(
                role=Role.LEARNER, status=RegistrationStatus.CONFIRMED, session__start__gt=timezone.now()
            )
            .order_by("session__start", "pk")
            .first()
        )
        attended = (
            Registration.objects.filter(
                role=Role.LEARNER,
                status=RegistrationStatus.CONFIRMED,
                session__end__lt=timezone.now(),
                event_registrations__attendance=Attendance.PRESENT,
            )
            .order_by("session__start", "pk")
            .first()
        )
        if upcoming is not None:
            documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=upcoming, actor=admin, language="fr")
        if attended is not None:
            issued = documents.issue(
                kind=DocumentKind.SESSION_CERTIFICATE, registration=attended, actor=admin, language="fr"
            )
            self.stdout.write(f"Verification page of a certificate: /cursus/verify/{issued.verification_code}/")

    # --- people -------------------------------------------------------------------------

    def _admin(self):
        return self._account(ADMIN, is_staff=True, is_superuser=True)

    def _manager(self):
        manager = self._account(MANAGER, is_staff=True)
        permissions = list(
            Permission.objects.filter(content_type__app_label="cursus_xblock", codename__in=MANAGER_PERMISSIONS)
        )
        missing = set(MANAGER_PERMISSIONS) - {p.codename for p in permissions}
        if missing:
            raise CommandError(f"Missing permissions (run migrate first?): {sorted(missing)}")
        manager.user_permissions.set(permissions)  # writes only what differs
        return manager

    def _organizations(self, courses):
        """Two organizations, each course in one, and a manager of the first (writes only what differs)."""
        organizations = {}
        for short_name, name in ORGANIZATIONS:
            organizations[short_name], _created = Organization.objects.get_or_create(
                short_name=short_name, defaults={"name": name}
            )
        for code, short_name in COURSE_ORGANIZATIONS.items():
            course = courses.get(code)
            if course is not None and course.organization_id != organizations[short_name].pk:
                course.organization = organizations[short_name]
                course.save(update_fields=["organization"])
        manager = self._account(ORGANIZATION_MANAGER, is_staff=True)
        OrganizationManager.objects.get_or_create(user=manager, organization=organizations[ORGANIZATIONS[0][0]])
        manager.user_permissions.clear()

    def _learner(self):
        return self._account(LEARNER)

    @staticmethod
    def _account(spec, **extra):
        """The account of a printed login, made the first time with its password."""
        User = get_user_model()
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            user = User.objects.create_user(
                spec["username"],
                f"{spec['username']}@example.org",
                spec["password"],
                first_name=spec["first_name"],
                last_name=spec["last_name"],
                **extra,
            )
        return user

    def _user(self, first_name, last_name):
        username = username_of(first_name, last_name)
        user, _created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
                # Demo people cannot log in; the admin works on their registrations.
                "password": make_password(None),
            },
        )
        return user

    # --- catalogue ----------------------------------------------------------------------

    def _course(self, plan):
        values = {key: value for key, value in plan.items() if key != "code"}
        course = Course.objects.filter(code=plan["code"]).first()
        if course is None:
            course = Course(code=plan["code"], **values)
            course.full_clean()
            course.save()
            return course
        changed = [key for key, value in values.items() if getattr(course, key) != value]
        if changed:  # bring a course edited by hand back to the demo's text; untouched otherwise
            for key in changed:
                setattr(course, key, values[key])
            course.full_clean()
            course.save(update_fields=[*changed, "updated_at"])
        return course

    def _session(self, plan, course, trainers, learners, admin):
        tz = zoneinfo.ZoneInfo(plan.get("time_zone", "Europe/Paris"))
        first_day = timezone.localdate() + datetime.timedelta(days=plan["offset"])

        def at(day, time):
            return datetime.datetime.combine(first_day + datetime.timedelta(days=day), time, tzinfo=tz)

        start, end = at(0, _t("08:30")), at(plan["days"] - 1, _t("17:30"))
        event_dates = [(at(e["day"], e["start"]), at(e["day"], e["end"])) for e in plan["events"]]

        # The demo fakes time passing. The service rightly refuses registrations in a session
        # that has ended (and automatic events that have ended), so a session that has already
        # started is first created one year ahead, filled through the services, and then moved
        # back to its real dates with a queryset update (no service involved, nothing else changes).
        shift = datetime.timedelta(days=365) if start <= timezone.now() else datetime.timedelta(0)

        values = course.session_defaults()
        values.update({key: plan[key] for key in SESSION_FIELDS if key in plan})
        session = Session(
            course=course,
            code=plan["code"],
            time_zone=str(tz),
            start=start + shift,
            end=end + shift,
            description=f"{course.title} — {plan['name']}.",
            **values,
        )
        session.full_clean()
        session.save()
        events = []
        for spec, (event_start, event_end) in zip(plan["events"], event_dates, strict=True):
            event = Event(
                session=session,
                name=spec["name"],
                start=event_start + shift,
                end=event_end + shift,
                registration_type=spec.get("registration_type", EventRegistrationType.AUTO),
                capacity=spec.get("capacity"),
            )
            event.full_clean()
            event.save()
            events.append(event)

        self._register(session, [trainers[i] for i in plan["trainers"]], Role.TRAINER, admin, plan)
        learner_indexes = list(plan["learners"])
        self._register(session, [learners[i] for i in learner_indexes], Role.LEARNER, admin, plan)
        self._follow_up(session, plan, events, learners, admin)

        if shift:
            Session.objects.filter(pk=session.pk).update(start=start, end=end)
            for event, (event_start, event_end) in zip(events, event_dates, strict=True):
                Event.objects.filter(pk=event.pk).update(start=event_start, end=event_end)
            self._attendance(session, learner_indexes, learners, admin)
        return session

    def _register(self, session, users, role, admin, plan):
        if not users:
            return
        outcomes = register_users(session=session, users=users, role=role, actor=admin, reason=REASON)
        results = {}
        for outcome in outcomes:
            results[outcome.result] = results.get(outcome.result, 0) + 1
        expected = {Result.REGISTERED: len(users)}
        if role == Role.LEARNER:
            expected = plan.get("expect", expected)
        if results != expected:
            details = "; ".join(str(o.describe()) for o in outcomes if o.result not in expected)
            raise CommandError(f"{session.code} ({role}): expected {expected}, got {results}. {details}")

    def _follow_up(self, session, plan, events, learners, admin):
        """Validations, refusals, an unregistration and a manual event, each through its service."""
        pending = list(Registration.objects.filter(session=session, status=RegistrationStatus.PENDING).order_by("pk"))
        for registration in pending[: plan.get("validate", 0)]:
            validate(registration=registration, actor=admin, reason="Accord du responsable hiérarchique.")
        if "refuse" in plan:
            start = plan.get("validate", 0)
            for registration in pending[start : start + plan["refuse"]["count"]]:
                refuse(registration=registration, actor=admin, reason=plan["refuse"]["reason"])
        if "unregister" in plan:
            user = learners[plan["unregister"]["learner"]]
            registration = Registration.objects.get(session=session, user=user, role=Role.LEARNER)
            unregister(registration=registration, actor=admin, reason=plan["unregister"]["reason"])
        if "manual_event" in plan:
            event = events[plan["manual_event"]["event"]]
            volunteers = Registration.objects.filter(
                session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
            ).order_by("pk")[: plan["manual_event"]["learners"]]
            for registration in volunteers:
                (outcome,) = register_to_events(registration=registration, events=[event], actor=admin, reason=REASON)
                if not outcome.ok:
                    raise CommandError(f"{event}: {outcome.describe()}")

    def _attendance(self, session, learner_indexes, learners, admin):
        """Attendance of the learners at the events that have started (past sessions, the one in progress)."""
        index_of = {learners[i].pk: i for i in learner_indexes}
        started = list(session.events.filter(start__lte=timezone.now()).order_by("start", "pk"))
        for event_index, event in enumerate(started):
            rows = EventRegistration.objects.filter(
                event=event, registration__role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
            ).select_related("registration")
            for row in rows.order_by("pk"):
                state = attendance_for(index_of[row.registration.user_id], event_index)
                attendance_mark(event_registration=row, state=state, actor=admin, reason=REASON)

    # --- report -------------------------------------------------------------------------

    def _summary(self, created):
        write = self.stdout.write
        write(f"Sessions seeded by this run: {created} (already present: {len(SESSIONS) - created}).")
        write(f"Users: {get_user_model().objects.count()}")
        write(f"Courses: {Course.objects.count()}")
        write(f"Sessions: {Session.objects.count()}")
        write(f"Events: {Event.objects.count()}")
        by_status = dict(Registration.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        details = ", ".join(f"{label}: {by_status.get(value, 0)}" for value, label in RegistrationStatus.choices)
        write(f"Registrations: {Registration.objects.count()} ({details})")
        by_attendance = dict(
            EventRegistration.objects.values_list("attendance").annotate(n=Count("pk")).values_list("attendance", "n")
        )
        details = ", ".join(f"{label}: {by_attendance.get(value, 0)}" for value, label in Attendance.choices)
        write(f"Event registrations: {EventRegistration.objects.count()} (attendance — {details})")
        write(f"History entries: {RegistrationHistory.objects.count()}")
        write(f"Issued documents: {IssuedDocument.objects.count()}")
        write(f"Manager login: {MANAGER['username']} / {MANAGER['password']}")
        write(
            f"Manager of the organization {ORGANIZATIONS[0][0]} only: "
            f"{ORGANIZATION_MANAGER['username']} / {ORGANIZATION_MANAGER['password']}"
        )
        write(f"Admin login: {ADMIN['username']} / {ADMIN['password']}")
        write(f"Learner login: {LEARNER['username']} / {LEARNER['password']} (at /accounts/login/, then /workbench/)")
