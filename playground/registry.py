"""The demo registry: every live demo, its bounded parameters and its variants.

Each demo is declared in its own module under `playground/demos/`, beside the variants that
implement it. Lessons embed demos by id; `check_lessons` validates their parameters against
this registry, and the playground API parses query strings with the same specs.
"""

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from inspect import iscoroutinefunction
from typing import Literal, TypedDict

from django.core.exceptions import ImproperlyConfigured


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


Params = dict[str, int | float]


@dataclass(frozen=True, eq=False)
class Variant:
    """One way of doing a demo's work: a function the runner turns into a real Django view.

    A variant written as `async def` becomes an async view and a plain `def` a sync view.
    """

    demo: "Demo"
    name: str
    title: str
    func: Callable  # the code the learner reads: (request, params, trace) -> dict | response
    blocks_loop: Callable[[Params], float] | None = None  # ms of deliberate loop blocking
    streams: bool = False
    burns_cpu: Callable[[Params], float] | None = None  # ms of CPU burnt off the event loop
    # How long one request of this variant takes alone, where that differs from the demo's
    # one_request_ms (a sync fan-out waits for its calls one after another).
    alone_ms: Callable[[Params], float] | None = None
    # The database vendors ("sqlite", "postgresql") whose panels show it; None: every one.
    databases: frozenset[str] | None = None
    # Code the variant drives elsewhere (a consumer behind a WebSocket), shown with its source.
    shows: tuple[Callable | type, ...] = ()

    @property
    def is_async(self) -> bool:
        return iscoroutinefunction(self.func)

    def expected(self, params: Params) -> "Expected | None":
        """What one request should take alone at `params`: the yardstick of verdicts."""
        one = self.demo.one_request_ms
        if one is None:
            return None
        alone = self.alone_ms or one
        return {"one_ms": round(one(params), 1), "alone_ms": round(alone(params), 1)}


class Expected(TypedDict):
    one_ms: float  # one request alone, done the right way
    alone_ms: float  # one request of this variant alone


@dataclass(eq=False)
class Demo:
    """A live demo, declared in its own module beside its variants:

        fanout = Demo(id="fanout", title=..., description=..., params={...})

        @fanout.variant("async", title="async view + asyncio.gather")
        async def fanout_async(request, params, trace): ...

    Declaring it registers it; `autodiscover()` imports every demo module at start-up.
    """

    id: str
    title: str
    description: str
    params: dict[str, Param]
    order: int = 100  # where the playground lists it
    # Do the variants do the same work, so that "x times faster" means something?
    compare: bool = True
    # The two variants the lesson compares, the right way first: the headline under the
    # waterfall and over the load cards is about them, whichever other variant was faster.
    versus: tuple[str, str] | None = None
    # How long one request takes alone, done the right way, at given parameters: verdicts
    # and colours are relative to it rather than to a fixed number of milliseconds.
    one_request_ms: Callable[[Params], float] | None = None
    # The figure that carries the demo's point, for the practice recap: each variant's
    # "total" time, or how long the "probe" (another user's request) waited meanwhile.
    key_figure: Literal["total", "probe"] = "total"
    # What the panel says once about a database vendor this demo cannot show everything on.
    database_notes: dict[str, str] = field(default_factory=dict)
    variants: dict[str, Variant] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.id in DEMOS:
            raise ImproperlyConfigured(f"two demos are declared with the id {self.id!r}")
        DEMOS[self.id] = self

    def variant(
        self,
        name: str,
        *,
        title: str,
        blocks_loop: Callable[[Params], float] | None = None,
        streams: bool = False,
        burns_cpu: Callable[[Params], float] | None = None,
        alone_ms: Callable[[Params], float] | None = None,
        databases: frozenset[str] | None = None,
        shows: tuple[Callable | type, ...] = (),
    ) -> Callable[[Callable], Callable]:
        """Register the decorated function as this demo's variant `name`."""

        def register(func: Callable) -> Callable:
            if name in self.variants:
                raise ImproperlyConfigured(f"demo {self.id!r} has two variants named {name!r}")
            self.variants[name] = Variant(
                self,
                name,
                title,
                func,
                blocks_loop,
                streams,
                burns_cpu,
                alone_ms,
                databases,
                shows,
            )
            return func

        return register

    @property
    def streams(self) -> bool:
        return any(variant.streams for variant in self.variants.values())

    def parse(self, values: Mapping[str, object]) -> Params:
        """Validate `values` (a query string or a lesson's demo block) and fill in defaults."""
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ParamError(f"unknown parameter {unknown[0]!r} (this demo takes: {known})")
        return {
            name: param.coerce(name, values[name]) if name in values else param.default
            for name, param in self.params.items()
        }

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "variants": list(self.variants),
            "variant_titles": {name: v.title for name, v in self.variants.items()},
            "compare": self.compare,
            "versus": list(self.versus) if self.versus else None,
            "key_figure": self.key_figure,
            "params": {name: param.as_json() for name, param in self.params.items()},
        }


UPSTREAM_PARAMS = {
    "latency_ms": Param(300, 0, 3000, "latency of each upstream call"),
    "jitter_ms": Param(0, 0, 1000, "random extra latency, up to this much"),
    "fail_rate": Param(0.0, 0.0, 1.0, "share of upstream calls that fail (0 to 1)"),
}

DEMOS: dict[str, Demo] = {}  # in the order the playground lists them, once discovered


def get_demo(demo_id: str) -> Demo | None:
    return DEMOS.get(demo_id)


def get_variant(demo_id: str, name: str) -> Variant | None:
    demo = DEMOS.get(demo_id)
    return demo.variants.get(name) if demo else None


def autodiscover() -> None:
    """Import every demo module: each submodule of `playground.demos`, and any installed
    app's own `demos` module, the way the admin finds `admin.py` files."""
    from django.utils.module_loading import autodiscover_modules

    from . import demos

    for module in pkgutil.iter_modules(demos.__path__):
        importlib.import_module(f"{demos.__name__}.{module.name}")
    autodiscover_modules("demos")
    ordered = sorted(DEMOS.values(), key=lambda demo: (demo.order, demo.id))
    DEMOS.clear()
    DEMOS.update((demo.id, demo) for demo in ordered)
