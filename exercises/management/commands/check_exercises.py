from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exercises import running
from exercises.catalog import get_catalog
from exercises.parsing import Exercise


class Command(BaseCommand):
    help = (
        "Lint every exercise file, then run each exercise's solution (it must pass every check) "
        "and its starter (it must fail at least one) in the real sandbox."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="only these exercises")
        parser.add_argument("--lint-only", action="store_true", help="do not run anything")

    def handle(self, *args, slugs: list[str], lint_only: bool, **options) -> None:
        catalog = get_catalog()
        problems = [str(problem) for problem in catalog.problems]
        exercises = [e for e in catalog.ordered() if not slugs or e.slug in slugs]
        unknown = set(slugs) - {e.slug for e in exercises}
        problems += [f"no exercise {slug!r}" for slug in sorted(unknown)]
        if not lint_only and exercises:
            reason = running.unavailable()
            if reason:
                raise CommandError(f"cannot run exercises here: {reason}")
            running.warm()
            jobs = [(e, role) for e in exercises for role in ("solution", "starter")]
            with ThreadPoolExecutor(settings.EXERCISES_POOL_SIZE) as pool:
                for found in pool.map(lambda job: _verify(*job), jobs):
                    problems += found
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            count = len(problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''} in exercise files")
        ran = "" if lint_only else ", each solution passes and each starter fails"
        count = f"{len(exercises)} exercise{'s' if len(exercises) != 1 else ''}"
        self.stdout.write(self.style.SUCCESS(f"{count} OK{ran}"))


def _verify(exercise: Exercise, role: str) -> list[str]:
    """Problems with one of an exercise's two runs, as path:line: message."""
    report = running.submit(exercise, getattr(exercise, role))
    where = f"{exercise.display_path}:{exercise.lines[role]}"
    if role == "solution":
        if report.status == "pass":
            return []
        failed = [t for t in report.tests if t.status != "pass"]
        if not failed:
            return [f"{where}: the solution does not pass: {report.status}: {report.message}"]
        return [
            f"{where}: the solution does not pass check '{t.name}' ({t.status}): {t.message}"
            for t in failed
        ]
    if report.status == "fail":
        return []
    if report.status == "pass":
        return [f"{where}: the starter passes every check: it must fail at least one"]
    return [
        f"{where}: the starter must run and fail a check, but: {report.status}: {report.message}"
    ]
