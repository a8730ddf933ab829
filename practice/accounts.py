"""Signing in, with failed attempts throttled per account and per client.

Password hashing is CPU-bound on purpose (PBKDF2, hundreds of thousands of rounds). Django's
login and sign-up views are sync views, so under ASGI each runs in a worker thread, never on
the event loop that serves everyone else.
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from ops.ratelimit import CounterUnavailable, client_address, forget, hit, peek


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing to even check a password once an account (or a client)
    has failed too often in the window. The refusal says when to try again."""

    def clean(self) -> dict:
        window = settings.LOGIN_FAILURE_WINDOW
        limits = (settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_FAILURES_PER_CLIENT)
        checks = list(zip(self._keys(), limits, strict=True))
        try:
            if any(peek(key, window) >= limit for key, limit in checks):
                raise self._throttled(window)
        except CounterUnavailable:
            pass  # nothing to count with: the password check itself still applies
        try:
            cleaned = super().clean()
        except ValidationError:
            try:
                for key, _ in checks:
                    hit(key, window)
            except CounterUnavailable:
                pass
            raise
        forget(checks[0][0], window)  # the account's own count starts again
        return cleaned

    def _keys(self) -> tuple[str, str]:
        username = (self.data.get("username") or "").strip().lower()[:150]
        return f"login:account:{username}", f"login:client:{client_address(self.request)}"

    def _throttled(self, window: int) -> ValidationError:
        minutes = max(1, round(window / 60))
        return ValidationError(
            "Too many failed sign-ins for this account or from this address. Sign-in is "
            f"paused for up to {minutes} minutes; try again later.",
            code="throttled",
        )
