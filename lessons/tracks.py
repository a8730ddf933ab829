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


@dataclass(frozen=True)
class Step:
    slug: str  # a lesson
    why: str  # why it comes at this point of the path


# "Start here": the order a learner new to async Django should take, across the tracks. Each
# step builds on the one before; the tracks hold the rest. tests/lessons/test_views.py checks
# that every step names a lesson.
START_HERE: tuple[Step, ...] = (
    Step("async-views", "what an async view is, and what it buys you"),
    Step("blocking-the-event-loop", "the one mistake that undoes it"),
    Step("sync-to-async", "calling sync code from async code, and back"),
    Step("async-orm", "the database from an async view"),
    Step("transactions", "transactions, which async code must hand to a thread"),
    Step("wsgi-vs-asgi", "the servers that run it all"),
    Step("deployment", "and how to deploy it"),
)
