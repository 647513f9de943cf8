"""« Reports »: the training section's figures, each a chart with its table and its export.

Open to every training manager who may use the admin, on what they manage (a manager of some
organizations sees their courses only). The filters are read from the query string (a GET that
changes nothing); the figures come from ``selectors.reports`` in a fixed number of queries,
and an export (CSV or XLSX) writes the same rows as the table, all of them.
"""

from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .. import permissions
from ..models import TrainingReport
from ..selectors import reports
from ..utils.spreadsheets import export_response
from .charts import bar_chart
from .entries import PageEntryAdmin

#: Rows a table shows on the page; the export has them all.
TABLE_ROWS = 100
FORMATS = ("csv", "xlsx")
TOO_LONG = _("The period may not be longer than %(months)d months.")
END_BEFORE_START = _("The end of the period must not be before its start.")


class ReportFilterForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=None, required=False, empty_label=_("All courses"))
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=None, required=False, empty_label=_("All organizations")
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = permissions.courses_managed_by(user).order_by("code")
        organizations = permissions.organizations_managed_by(user).order_by("short_name")
        self.fields["organization"].queryset = organizations
        self.has_organizations = organizations.exists()
        if not self.has_organizations:
            del self.fields["organization"]

    def clean(self):
        data = super().clean()
        default = reports.default_filters()
        start, end = data.get("start") or default.start, data.get("end") or default.end
        if end < start:
            raise forms.ValidationError(END_BEFORE_START)
        if (end.year - start.year) * 12 + end.month - start.month + 1 > reports.MAX_MONTHS:
            raise forms.ValidationError(TOO_LONG % {"months": reports.MAX_MONTHS})
        data["start"], data["end"] = start, end
        return data

    def filters(self):
        data = self.cleaned_data
        course, organization = data.get("course"), data.get("organization")
        return reports.Filters(
            start=data["start"],
            end=data["end"],
            course_id=course.pk if course else None,
            organization_id=organization.pk if organization else None,
        )


# --- the figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """One figure: its table (``header``; ``rows`` of raw values, for the export; ``shown`` for the page) and chart."""

    key: str
    title: str
    header: list
    rows: list
    shown: list
    labels: list
    values: list
    unit: str = ""
    horizontal: bool = True
    help: str = ""
    whole: bool = False  # counts: whole numbers on the axis
    shown_header: list | None = None  # when the page joins columns the export keeps apart


def _number(value):
    if value is None:
        return "—"
    return formats.number_format(int(value) if isinstance(value, float) and value.is_integer() else value)


def person_name(user):
    return user.get_full_name() or user.get_username()


def _date(value):
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def _month(day):
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _month_code(day):
    return f"{day:%Y-%m}"


