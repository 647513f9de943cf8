"""The default training transcript templates, French and English (only where none exists).

The ``training_transcript`` kind needs no column (kinds validate against the registry); its
default templates are installed like the sign-in sheets' in 0011.
"""

from django.db import migrations


def install_transcripts(apps, schema_editor):
    from cursus_xblock.documents.defaults import install_default_templates

    install_default_templates(
        apps.get_model("cursus_xblock", "DocumentTemplate"),
        apps.get_model("cursus_xblock", "DocumentTemplateVersion"),
        using=schema_editor.connection.alias,
        kinds={"training_transcript"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0017_checkin_signatures"),
    ]

    operations = [
        migrations.RunPython(install_transcripts, migrations.RunPython.noop),
    ]
