from django.core.management.base import BaseCommand, CommandError

from lessons.catalog import get_catalog


class Command(BaseCommand):
    help = "Lint every lesson: front matter, sections, demo and quiz blocks, related slugs, code."

    def handle(self, *args, **options) -> None:
        catalog = get_catalog()
        for problem in catalog.problems:
            self.stderr.write(str(problem))
        if catalog.problems:
            count = len(catalog.problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''} in lesson files")
        demos = sum(len(lesson.demos) for lesson in catalog.lessons.values())
        self.stdout.write(
            self.style.SUCCESS(f"{len(catalog.lessons)} lessons OK ({demos} demo blocks)")
        )
