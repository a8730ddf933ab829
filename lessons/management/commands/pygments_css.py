from django.conf import settings
from django.core.management.base import BaseCommand

from lessons.rendering import PYGMENTS_STYLES, pygments_css


class Command(BaseCommand):
    help = "Regenerate the committed Pygments stylesheets (static/css/pygments-*.css)."

    def handle(self, *args, **options) -> None:
        for theme in PYGMENTS_STYLES:
            path = settings.BASE_DIR / "static" / "css" / f"pygments-{theme}.css"
            path.write_text(pygments_css(theme))
            self.stdout.write(f"Wrote {path}")
