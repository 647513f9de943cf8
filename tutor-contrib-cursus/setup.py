"""tutor-contrib-cursus: the Tutor plugin that installs cursus-xblock into Open edX."""

import os
import re

from setuptools import setup

HERE = os.path.abspath(os.path.dirname(__file__))


def read(*parts):
    with open(os.path.join(HERE, *parts), encoding="utf-8") as handle:
        return handle.read()


setup(
    name="tutor-contrib-cursus",
    version=re.search(r'^__version__ = "([^"]+)"', read("tutorcursus", "__init__.py"), re.M).group(1),
    description="Tutor plugin for cursus-xblock: instructor-led training sessions in Open edX.",
    long_description=read("README.md"),
    long_description_content_type="text/markdown",
    license="AGPL-3.0",
    packages=["tutorcursus"],
    python_requires=">=3.10",
    # Teak (Tutor 20), Ulmo (21), Verawood (22): the hooks used here are the same in all three.
    install_requires=["tutor>=20.0.0,<23.0.0"],
    entry_points={"tutor.plugin.v1": ["cursus = tutorcursus.plugin"]},
    classifiers=[
        "License :: OSI Approved :: GNU Affero General Public License v3",
        "Programming Language :: Python :: 3",
    ],
)
