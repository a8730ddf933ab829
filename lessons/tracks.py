"""The tracks lessons belong to, declared in one place."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Track:
    slug: str
    title: str
    description: str
    order: int


TRACKS: dict[str, Track] = {
    track.slug: track
    for track in [
        Track(
            slug="async",
            title="Async Django and ASGI",
            description=(
                "Async views, the async ORM, sync_to_async, the event loop and the servers that "
                "run it: every claim measured live on this server."
            ),
            order=1,
        ),
    ]
}

LEVELS = ("beginner", "intermediate", "advanced")
