"""Runs are bounded: a slot each, a queue whose position is reported, sandboxes used once."""

import threading

from exercises.catalog import get_catalog
from exercises.pool import SandboxPool
from exercises.sandbox import processes_of

EXERCISE = "lost-update"


def test_a_second_run_waits_its_turn_and_is_told_its_place(real_sandbox):
    pool = SandboxPool(size=1, max_queue=4, queue_seconds=60)
    job = get_catalog().exercises[EXERCISE].job(get_catalog().exercises[EXERCISE].solution)
    results: list = []
    ready = threading.Barrier(2)

    def one_run() -> None:
        ready.wait()
        ticket = pool.admit()
        outcome = pool.run(ticket, job)
        results.append((ticket, outcome))

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pool.close()
    (first, first_outcome), (second, _) = sorted(results, key=lambda r: r[0].position)
    assert [first.position, second.position] == [0, 1]
    # The second run waited at least as long as the first one's scenario ran.
    assert second.waited_ms >= first_outcome.result["timings"]["scenario_ms"]
    assert all(outcome.status == "ran" for _, outcome in results)


def test_each_sandbox_is_used_once_and_a_warm_one_replaces_it(real_sandbox):
    pool = SandboxPool(size=1, max_queue=1, queue_seconds=60)
    pool.warm()
    [spare] = list(pool._warm)
    exercise = get_catalog().exercises[EXERCISE]
    outcome = pool.run(pool.admit(), exercise.job(exercise.solution))
    assert outcome.status == "ran"
    assert not spare.alive() and processes_of(spare.uid) == []
    pool.replacing.join()  # started beside the run
    assert pool.status()["warm"] == 1
    [replacement] = list(pool._warm)
    assert replacement.uid != spare.uid or not processes_of(spare.uid)
    pool.close()
    assert processes_of(replacement.uid) == []


def test_warming_from_many_threads_at_once_starts_one_sandbox_per_slot(real_sandbox):
    pool = SandboxPool(size=2, max_queue=1, queue_seconds=60)
    try:
        threads = [threading.Thread(target=pool.warm) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert pool.status()["warm"] == 2 and len(pool._warm) == 2
    finally:
        pool.close()
