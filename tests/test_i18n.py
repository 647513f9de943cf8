"""French is complete: every message of the catalogue translated, compiled, and shown in the admin."""

import ast
import gettext
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cursus_xblock.models import Role
from cursus_xblock.services.outcomes import Refusal

LOCALE = Path(__file__).resolve().parent.parent / "cursus_xblock" / "locale" / "fr" / "LC_MESSAGES"


def _entries(po_text):
    """(flags, msgctxt, msgid, msgid_plural, [msgstr…]) for each entry of a .po file."""
    entries = []
    for block in po_text.strip().split("\n\n"):
        fields, flags, current = {}, "", None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags = line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = ast.literal_eval(value)
        strs = [v for k, v in fields.items() if k.startswith("msgstr")]
        entries.append((flags, fields.get("msgctxt"), fields.get("msgid"), fields.get("msgid_plural"), strs))
    return entries


def test_every_message_is_translated_and_compiled():
    entries = [e for e in _entries((LOCALE / "django.po").read_text(encoding="utf-8")) if e[2]]
    assert len(entries) > 100
    assert [e[2] for e in entries if "fuzzy" in e[0]] == []
    assert [e[2] for e in entries if not all(e[4])] == []
    compiled = gettext.GNUTranslations((LOCALE / "django.mo").open("rb"))
    for _flags, context, msgid, plural, strs in entries:
        if plural:
            assert compiled.npgettext(context, msgid, plural, 2) if context else compiled.ngettext(msgid, plural, 2)
            continue
        found = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert found == strs[0], f"django.mo is older than django.po for {msgid!r}: run compilemessages"


def test_domain_words_are_the_seeds():
    with translation.override("fr"):
        assert str(Role.LEARNER.label) == "Apprenant"
        assert str(Role.TRAINER.label) == "Formateur"
        assert str(Refusal.FULL.label) == "La session est complète."


@pytest.mark.django_db
def test_the_admin_speaks_french(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(admin_user)
    page = client.get(reverse("admin:cursus_xblock_session_changelist")).content.decode()
    assert "Sessions de formation" in page or "sessions de formation" in page
    assert "Fermée aux inscriptions" in page
