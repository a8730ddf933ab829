"""Importing this package registers every demo variant with the runner."""

from . import (
    blocking,
    caching,
    cpu,
    deployment,
    fanout,
    locking,
    middleware,
    orm,
    queries,
    streaming,
    threads,
    transactions,
)

__all__ = [
    "blocking",
    "caching",
    "cpu",
    "deployment",
    "fanout",
    "locking",
    "middleware",
    "orm",
    "queries",
    "streaming",
    "threads",
    "transactions",
]
