from django.core.management.base import BaseCommand

from pipeline.reminders import reminder_pass


class Command(BaseCommand):
    help = (
        "Run the reminder pass once (the code Celery beat runs every 15 minutes): overdue next "
        "contacts to their owners, long-overdue ones to the leads, and the morning digests once it is time."
    )

    def handle(self, *args, **options):
        summary = reminder_pass()
        self.stdout.write(
            "{scanned} overdue scanned, {reminders} reminders, {escalations} escalations, "
            "{digests} digests in {seconds}s".format(**summary)
        )
