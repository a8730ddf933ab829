from django.core.management import call_command
from django.core.management.base import BaseCommand

from playground.demo_data import load_demo_data
from playground.routers import demo_alias


class Command(BaseCommand):
    help = (
        "Migrate the demos' own database (on SQLite it is a file of its own) and seed the rows "
        "the ORM demos read (idempotent)."
    )

    def handle(self, *args, **options) -> None:
        if demo_alias() != "default":
            call_command("migrate", database=demo_alias(), interactive=False, verbosity=0)
        books = load_demo_data()
        self.stdout.write(f"Demo data ready: {books} books.")
