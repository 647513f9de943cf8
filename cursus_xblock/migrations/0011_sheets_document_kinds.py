"""Kinds of document from the registry, documents without a person (sign-in sheets), their defaults.

The ``kind`` columns lose their fixed ``choices`` (a package may register a kind; the validator
asks the registry). An issued document gets its session (who manages it follows it) and may
have no registration: a séance's sign-in sheet names all its learners. The default sign-in
sheets, French and English, are installed like the other defaults (only where none exists).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import cursus_xblock.models.documents


def fill_sessions(apps, schema_editor):
    IssuedDocument = apps.get_model("cursus_xblock", "IssuedDocument")
    Registration = apps.get_model("cursus_xblock", "Registration")
    IssuedDocument.objects.using(schema_editor.connection.alias).filter(session__isnull=True).update(
        session=Subquery(Registration.objects.filter(pk=OuterRef("registration_id")).values("session_id")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # Rows just updated may leave deferred foreign-key checks pending, and PostgreSQL refuses to
        # alter a table while they are ("pending trigger events", Django's docs on data migrations
        # warn of it): run them now, before the next operation alters the table.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def install_sheets(apps, schema_editor):
    from cursus_xblock.documents.defaults import install_default_templates

    install_default_templates(
        apps.get_model("cursus_xblock", "DocumentTemplate"),
        apps.get_model("cursus_xblock", "DocumentTemplateVersion"),
        using=schema_editor.connection.alias,
        kinds={"sign_in_sheet"},
    )


def kind_field():
    return models.CharField(
        max_length=32, validators=[cursus_xblock.models.documents.validate_kind], verbose_name="kind"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0010_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="issueddocument",
            name="session",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="documents",
                to="cursus_xblock.session",
                verbose_name="session",
            ),
        ),
        migrations.RunPython(fill_sessions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="issueddocument",
            name="session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="documents",
                to="cursus_xblock.session",
                verbose_name="session",
            ),
        ),
        migrations.AlterField(
            model_name="issueddocument",
            name="registration",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="documents",
                to="cursus_xblock.registration",
                verbose_name="registration",
            ),
        ),
        migrations.AlterField(model_name="documentbatch", name="kind", field=kind_field()),
        migrations.AlterField(model_name="documenttemplate", name="kind", field=kind_field()),
        migrations.AlterField(model_name="documenttemplateversion", name="kind", field=kind_field()),
        migrations.AlterField(model_name="issueddocument", name="kind", field=kind_field()),
        migrations.RunPython(install_sheets, migrations.RunPython.noop),
    ]
