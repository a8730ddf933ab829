"""The demo registry: every live demo, its bounded parameters and its variants.

Lessons embed demos by id; `check_lessons` validates their parameters against this registry,
and the playground API parses query strings with the same specs.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field


class ParamError(ValueError):
    """A demo parameter is missing its type or lies outside its bounds."""


@dataclass(frozen=True)
class Param:
    default: int | float
    min: int | float
    max: int | float
    help: str = ""

    @property
    def kind(self) -> type:
        return float if isinstance(self.default, float) else int

    def coerce(self, name: str, value: object) -> int | float:
        """Return `value` as this parameter's type, or raise ParamError saying why not."""
        kind = self.kind
        expected = "a number" if kind is float else "a whole number"
        if isinstance(value, bool):
            raise ParamError(f"{name} must be {expected} from {self.min} to {self.max}")
        try:
            if isinstance(value, str):
                if not value.isascii():
                    raise ValueError
                number = float(value.strip()) if kind is float else int(value.strip())
            elif isinstance(value, int | float):
                number = float(value) if kind is float else value
                if kind is int and not isinstance(value, int):
                    raise TypeError
            else:
                raise TypeError
        except (TypeError, ValueError, OverflowError):
            raise ParamError(
                f"{name} must be {expected} from {self.min} to {self.max}, not {value!r}"
            ) from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ParamError(f"{name} must be a finite number from {self.min} to {self.max}")
        if not self.min <= number <= self.max:
            raise ParamError(f"{name} must be from {self.min} to {self.max}, not {number}")
        return number

    def as_json(self) -> dict:
        return {"default": self.default, "min": self.min, "max": self.max, "help": self.help}


@dataclass(frozen=True)
class Demo:
    id: str
    title: str
    description: str
    params: dict[str, Param]
    variants: tuple[str, ...]
    variant_titles: dict[str, str] = field(default_factory=dict)
    # Do the variants do the same work, so that "x times faster" means something?
    compare: bool = True

    def parse(self, values: Mapping[str, object]) -> dict[str, int | float]:
        """Validate `values` (a query string or a lesson's demo block) and fill in defaults."""
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ParamError(f"unknown parameter {unknown[0]!r} (this demo takes: {known})")
        return {
            name: param.coerce(name, values[name]) if name in values else param.default
            for name, param in self.params.items()
        }

    def variant_title(self, variant: str) -> str:
        return self.variant_titles.get(variant, variant)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "variants": list(self.variants),
            "variant_titles": {v: self.variant_title(v) for v in self.variants},
            "compare": self.compare,
            "params": {name: param.as_json() for name, param in self.params.items()},
        }


UPSTREAM_PARAMS = {
    "latency_ms": Param(300, 0, 3000, "latency of each upstream call"),
    "jitter_ms": Param(0, 0, 1000, "random extra latency, up to this much"),
    "fail_rate": Param(0.0, 0.0, 1.0, "share of upstream calls that fail (0 to 1)"),
}

