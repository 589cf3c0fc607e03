"""Loads demo data (idempotent): every app with a ``demo`` module contributes its part."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo accounts and objects; safe to run again."

    def handle(self, *args, **options):
        logins: list[tuple[str, str, str]] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("apps."):
                    continue
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                logins.extend(module.load() or [])
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/"))
        for role, email, password in logins:
            self.stdout.write(f"  {role:<11} {email:<28} {password}")
