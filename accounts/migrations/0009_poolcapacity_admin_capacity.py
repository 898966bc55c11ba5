from django.db import migrations, models
from django.db.models import F


def existing_overrides_are_the_admins(apps, schema_editor):
    """Who set the overrides stored so far is not recorded: each counts as an admin's, so no lead
    can raise a capacity above what is set today (an admin can still change any of them)."""
    PoolCapacity = apps.get_model("accounts", "PoolCapacity")
    PoolCapacity.objects.filter(capacity__isnull=False).update(admin_capacity=F("capacity"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_poolcapacity_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="poolcapacity",
            name="admin_capacity",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="capacity set by an admin"),
        ),
        migrations.RunPython(existing_overrides_are_the_admins, migrations.RunPython.noop),
    ]
