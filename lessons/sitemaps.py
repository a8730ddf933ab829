"""sitemap.xml: the tracks and the lessons, the pages a search engine should know."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .catalog import get_catalog
from .parsing import Lesson
from .tracks import Track


class TrackSitemap(Sitemap):
    priority = 0.6

    def items(self) -> list[Track]:
        return [track for track, _ in get_catalog().tracks()]

    def location(self, item: Track) -> str:
        return reverse("lessons:track", args=[item.slug])


class LessonSitemap(Sitemap):
    priority = 0.8

    def items(self) -> list[Lesson]:
        return [lesson for _, lessons in get_catalog().tracks() for lesson in lessons]

    def location(self, item: Lesson) -> str:
        return reverse("lessons:lesson", args=[item.slug])


SITEMAPS = {"tracks": TrackSitemap, "lessons": LessonSitemap}
