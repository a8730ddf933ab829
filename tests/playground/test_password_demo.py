"""The password-hashing demo on the real server: each hasher at Django 5.2's parameters, and
what hashing does to the event loop on it, through acheck_password() and in a thread."""

from tests.playground.http import get
from tests.servers import RunningServer

ITERATIONS = 300_000  # a third of the default: the same story, a lighter load on the test box


def run(server: RunningServer, variant: str) -> dict:
    reply = get(
        f"{server.url}/playground/api/password-hashing/{variant}?pbkdf2_iterations={ITERATIONS}"
    )
    assert reply.status == 200, reply.body
    return reply.json()


def hashing_ms(body: dict, label_part: str) -> float:
    return sum(s["end_ms"] - s["start_ms"] for s in body["spans"] if label_part in s["label"])


def test_each_hasher_stores_its_algorithm_and_parameters(asgi_server):
    hashes = run(asgi_server, "in-a-thread")["result"]["hashes"]
    assert hashes == {
        "pbkdf2_sha256": f"iterations={ITERATIONS}",
        "argon2": "memory_cost=102400, parallelism=8, time_cost=2, variety=argon2id, version=19",
        "scrypt": "block_size=8, parallelism=5, work_factor=16384",
    }


def test_hashing_on_the_loop_stalls_it_and_in_a_thread_it_does_not(asgi_server):
    on_loop = run(asgi_server, "on-the-loop")
    in_thread = run(asgi_server, "in-a-thread")
    # The loop stood still for (most of) the hashing; from a thread it hardly noticed.
    assert on_loop["loop_lag_ms"] >= hashing_ms(on_loop, "on the event loop") / 2
    assert in_thread["loop_lag_ms"] < on_loop["loop_lag_ms"] / 2
    assert all(s["thread"].startswith("cpu-demo") for s in in_thread["spans"])


def test_acheck_password_verifies_on_the_event_loop_in_this_django(asgi_server):
    body = run(asgi_server, "acheck-password")
    assert body["result"]["verified"] == {"pbkdf2_sha256": True, "argon2": True, "scrypt": True}
    checks = [s for s in body["spans"] if "acheck_password" in s["label"]]
    stores = [s for s in body["spans"] if "store a hash" in s["label"]]
    assert len(checks) == len(stores) == 3
    assert all(s["thread"].startswith("cpu-demo") for s in stores)
    assert body["loop_lag_ms"] >= hashing_ms(body, "acheck_password") / 2
