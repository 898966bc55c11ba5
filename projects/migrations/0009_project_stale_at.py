"""``Project.stale_at``: from when an open project is stale, kept by the pipeline
(filled for existing projects by ``pipeline`` 0006), and the partial indexes that
make My day's stale section a range scan of a rep's or a team's open projects."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_gin_fastupdate_off'),
        ('projects', '0008_checklistitem_version'),
        ('teams', '0006_user_must_change_password'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='project',
            name='stale_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='stale from'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(condition=models.Q(('closed_at__isnull', True), ('stale_at__isnull', False)), fields=['owner', 'stale_at'], name='project_owner_stale_open'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(condition=models.Q(('closed_at__isnull', True), ('stale_at__isnull', False)), fields=['team', 'stale_at'], name='project_team_stale_open'),
        ),
    ]
