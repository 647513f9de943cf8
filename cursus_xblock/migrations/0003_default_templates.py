"""Install the default invitations and certificates of attendance, in French and English.

Existing defaults are kept: a (kind, language) that already has one is skipped. Reversing leaves
the templates in place (they may have been edited and used to issue documents since).
"""

from django.db import migrations


def install_defaults(apps, schema_editor):
    from cursus_xblock.documents.defaults import install_default_templates

    install_default_templates(
        apps.get_model("cursus_xblock", "DocumentTemplate"),
        apps.get_model("cursus_xblock", "DocumentTemplateVersion"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0002_documents"),
    ]

    operations = [
        migrations.RunPython(install_defaults, migrations.RunPython.noop),
    ]
