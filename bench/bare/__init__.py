"""Bare Django, for the load run's floor: Django's handler and nothing of this site's."""
