from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


def demo_modules():
    """Each of our apps may have a ``demo`` module; run them in dependency
    order (INSTALLED_APPS order), so lower apps never import higher ones."""
    for config in apps.get_app_configs():
        if Path(config.path).parent == settings.BASE_DIR and find_spec(f"{config.name}.demo"):
            yield import_module(f"{config.name}.demo")


class Command(BaseCommand):
    help = "Create realistic demo data (idempotent). Every app contributes its part."

    def add_arguments(self, parser):
        for module in demo_modules():
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args, **options):
        context = {}
        with transaction.atomic():
            for module in demo_modules():
                context.update(module.seed(stdout=self.stdout, options={**options, **context}) or {})
        password = context.get("password")
        if password:
            self.stdout.write(self.style.SUCCESS("Demo logins (password for all: %s):" % password))
            self.stdout.write("  admin  - admin (team management)")
            self.stdout.write("  lead   - team lead of %s" % context["team"].name)
            self.stdout.write("  rep1 .. rep%d - sales reps" % len(context["reps"]))
