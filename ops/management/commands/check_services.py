from django.core.management.base import BaseCommand, CommandError

from ops.services import problems


class Command(BaseCommand):
    help = "Check that the database, cache and broker named in the environment answer."

    def handle(self, *args, **options) -> None:
        found = problems()
        if found:
            raise CommandError(
                "\n".join(found) + "\nStart the service, fix the variable, or unset it."
            )
        self.stdout.write("Services OK.")
