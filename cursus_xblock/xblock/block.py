"""The Cursus XBlock: a course unit where learners find the training sessions, join and leave them.

The block holds no registration state of its own (every field is the author's settings): sessions,
registrations and documents live in the plugin's tables and change only through the services, so
the admin, the API and the block apply the same rules. Handlers act for the viewer alone — who that
is comes from the runtime (see ``xblock/viewer.py``), never from the request's data.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.template import Context
from django.utils import timezone, translation
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Scope, String
from xblock.utils.studio_editable import StudioEditableXBlockMixin
from xblock.validation import ValidationMessage

from ..backends import WorkspaceRefused
from ..models import (
    ACTIVE_STATUSES,
    Course,
    IssuedDocument,
    Registration,
    RegistrationStatus,
    Role,
)
from ..selectors.attendance import attendance_grids
from ..selectors.checkin import seance_checkins
from ..selectors.documents import is_certificate_kind
from ..selectors.sessions import source_sessions
from ..services import documents as documents_service
from ..services import registration as registration_service
from ..services.inputs import clean_reason
from ..services.outcomes import RegistrationError, Result
from ..utils.dates import after_colon, elide, long_date_range
from . import handlers, rendering
from .checkin import CheckInMixin
from .handlers import _
from .listing import block_sessions
from .rendering import loader
from .roll_call import RollCallMixin, trains_listed
from .viewer import viewer_of

SOURCE_COURSE_RUN = "course_run"
SOURCE_COURSE = "course"


@XBlock.wants("user")
@XBlock.needs("i18n")
class CursusXBlock(RollCallMixin, CheckInMixin, StudioEditableXBlockMixin, XBlock):
    """Training sessions of a course, with Register / Leave, séances, calendar files and documents."""

    display_name = String(
        display_name=_("Display name"),
        help=_("The heading learners see above the sessions."),
        default=_("Training sessions"),
        scope=Scope.settings,
    )
    source = String(
        display_name=_("Sessions shown"),
        help=_("The sessions whose workspace is this course run, or every session of one training course."),
        default=SOURCE_COURSE_RUN,
        values=[
            {"display_name": _("The sessions of this course run"), "value": SOURCE_COURSE_RUN},
            {"display_name": _("The sessions of a training course (by its code)"), "value": SOURCE_COURSE},
        ],
        scope=Scope.settings,
    )
    course_code = String(
        display_name=_("Training course code"),
        help=_(
            "The code of the training course, as in the training administration (e.g. SST). Used when "
            "“Sessions shown” is a training course."
        ),
        default="",
        scope=Scope.settings,
    )
    show_past = Boolean(
        display_name=_("Show past sessions"),
        help=_("Also list sessions that have ended. Learners always see the sessions they attended."),
        default=False,
        scope=Scope.settings,
    )
    show_seats_left = Boolean(
        display_name=_("Show seats left"),
        help=_("Tell learners how many seats are still free in each session."),
        default=True,
        scope=Scope.settings,
    )

    editable_fields = ("display_name", "source", "course_code", "show_past", "show_seats_left")

    # --- translation (the runtime's service: Open edX's falls back to Django's catalogue) -------

    def gettext(self, text):
        return self.runtime.service(self, "i18n").gettext(text)

    ugettext = gettext  # StudioEditableXBlockMixin's name for it

    # --- views ------------------------------------------------------------------------------

    def student_view(self, context=None):
        viewer = viewer_of(self)
        return self._fragment(viewer, preview=False)

    def author_view(self, context=None):
        """Studio's unit page: what learners see, without buttons, and which sessions it takes."""
        return self._fragment(viewer_of(self), preview=True)

    def _fragment(self, viewer, *, preview):
        fragment = Fragment()
        problem = self._source_problem()
        fragment.add_content(
            self._render(
                "templates/cursus_xblock/block/student.html",
                {
                    "title": self.gettext(self.display_name),
                    "preview": preview,
                    "source_label": self._source_label() if preview else "",
                    "problem": problem,
                    "anonymous": viewer.is_anonymous,
                    "login_url": rendering.login_url() if viewer.is_anonymous else "",
                    "time_zone": viewer.time_zone if rendering.known_zone(viewer.time_zone) else "",
                    "language": translation.get_language() or "en",
                    "sessions_html": "" if problem else self._sessions_html(viewer, preview=preview),
                },
            )
        )
        fragment.add_css(loader.load_unicode("static/cursus_xblock/block/cursus.css"))
        fragment.add_javascript(loader.load_unicode("static/cursus_xblock/block/signature.js"))
        fragment.add_javascript(loader.load_unicode("static/cursus_xblock/block/cursus.js"))
        fragment.initialize_js(
            "CursusXBlock",
            {
                "register_url": self.runtime.handler_url(self, "register"),
                "leave_url": self.runtime.handler_url(self, "leave"),
                "attendance_url": self.runtime.handler_url(self, "attendance"),
                **{
                    f"{name}_url": self.runtime.handler_url(self, name)
                    for name in (
                        "checkin_open",
                        "checkin_close",
                        "checkin_code",
                        "check_in",
                        "checkin_validate",
                        "countersign",
                    )
                },
            },
        )
        return fragment

    def _sessions_html(self, viewer, *, preview=False):
        listing = block_sessions(self._sessions(), viewer=viewer.user, show_past=self.show_past)
        zone = zoneinfo.ZoneInfo(viewer.time_zone) if rendering.known_zone(viewer.time_zone) else None
        trained = [row.session for row in listing.rows if trains_listed(row)] if not preview else []
        grids = attendance_grids(trained) if trained else {}
        now = timezone.now()
        self._viewer_id = viewer.user.pk if viewer.user is not None else None
        seances = {column.event.pk for grid in grids.values() for column in grid.columns}
        if not preview:
            seances.update(item["event"].pk for row in listing.rows if row.learner for item in row.events)
        checkins = seance_checkins(seances, now)
        return self._render(
            "templates/cursus_xblock/block/sessions.html",
            {
                "rows": [
                    self._row(row, zone, preview, grids.get(row.session.pk), checkins=checkins, now=now)
                    for row in listing.rows
                ],
                "hidden": listing.hidden,
                "show_seats_left": self.show_seats_left,
                "preview": preview,
                "anonymous": viewer.is_anonymous,
                "icons": rendering.icons(),
            },
        )

    def _render(self, path, context):
        """``ResourceLoader.render_django_template``, with the template compiled once per process.

        Same engine and ``{% trans %}`` through the runtime's i18n service; parsing was a third of
        each render.
        """
        context = {**context, "_i18n_service": self.runtime.service(self, "i18n")}
        return rendering.template(path).render(Context(context))

    def _row(self, row, zone, preview, grid=None, checkins=None, now=None):
        session = row.session
        tz = zone or session.tzinfo
        mine = row.registration
        calendar = self.runtime.handler_url(self, "calendar", query=f"session={session.pk}") if mine else ""
        return {
            "row": row,
            "dates": long_date_range(session.start, session.end, tz),
            "start": session.start.isoformat(),
            "end": session.end.isoformat(),
            "status": rendering.status(self, row),
            "calendar_url": calendar if mine and mine.status == RegistrationStatus.CONFIRMED else "",
            "can_register": row.can_register and not preview,
            "can_leave": row.can_leave and not preview,
            "events": [
                {
                    "event": item["event"],
                    "dates": long_date_range(item["event"].start, item["event"].end, tz),
                    "start": item["event"].start.isoformat(),
                    "end": item["event"].end.isoformat(),
                    "registration": item["registration"],
                    "checkin": self._learner_checkin(row, item, (checkins or {}).get(item["event"].pk), tz),
                    "calendar_url": (
                        self.runtime.handler_url(
                            self, "calendar", query=f"session={session.pk}&event={item['event'].pk}"
                        )
                        if item["registration"] is not None
                        and item["registration"].status == RegistrationStatus.CONFIRMED
                        else ""
                    ),
                }
                for item in row.events
            ],
            "documents": [
                {
                    "document": document,
                    "certificate": is_certificate_kind(document.kind),
                    "url": self.runtime.handler_url(self, "document", query=f"id={document.pk}"),
                }
                for document in row.documents
            ],
            "rolls": self._rolls(grid, tz, checkins or {}, now) if grid is not None else [],
            "learners": [
                {
                    "name": learner["registration"].user.get_full_name() or learner["registration"].user.get_username(),
                    "status": (
                        rendering.waiting_label(self, learner["position"])
                        if learner["position"]
                        else learner["registration"].get_status_display()
                    ),
                }
                for learner in row.learners
            ],
        }

    # --- where the sessions come from ---------------------------------------------------------

    def _course_run_key(self):
        """The course run the block sits in, as a string; '' outside a course (the workbench)."""
        usage_id = self.scope_ids.usage_id
        key = getattr(usage_id, "context_key", None) or getattr(usage_id, "course_key", None)
        key = key or getattr(self.runtime, "course_id", None)
        return str(key) if key else ""

    def _sessions(self):
        if self.source == SOURCE_COURSE:
            return source_sessions(course_code=self.course_code.strip())
        return source_sessions(workspace_key=self._course_run_key())

    def _source_problem(self):
        """What keeps the block from listing sessions, for the author; '' when nothing does."""
        if self.source == SOURCE_COURSE:
            code = self.course_code.strip()
            if not code:
                return self.gettext(_("Enter the code of a training course in this component's settings."))
            if not Course.objects.filter(code=code).exists():
                return self.gettext(_("No training course has the code “{code}”.")).format(code=code)
            return ""
        if not self._course_run_key():
            return self.gettext(
                _("This component is not inside a course run: choose a training course in its settings.")
            )
        return ""

    def _source_label(self):
        if self.source == SOURCE_COURSE:
            course = Course.objects.filter(code=self.course_code.strip()).first()
            if course:
                return self.gettext(_("Sessions of the training course {course}")).format(course=course)
            return ""
        return self.gettext(_("Sessions whose workspace is {key}")).format(key=self._course_run_key())

    def validate_field_data(self, validation, data):
        if data.source == SOURCE_COURSE:
            code = (data.course_code or "").strip()
            if not code:
                message = _("Enter the code of a training course in this component's settings.")
                validation.add(ValidationMessage(ValidationMessage.ERROR, self.gettext(message)))
            elif not Course.objects.filter(code=code).exists():
                message = self.gettext(_("No training course has the code “{code}”.")).format(code=code)
                validation.add(ValidationMessage(ValidationMessage.ERROR, message))

    # --- handlers -----------------------------------------------------------------------------

    @handlers.self_service
    def register(self, data, viewer):
        """Register the viewer as a learner; the payload names a session of this block, nothing else."""
        session = self._session_from(data)
        try:
            outcome = registration_service.self_register(user=viewer.user, session=session)
        except RegistrationError as exc:
            raise JsonHandlerError(403, str(exc.message)) from exc
        if outcome.result == Result.REFUSED:
            raise JsonHandlerError(409, str(outcome.message))
        self.runtime.publish(self, "cursus.session.registered", {"session_id": session.pk, "result": outcome.result})
        return self._answer(viewer, rendering.registered_message(self, outcome))

    @handlers.self_service
    def leave(self, data, viewer):
        """Unregister the viewer's own learner registration in a session of this block."""
        session = self._session_from(data)
        try:
            reason = clean_reason(data.get("reason", ""))
        except ValidationError as exc:  # the rule, and its words, of every interface
            raise JsonHandlerError(400, exc.messages[0]) from exc
        registration = Registration.objects.filter(
            user=viewer.user, session=session, role=Role.LEARNER, status__in=ACTIVE_STATUSES
        ).first()
        if registration is None:
            raise JsonHandlerError(409, self.gettext(_("You are not registered in this session.")))
        try:
            registration_service.self_unregister(registration=registration, reason=reason)
        except RegistrationError as exc:
            raise JsonHandlerError(403 if exc.code == "not_allowed" else 409, str(exc.message)) from exc
        except WorkspaceRefused as exc:  # the workspace kept the role: the service undid everything
            message = self.gettext(_("You could not leave {session}: {reason}"))
            reason = after_colon(exc.message)
            raise JsonHandlerError(
                409, elide(message, {"session": session.name}).format(session=session.name, reason=reason)
            ) from exc
        self.runtime.publish(self, "cursus.session.left", {"session_id": session.pk})
        left = elide(self.gettext(_("You have left {session}.")), {"session": session.name})
        return self._answer(viewer, left.format(session=session.name))

    @handlers.viewer_download
    def calendar(self, request, user):
        """The viewer's séances of a session (or one of them) as an .ics file to import."""
        registration = (
            Registration.objects.filter(
                user=user,
                session__in=self._sessions(),
                session_id=handlers.positive_int(request.GET.get("session")),
                status=RegistrationStatus.CONFIRMED,
            )
            .select_related("session")
            .order_by("role")
            .first()
        )
        if registration is None:
            return handlers.plain(404, self.gettext(_("You have no confirmed registration in this session.")))
        event = None
        if "event" in request.GET:
            event = registration.session.events.filter(
                pk=handlers.positive_int(request.GET.get("event")),
                registrations__registration=registration,
                registrations__status=RegistrationStatus.CONFIRMED,
            ).first()
            if event is None:
                return handlers.plain(404, self.gettext(_("You are not registered for this séance.")))
        content = documents_service.calendar_for(registration, event=event, publish=True)
        name = f"{registration.session.code or 'session'}{f'-{event.pk}' if event else ''}.ics"
        return handlers.download(content, "text/calendar", name, charset="utf-8")

    @handlers.viewer_download
    def document(self, request, user):
        """One of the viewer's issued documents, exactly as issued."""
        issued = IssuedDocument.objects.filter(
            pk=handlers.positive_int(request.GET.get("id")), registration__user=user
        ).first()
        if issued is None:
            return handlers.plain(404, self.gettext(_("This document does not exist or is not yours.")))
        try:
            content = documents_service.read_content(issued)
        except FileNotFoundError:
            return handlers.plain(404, self.gettext(_("The file of this document is missing: ask a training manager.")))
        return handlers.download(content, issued.media_type, issued.filename)

    def _session_from(self, data):
        """A session listed by this block, from the payload's ``session`` id: 404 for anything else."""
        pk = handlers.positive_int(data.get("session")) if isinstance(data, dict) else None
        session = self._sessions().filter(pk=pk).first() if pk else None
        if session is None:
            raise JsonHandlerError(404, self.gettext(_("This session is not offered here.")))
        return session

    def _answer(self, viewer, message):
        return {"message": str(message), "html": self._sessions_html(viewer)}

    # --- workbench ----------------------------------------------------------------------------

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Cursus: the sessions of a training course",
                '<cursus source="course" course_code="SST" show_past="true"/>',
            ),
            (
                "Cursus: a training course, seats hidden",
                '<cursus source="course" course_code="XLS" show_seats_left="false"/>',
            ),
        ]
