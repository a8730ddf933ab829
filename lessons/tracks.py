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
        Track(
            slug="core",
            title="How Django works",
            description=(
                "The request's path through the handler and middleware, signals, users and "
                "authentication, and where Django protects you from CSRF, XSS and SQL "
                "injection: each traced or attacked live on this server."
            ),
            order=2,
        ),
        Track(
            slug="database",
            title="Database and ORM",
            description=(
                "Locking, query analysis and transactions: the ORM questions senior interviews "
                "ask, each run live on SQLite and, where SQLite can't show it, on PostgreSQL."
            ),
            order=3,
        ),
        Track(
            slug="operations",
            title="Performance and operations",
            description=(
                "Caching and its invalidation, and deploying an ASGI Django site: shown on "
                "the configuration this very site runs with."
            ),
            order=4,
        ),
    ]
}

LEVELS = ("beginner", "intermediate", "advanced")
