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
    # Loose ranges on purpose: the LMS pins these itself and we must never cap them.
    install_requires=[
        "Django>=4.2",
        "django-crum>=0.7",
        "djangorestframework>=3.14",
        "drf-spectacular>=0.28",
        "edx-django-utils>=5.0",
        "edx-opaque-keys>=2.5",
        "icalendar>=6.0",
        "openedx-events>=9.0",
        # CourseEnrollmentStarted and PipelineStep: the optional self-enrollment filter step.
        "openedx-filters>=1.0",
        "segno>=1.5",
        # 68.1: redirects go through the URL fetcher (CVE-2025-68616) and URL schemes are detected right.
        "weasyprint>=68.1",
        "XBlock>=5.0",
    ],
    entry_points={
        "lms.djangoapp": ["cursus_xblock = cursus_xblock.apps:CursusConfig"],
        "cms.djangoapp": ["cursus_xblock = cursus_xblock.apps:CursusConfig"],
        "xblock.v1": ["cursus = cursus_xblock.block:CursusXBlock"],
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
