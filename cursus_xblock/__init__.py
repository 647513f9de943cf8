"""Instructor-led training for Open edX, in the manner of Claroline Connect's Cursus module."""

__version__ = "0.2.0"
