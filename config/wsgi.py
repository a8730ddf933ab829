"""WSGI entry point, for completeness: Interview Lab is meant to be served over ASGI.

Started this way the site is in production unless DJANGO_DEBUG=1 (see config/settings.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
