"""A project always has a stage: whatever creates one (a service, the Django
admin, a test factory), it starts in the first stage of its pipeline. Bulk
inserts bypass signals and write their states themselves (the demo seeding)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from projects.models import Project


@receiver(post_save, sender=Project, dispatch_uid="pipeline_project_starts_in_a_stage")
def project_starts_in_a_stage(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from pipeline.services import project_state_ensure

        # project_create passes what the project was created with: it starts in its chosen stage.
        chosen = (getattr(instance, "_create_data", None) or {}).get("stage")
        project_state_ensure(project=instance, user=getattr(instance, "_history_user", None), stage=chosen)
