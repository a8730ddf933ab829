#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A development tool: development settings unless DJANGO_DEBUG says otherwise. Servers
    # started from config.asgi or config.wsgi default to production instead.
    if "DJANGO_DEBUG" not in os.environ:
        os.environ["DJANGO_DEBUG"] = "1"
        if sys.stderr.isatty():
            print("manage.py: development settings (DJANGO_DEBUG=1)", file=sys.stderr)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
