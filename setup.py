"""Packaging for cursus-xblock: an Open edX plugin app, usable in any Django project."""

import os
import re

from setuptools import find_namespace_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))


def read(*parts):
    with open(os.path.join(HERE, *parts), encoding="utf-8") as handle:
        return handle.read()


def version():
    match = re.search(r'^__version__ = "([^"]+)"', read("cursus_xblock", "__init__.py"), re.M)
    return match.group(1)


setup(
    name="cursus-xblock",
    version=version(),
    description="Instructor-led training for Open edX: courses, dated sessions and events, "
    "registrations, invitations and attendance certificates.",
    long_description=read("README.md"),
    long_description_content_type="text/markdown",
    license="AGPL-3.0",
    # Namespace discovery so that data folders (templates, static, locale) count as package data.
    packages=find_namespace_packages(include=["cursus_xblock", "cursus_xblock.*"], exclude=["*.__pycache__"]),
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.11",
    # Loose ranges on purpose: the LMS pins these itself and we must never cap them. Each floor is
    # at or below the version of the oldest LMS we test on (requirements/constraints/lms-teak.txt,
    # September 2025: shown in brackets), so that `pip install` under the platform's constraints
    # never refuses the plugin nor replaces one of the platform's packages.
    install_requires=[
        "Django>=4.2",  # [4.2.24]; 5.2.10 in January 2026
        "django-crum>=0.7",  # [0.7.9]
        "djangorestframework>=3.14",  # [3.16.1]
        "drf-spectacular>=0.28",  # [0.28.0]; 0.29.0
        "edx-django-utils>=5.0",  # [8.0.0]; 8.0.1
        "edx-opaque-keys>=2.5",  # [3.0.0]
        # [6.3.1]; 6.3.2. 6.3.1 is the oldest tested: it has neither vCalAddress.new nor
        # Event.organizer, so documents/calendar.py uses Component.add (and Timezone.from_tzinfo, 6.1+).
        "icalendar>=6.3.1",
        "openedx-events>=9.0",  # [10.5.0]
        # CourseEnrollmentStarted and PipelineStep: the optional self-enrollment filter step.
        "openedx-filters>=1.0",  # [2.1.0]
        "openpyxl>=3.1",  # not pinned by the LMS: reading and writing XLSX imports and exports
        "pygal>=3.0",  # not in the LMS: the reports' charts as SVG (Kozea's, like WeasyPrint; pure Python)
        "segno>=1.5",  # not in the LMS
        # [not pinned by the LMS, but its tinycss2 1.4.0 allows WeasyPrint 66 and 67 only (68+ need
        # tinycss2 1.5)]. 66.0 passes the URL-fetcher tests: documents/render.py never lets
        # WeasyPrint fetch http(s), so the redirect flaw fixed in 68.1 (CVE-2025-68616) is not reached.
        "weasyprint>=66.0",
        # [5.2.0]; 5.3.0. XBlock brings web-fragments and WebOb, which block.py imports too.
        "XBlock>=5.0",
        "web-fragments>=2.0",  # [3.1.0]
        "WebOb>=1.8",  # [1.8.9]
    ],
    extras_require={
        # Bulk documents in a Celery task (CURSUS_USE_CELERY): Open edX has Celery already.
        "celery": ["celery>=5.2"],  # [5.5.3]; 5.6.2
    },
    entry_points={
        "lms.djangoapp": ["cursus_xblock = cursus_xblock.apps:CursusConfig"],
        "cms.djangoapp": ["cursus_xblock = cursus_xblock.apps:CursusConfig"],
        "xblock.v1": ["cursus = cursus_xblock.xblock.block:CursusXBlock"],
    },
    classifiers=[
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "License :: OSI Approved :: GNU Affero General Public License v3",
    ],
)
