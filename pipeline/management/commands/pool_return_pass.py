from django.core.management.base import BaseCommand

from pipeline.pools.services import pool_return_pass


class Command(BaseCommand):
    help = (
        "Run the public pool's nightly pass once (the code Celery beat runs): warn owners before their "
        "customers return, return those whose day has come, and ask the leads about high-intent ones."
    )

    def handle(self, *args, **options):
        summary = pool_return_pass()
        self.stdout.write(
            "{warned} warned, {returned} returned to the pool, {held_for_consent} held for the lead's "
            "consent ({leads_asked} leads asked)".format(**summary)
        )