DEMOS: dict[str, Demo] = {
    demo.id: demo
    for demo in [
        Demo(
            id="fanout",
            title="Fan-out to upstream APIs",
            description="Call several slow upstream APIs: one after another, or all at once.",
            params={"calls": Param(3, 1, 50, "how many upstream calls"), **UPSTREAM_PARAMS},
            variants=("async", "sync", "taskgroup"),
            variant_titles={
                "async": "async view + asyncio.gather",
                "sync": "sync view, one call after another",
                "taskgroup": "async view + asyncio.TaskGroup",
            },
        ),
        Demo(
            id="blocking",
            title="Blocking the event loop",
            description="Sleep inside a view, the wrong way and the right ways, while a probe "
            "request measures whether other users stall.",
            params={"sleep_ms": Param(500, 10, 2000, "how long the view sleeps")},
            variants=("time-sleep", "asyncio-sleep", "sync"),
            variant_titles={
                "time-sleep": "async view calling time.sleep (wrong)",
                "asyncio-sleep": "async view awaiting asyncio.sleep",
                "sync": "sync view calling time.sleep",
            },
        ),
        Demo(
            id="sync-to-async",
            title="sync_to_async and thread_sensitive",
            description="Run blocking calls from an async view through sync_to_async, on the "
            "request's one thread or on the executor's pool.",
            params={
                "calls": Param(5, 1, 20, "how many blocking calls, gathered"),
                "sleep_ms": Param(200, 10, 1000, "how long each call blocks"),
            },
            variants=("thread-sensitive", "executor"),
            variant_titles={
                "thread-sensitive": "sync_to_async(thread_sensitive=True)",
                "executor": "sync_to_async(thread_sensitive=False)",
            },
        ),
        Demo(
            id="async-to-sync",
            title="async_to_sync from a sync view",
            description="A sync view runs the async fan-out through async_to_sync.",
            params={"calls": Param(3, 1, 50, "how many upstream calls"), **UPSTREAM_PARAMS},
            variants=("async-to-sync", "sync"),
            variant_titles={
                "async-to-sync": "sync view + async_to_sync(gather)",
                "sync": "sync view, one call after another",
            },
        ),
        Demo(
            id="async-orm",
            title="The async ORM",
            description="aget, acreate, acount, aexists, afirst, async for, aiterator, asave and "
            "adelete, each query with the thread it ran on.",
            params={"rows": Param(20, 1, 200, "how many rows to read")},
            variants=("async", "sync", "wrong-way", "gather"),
            variant_titles={
                "async": "async view, async ORM",
                "sync": "sync view, sync ORM",
                "wrong-way": "async view, sync ORM (wrong)",
                "gather": "asyncio.gather over async ORM calls",
            },
            compare=False,
        ),
        Demo(
            id="cpu-bound",
            title="CPU-bound work",
            description="The same CPU work inline in an async view, in a thread, and in a "
            "process pool, while a probe measures the event loop.",
            params={"work_ms": Param(250, 20, 1000, "roughly how much CPU time the work takes")},
            variants=("inline", "thread", "process", "celery"),
            variant_titles={
                "inline": "inline in the async view (wrong)",
                "thread": "sync_to_async(thread_sensitive=False)",
                "process": "ProcessPoolExecutor",
                "celery": "a Celery task (process pool without a broker)",
            },
        ),
        Demo(
            id="streaming",
            title="Streaming and cancellation",
            description="A StreamingHttpResponse over an async generator vs a sync one under "
            "ASGI, and what the view sees when the client goes away.",
            params={
                "events": Param(5, 1, 30, "how many events"),
                "interval_ms": Param(300, 20, 1000, "time between events"),
            },
            variants=("async", "sync"),
            variant_titles={
                "async": "async generator (streams)",
                "sync": "sync generator (buffered under ASGI)",
            },
        ),
        Demo(
            id="middleware",
            title="What middleware costs in an async stack",
            description="Run a request through a stack of middleware around an async view: "
            "native async middleware, or MiddlewareMixin hooks that each hop to a thread.",
            params={
                "layers": Param(4, 1, 10, "how many middleware in the stack"),
                "requests": Param(100, 1, 500, "how many requests to push through it"),
            },
            variants=("native", "mixin"),
            variant_titles={
                "native": "async def middleware (no thread hops)",
                "mixin": "MiddlewareMixin hooks (sync_to_async per hook)",
            },
        ),
        Demo(
            id="locking",
            title="select_for_update and lost updates",
            description="Two concurrent withdrawals from one account, each on its own thread "
            "and database connection: without a lock, with select_for_update(), nowait and "
            "skip_locked.",
            params={
                "amount": Param(30, 1, 100, "each withdrawal, from a balance of 100"),
                "hold_ms": Param(200, 0, 1000, "how long each transaction holds the row"),
            },
            variants=("no-lock", "select-for-update", "nowait", "skip-locked"),
            variant_titles={
                "no-lock": "read, then write (no lock)",
                "select-for-update": "select_for_update() in atomic()",
                "nowait": "select_for_update(nowait=True)",
                "skip-locked": "select_for_update(skip_locked=True)",
            },
            compare=False,
        ),
        Demo(
            id="queries",
            title="N+1 queries and how to fix them",
            description="The same book list done naively and with select_related, "
            "prefetch_related, only() and an annotation; every query shown; explain() with "
            "and without an index.",
            params={"rows": Param(20, 1, 100, "how many books (or authors) to list")},
            variants=("naive", "select-related", "prefetch-related", "annotate", "explain"),
            variant_titles={
                "naive": "naive loop (N+1)",
                "select-related": "select_related() + only()",
                "prefetch-related": "prefetch_related()",
                "annotate": "annotate(Count)",
                "explain": "explain(): indexed vs not",
            },
            compare=False,
        ),
        Demo(
            id="transactions",
            title="Transactions: atomic, savepoints, on_commit",
            description="atomic() rolling back on an error, a nested atomic() as a savepoint, "
            "on_commit callbacks, and what async code has to do instead.",
            params={"rows": Param(3, 1, 20, "rows each transaction writes")},
            variants=("rollback", "savepoint", "on-commit", "async-view"),
            variant_titles={
                "rollback": "atomic() rolls back on error",
                "savepoint": "nested atomic() = savepoint",
                "on-commit": "on_commit after commit, not after rollback",
                "async-view": "transactions from an async view",
            },
            compare=False,
        ),
        Demo(
            id="caching",
            title="Caching and cache stampedes",
            description="A slow computation uncached, with the per-view cache and with "
            "get_or_set; invalidation on save; a stampede on a cold key with and without a "
            "guard; the async cache API.",
            params={
                "work_ms": Param(200, 20, 1000, "how long the slow computation takes"),
                "clients": Param(10, 2, 50, "requests arriving together on a cold key"),
            },
            variants=("uncached", "per-view", "get-or-set", "invalidate", "stampede", "guarded"),
            variant_titles={
                "uncached": "no cache",
                "per-view": "cache_page",
                "get-or-set": "cache.get_or_set",
                "invalidate": "invalidate on save",
                "stampede": "cold key, no guard",
                "guarded": "cold key, cache.add guard",
            },
            compare=False,
        ),
        Demo(
            id="deployment",
            title="This server's own deployment",
            description="Which ASGI server, how many workers, which database and cache this "
            "site runs with right now, and what check --deploy says about it.",
            params={},
            variants=("live",),
            variant_titles={"live": "the running configuration"},
            compare=False,
        ),
    ]
}


def get_demo(demo_id: str) -> Demo | None:
    return DEMOS.get(demo_id)
