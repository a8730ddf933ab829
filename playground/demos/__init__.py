"""Importing this package registers every demo variant with the runner."""

from . import blocking, cpu, fanout, middleware, orm, streaming, threads

__all__ = ["blocking", "cpu", "fanout", "middleware", "orm", "streaming", "threads"]