class Report:
    """The figures of one viewer and filters, each read once when first asked for."""

    def __init__(self, user, filters):
        self.user, self.filters = user, filters

    @cached_property
    def attendances(self):
        return reports.attendances(self.user, self.filters)

    def fill(self):
        rows = reports.fill_rates(self.user, self.filters)
        raw, shown = [], []
        for row in rows:
            s = row.session
            values = [s.code, s.name, s.course.code, s.start, row.capacity, row.confirmed, row.pending, row.waiting]
            raw.append([*values, row.rate])
            shown.append(
                [
                    f"{s.name} [{s.code}]",
                    s.course.code,
                    _date(s.start),
                    _number(row.capacity) if row.capacity is not None else _("unlimited"),
                    _number(row.confirmed),
                    _number(row.pending),
                    _number(row.waiting),
                    _number(row.rate),
                ]
            )
        header = [
            _("Session code"),
            _("Session"),
            _("Course code"),
            _("Start"),
            _("Capacity"),
            _("Confirmed"),
            _("Pending validation"),
            _("Waiting list"),
            _("Fill rate (%)"),
        ]
        return Figure(
            key="fill",
            title=_("Fill rate per session"),
            header=header,
            rows=raw,
            shown=shown,
            labels=[row.session.name for row in rows],
            values=[row.rate for row in rows],
            unit="%",
            help=_("Learners holding a seat (confirmed or pending validation) out of the capacity."),
            shown_header=header[1:],  # the page joins the code to the session's name
        )

    def events(self):
        rows = self.attendances.events
        raw, shown = [], []
        for row in rows:
            e = row.event
            counts = [row.learners, row.present, row.justified, row.unjustified]
            raw.append([e.name, e.session.code, e.start, *counts, row.rate])
            shown.append([e.name, e.session.code, _date(e.start), *map(_number, counts), _number(row.rate)])
        return Figure(
            key="events",
            title=_("Attendance rate per séance"),
            header=[
                _("Séance"),
                _("Session code"),
                _("Start"),
                _("Learners"),
                _("Present"),
                _("Absent (justified)"),
                _("Absent (unjustified)"),
                _("Attendance rate (%)"),
            ],
            rows=raw,
            shown=shown,
            labels=[f"{row.event.name} ({row.event.session.code})" for row in rows],
            values=[row.rate for row in rows],
            unit="%",
            help=_("The séances held in the period; the rate once the roll call is recorded."),
        )

    def learners(self):
        rows = self.attendances.learners
        raw = [[person_name(r.user), r.user.get_username(), r.events, r.hours, r.hours_trained, r.rate] for r in rows]
        return Figure(
            key="learners",
            title=_("Attendance rate per learner"),
            header=[
                _("Learner"),
                _("Username"),
                _("Séances"),
                _("Hours"),
                _("Hours present"),
                _("Attendance rate (%)"),
            ],
            rows=raw,
            shown=[[v if i < 2 else _number(v) for i, v in enumerate(row)] for row in raw],
            labels=[row[0] for row in raw],
            values=[row[5] for row in raw],
            unit="%",
            help=_("Hours present out of the hours of the learner's séances held in the period."),
        )

    def hours_person(self):
        rows = sorted(self.attendances.learners, key=lambda r: -r.attended_seconds)
        raw = [[person_name(r.user), r.user.get_username(), r.hours_trained] for r in rows]
        return Figure(
            key="hours_person",
            title=_("Hours trained per person"),
            header=[_("Learner"), _("Username"), _("Hours present")],
            rows=raw,
            shown=[[name, username, _number(hours)] for name, username, hours in raw],
            labels=[row[0] for row in raw],
            values=[row[2] for row in raw],
            unit="h",
        )

    def hours_course(self):
        raw = [[course.code, course.title, present, hours] for course, hours, present in self.attendances.by_course]
        return Figure(
            key="hours_course",
            title=_("Hours trained per course"),
            header=[_("Course code"), _("Course"), _("Attendances"), _("Hours present")],
            rows=raw,
            shown=[[code, title, _number(present), _number(hours)] for code, title, present, hours in raw],
            labels=[row[1] for row in raw],
            values=[row[3] for row in raw],
            unit="h",
        )

    def hours_month(self):
        months = self.attendances.by_month
        return Figure(
            key="hours_month",
            title=_("Hours trained per month"),
            header=[_("Month"), _("Hours present")],
            rows=[[_month_code(month), hours] for month, hours in months],
            shown=[[_month(month), _number(hours)] for month, hours in months],
            labels=[_month(month) for month, _hours in months],
            values=[hours for _month_day, hours in months],
            unit="h",
            horizontal=False,
        )

    def no_shows(self):
        rows = self.attendances.no_shows
        raw = [[person_name(r.user), r.user.get_username(), r.unjustified, r.hours_missed] for r in rows]
        return Figure(
            key="no_shows",
            whole=True,
            title=_("No-shows"),
            header=[_("Learner"), _("Username"), _("Séances missed"), _("Hours missed")],
            rows=raw,
            shown=[[name, username, _number(n), _number(hours)] for name, username, n, hours in raw],
            labels=[row[0] for row in raw],
            values=[row[2] for row in raw],
            help=_("Learners marked absent without justification, the most absent first."),
        )

    def cancellations(self):
        counts = reports.cancellations(self.user, self.filters)  # rows: learners, then trainers
        columns = [months for _role, months in counts.rows]
        raw = [
            [_month_code(month), *(column[i] for column in columns), counts.totals[i]]
            for i, month in enumerate(counts.months)
        ]
        return Figure(
            key="cancellations",
            whole=True,
            title=_("Cancellations per month"),
            header=[_("Month"), _("Learners"), _("Trainers"), _("Total")],
            rows=raw,
            shown=[[_month(month), *map(_number, row[1:])] for month, row in zip(counts.months, raw, strict=True)],
            labels=[_month(month) for month in counts.months],
            values=counts.totals,
            horizontal=False,
            help=_("Registrations to a session cancelled (unregistered), from the registrations' history."),
        )

    @cached_property
    def _certificates(self):
        return reports.certificates(self.user, self.filters)

    def certificates_month(self):
        counts = self._certificates
        return Figure(
            key="certificates_month",
            whole=True,
            title=_("Certificates issued per month"),
            header=[_("Month"), _("Certificates")],
            rows=[[_month_code(m), n] for m, n in zip(counts.months, counts.totals, strict=True)],
            shown=[[_month(m), _number(n)] for m, n in zip(counts.months, counts.totals, strict=True)],
            labels=[_month(month) for month in counts.months],
            values=counts.totals,
            horizontal=False,
        )

    def certificates_course(self):
        rows = [(label, sum(months)) for label, months in self._certificates.rows]
        return Figure(
            key="certificates_course",
            whole=True,
            title=_("Certificates issued per course"),
            header=[_("Course"), _("Certificates")],
            rows=[list(row) for row in rows],
            shown=[[label, _number(n)] for label, n in rows],
            labels=[label for label, _n in rows],
            values=[n for _label, n in rows],
        )

    KEYS = (
        "fill",
        "events",
        "learners",
        "hours_person",
        "hours_course",
        "hours_month",
        "no_shows",
        "cancellations",
        "certificates_month",
        "certificates_course",
    )

    def figure(self, key):
        return getattr(self, key)()

    def figures(self):
        return [self.figure(key) for key in self.KEYS]


