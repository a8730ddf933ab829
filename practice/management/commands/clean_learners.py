from django.core.management import call_command
from django.core.management.base import BaseCommand

from practice.learners import clean_stale


class Command(BaseCommand):
    help = (
        "Delete anonymous learners who wrote nothing for --days days (default 90), with their "
        "progress, and expired sessions. Accounts are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options) -> None:
        removed = clean_stale(days)
        call_command("clearsessions")
        self.stdout.write(f"Removed {removed} stale anonymous learners; expired sessions cleared.")
