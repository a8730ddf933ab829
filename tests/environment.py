"""Loaded before Django (`-p tests.environment` in pyproject.toml): the test suite is a
development tool, so it runs with development settings unless told otherwise."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
