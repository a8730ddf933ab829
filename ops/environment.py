"""The one reading of the environment, for the settings and for `./run` alike.

Values are read with django-environ. A boolean is one of django-environ's words for true
(1, true, yes, y, on, ok) or for false (0, false, no, n, off); empty is the same as unset;
anything else is an error naming the variable, so a typo never silently means "production"
or "debug".

The shell asks the same code: `python -m ops.environment bool DJANGO_DEBUG 1` prints 1 or 0.
"""

import sys

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

FALSE_WORDS = frozenset({"0", "false", "no", "n", "off"})
TRUE_WORDS = frozenset(word.lower() for word in environ.Env.BOOLEAN_TRUE_STRINGS)


def boolean(name: str, default: bool) -> bool:
    value = env.str(name, default="")
    if not value.strip():
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def whole_number(name: str, default: int) -> int:
    try:
        return env.int(name, default=default)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {env.str(name)!r}"
        ) from None


def number(name: str, default: float) -> float:
    try:
        return env.float(name, default=default)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {env.str(name)!r}") from None


def words(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in env.str(name, default=default).split(",") if item.strip()]


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "bool":
        print("usage: python -m ops.environment bool NAME DEFAULT", file=sys.stderr)
        return 2
    try:
        print(1 if boolean(argv[1], argv[2].lower() not in FALSE_WORDS) else 0)
    except ImproperlyConfigured as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
