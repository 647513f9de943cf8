"""Tutor plugin for cursus-xblock: instructor-led training sessions in Open edX."""

__version__ = "0.2.0"