# --- the page ------------------------------------------------------------------------------------


@admin.register(TrainingReport)
class TrainingReportAdmin(PageEntryAdmin):
    """Not a list of rows: the index entry of the reports page and its exports."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        opts = self.opts
        page = wrap(require_GET(self.reports_view))
        return [
            path("", page, name=f"{opts.app_label}_{opts.model_name}_changelist"),
            path("export/<str:key>.<str:fmt>", wrap(require_GET(self.export_view)), name="cursus_report_export"),
        ]

    def _form(self, request):
        if not permissions.can_use_admin(request.user):
            raise PermissionDenied
        if request.GET:
            return ReportFilterForm(request.user, request.GET)
        default = reports.default_filters()  # shown in the form
        return ReportFilterForm(request.user, {"start": default.start, "end": default.end})

    def reports_view(self, request):
        form = self._form(request)
        figures = []
        if form.is_valid():
            query = request.GET.urlencode()
            for number, figure in enumerate(Report(request.user, form.filters()).figures()):
                table_id = f"cursus-report-table-{figure.key}"
                figures.append(
                    {
                        "figure": figure,
                        "number": number,
                        "table_id": table_id,
                        "rows": figure.shown[:TABLE_ROWS],
                        "header": figure.shown_header or figure.header,
                        "more": max(len(figure.shown) - TABLE_ROWS, 0),
                        "chart": bar_chart(
                            figure.title,
                            figure.labels,
                            figure.values,
                            horizontal=figure.horizontal,
                            unit=figure.unit,
                            table_id=table_id,
                            chart_id=figure.key,
                            whole=figure.whole,
                        )
                        if figure.rows
                        else None,
                        "exports": [
                            (
                                fmt.upper(),
                                reverse(f"{self.admin_site.name}:cursus_report_export", args=[figure.key, fmt])
                                + (f"?{query}" if query else ""),
                            )
                            for fmt in FORMATS
                        ],
                    }
                )
        opts = self.opts
        context = {
            **self.admin_site.each_context(request),
            "title": capfirst(opts.verbose_name_plural),
            "opts": opts,
            "form": form,
            "figures": figures,
            "crumbs": [
                (
                    reverse(f"{self.admin_site.name}:app_list", kwargs={"app_label": opts.app_label}),
                    capfirst(opts.app_config.verbose_name),
                )
            ],
            "crumb": capfirst(opts.verbose_name_plural),
        }
        return TemplateResponse(request, "cursus_xblock/admin/reports.html", context)

    def export_view(self, request, key, fmt):
        form = self._form(request)
        if key not in Report.KEYS or fmt not in FORMATS:
            raise Http404(_("There is no such report."))
        if not form.is_valid():  # the page shows the form's errors
            changelist = reverse(f"{self.admin_site.name}:cursus_xblock_trainingreport_changelist")
            return HttpResponseRedirect(f"{changelist}?{request.GET.urlencode()}")
        figure = Report(request.user, form.filters()).figure(key)
        return export_response(figure.header, figure.rows, fmt, f"report-{key.replace('_', '-')}")
