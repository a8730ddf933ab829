from django.core.management.base import BaseCommand

from playground.demo_data import load_demo_data


class Command(BaseCommand):
    help = "Seed the rows the ORM demos read (idempotent)."

    def handle(self, *args, **options) -> None:
        books = load_demo_data()
        self.stdout.write(f"Demo data ready: {books} books.")
