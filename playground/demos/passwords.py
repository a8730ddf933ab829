"""Password hashing is CPU work by design: on the event loop, through Django's own
acheck_password(), and in a thread (the hashers' C code releases the GIL)."""

import threading
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    BasePasswordHasher,
    PBKDF2PasswordHasher,
    ScryptPasswordHasher,
    acheck_password,
    identify_hasher,
)

from ..registry import Demo, Param
from .cpu import CPU_THREADS

password_hashing = Demo(
    id="password-hashing",
    order=150,
    title="Password hashing and the event loop",
    description="One password hashed with PBKDF2, Argon2 and scrypt at Django 5.2's settings: "
    "on the event loop, through acheck_password(), and in a thread, while the loop-lag meter "
    "watches.",
    params={
        "pbkdf2_iterations": Param(
            1_000_000, 100_000, 1_000_000, "PBKDF2 iterations (Django 5.2's default: 1,000,000)"
        )
    },
    compare=False,
)

PASSWORD = "correct horse battery staple"  # fixed: nothing the browser sends is hashed

# Rough CPU cost of one hash at Django 5.2's parameters on one core of this kind of machine,
# for the demo budgets: PBKDF2 scales with its iterations, the others are fixed.
PBKDF2_MS_PER_MILLION = 400
ARGON2_MS = 250
SCRYPT_MS = 250


def hashing_cost(params) -> float:
    return params["pbkdf2_iterations"] / 1_000_000 * PBKDF2_MS_PER_MILLION + ARGON2_MS + SCRYPT_MS


class PBKDF2(PBKDF2PasswordHasher):
    """Django's PBKDF2 hasher with the demo's iteration count."""

    def __init__(self, iterations: int) -> None:
        self.iterations = iterations


def hashers(params) -> list[BasePasswordHasher]:
    # Django's own hasher classes with their 5.2 defaults: PBKDF2-SHA256 (its iterations
    # are the one parameter here), Argon2id (argon2-cffi) and scrypt (hashlib).
    return [PBKDF2(params["pbkdf2_iterations"]), Argon2PasswordHasher(), ScryptPasswordHasher()]


async def in_a_thread(func: Callable[..., str], *args: object) -> tuple[str, str]:
    """Run func on one of the CPU demos' two threads; return its result and the thread."""

    def run() -> tuple[str, str]:
        return func(*args), threading.current_thread().name

    return await sync_to_async(run, thread_sensitive=False, executor=CPU_THREADS)()


@password_hashing.variant(
    "on-the-loop", title="hasher.encode() in an async view (wrong)", blocks_loop=hashing_cost
)
async def hash_on_the_loop(request, params, trace):
    hashed = {}
    for hasher in hashers(params):
        with trace.span(f"{hasher.algorithm}: encode() on the event loop", "cpu"):
            # Wrong: the hash is deliberately slow C code, run on the loop's own thread,
            # so every other request on this process waits until it returns.
            hashed[hasher.algorithm] = hasher.encode(PASSWORD, hasher.salt())
    return {"hashes": shortened(hashed)}


@password_hashing.variant(
    "acheck-password",
    title="await acheck_password() (blocks too, in 5.2)",
    blocks_loop=hashing_cost,
    burns_cpu=hashing_cost,
)
async def check_with_acheck_password(request, params, trace):
    stored, verified = {}, {}
    for hasher in hashers(params):
        with trace.span(f"{hasher.algorithm}: store a hash (in a thread)", "cpu") as span:
            stored[hasher.algorithm], span.thread = await in_a_thread(
                hasher.encode, PASSWORD, hasher.salt()
            )
    for algorithm, encoded in stored.items():
        with trace.span(f"{algorithm}: await acheck_password()", "cpu"):
            # Looks async, is not: in Django 5.2 acheck_password() verifies the hash right
            # here on the event loop, and so do User.acheck_password() and aauthenticate().
            verified[algorithm] = await acheck_password(PASSWORD, encoded)
    return {"verified": verified}


@password_hashing.variant(
    "in-a-thread", title="the same hashes in a thread", burns_cpu=hashing_cost
)
async def hash_in_a_thread(request, params, trace):
    hashed = {}
    for hasher in hashers(params):
        with trace.span(f"{hasher.algorithm}: encode() in a thread", "cpu") as span:
            # Right: hashlib and argon2-cffi hash in C with the GIL released, so from a
            # thread the hash runs on another core and the loop keeps serving everyone.
            hashed[hasher.algorithm], span.thread = await in_a_thread(
                hasher.encode, PASSWORD, hasher.salt()
            )
    return {"hashes": shortened(hashed)}


def shortened(hashed: dict[str, str]) -> dict[str, str]:
    """What each stored hash records besides its salt and digest: the work it costs."""
    return {name: parameters(encoded) for name, encoded in hashed.items()}


def parameters(encoded: str) -> str:
    decoded = identify_hasher(encoded).decode(encoded)
    hidden = {"algorithm", "salt", "hash", "params"}
    return ", ".join(
        f"{key}={value}" for key, value in sorted(decoded.items()) if key not in hidden
    )
