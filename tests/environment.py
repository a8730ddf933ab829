"""Loaded before Django (`-p tests.environment` in pyproject.toml): the test suite is a
development tool, so it runs with development settings unless told otherwise."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
# In-process tests run on one database, as on PostgreSQL: the lessons' examples use the
# playground's models like any app's, inside plain transaction.atomic() blocks. The real
# servers the tests start keep the demos' own SQLite file (tests/servers.py).
os.environ.setdefault("DJANGO_DEMOS_DATABASE", "shared")
