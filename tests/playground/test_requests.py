"""Requests the playground refuses before any demo code runs: in-process, no server, no
database (SimpleTestCase fails any test that queries one)."""

from django.test import SimpleTestCase

from playground.registry import DEMOS

BAD_PARAMETERS = [
    ("fanout/async?calls=0", "calls must be from 1 to 50, not 0"),
    ("fanout/async?calls=51", "calls must be from 1 to 50, not 51"),
    ("fanout/async?calls=three", "calls must be a whole number from 1 to 50"),
    ("fanout/async?calls=2.5", "calls must be a whole number"),
    ("fanout/async?latency_ms=-1", "latency_ms must be from 0 to 3000"),
    ("fanout/async?fail_rate=nan", "fail_rate must be a finite number"),
    ("fanout/async?fail_rate=1e999", "fail_rate must be a finite number"),
    ("fanout/async?calls=1&calls=2", "calls is given more than once"),
    ("fanout/async?speed=3", "unknown parameter 'speed'"),
    ("blocking/time-sleep?sleep_ms=99999", "sleep_ms must be from 10 to 2000"),
    ("fanout/async/load?concurrency=0", "concurrency must be from 1 to 200"),
    ("fanout/async/load?concurrency=201", "concurrency must be from 1 to 200"),
    ("fanout/async/load?concurrency=2&concurrency=3", "concurrency is given more than once"),
    ("streaming/async?run=../../x", "run must be 8 to 40 letters"),
    ("streaming/async?run=abcdefgh%0A", "run must be 8 to 40 letters"),
    ("streaming/record?run=bad", "run must be 8 to 40 letters"),
    ("streaming/record?run=abcdefgh%0A", "run must be 8 to 40 letters"),
    ("streaming/async/load?concurrency=2", "not offered for streaming"),
    ("blocking/time-sleep/load?concurrency=200&sleep_ms=2000", "would block the server"),
]

UNKNOWN = [
    ("nope/async", "unknown demo 'nope'"),
    ("fanout/nope", "demo 'fanout' has no variant 'nope' (variants: async, sync, taskgroup)"),
    ("nope/source", "unknown demo 'nope'"),
    ("fanout/nope/load", "has no variant 'nope'"),
    ("streaming/record?run=never-seen-123", "no stream with run id"),
]


class RefusedRequests(SimpleTestCase):
    async def test_bad_parameters_get_a_400_saying_why(self):
        for path, message in BAD_PARAMETERS:
            with self.subTest(path):
                response = await self.async_client.get(f"/playground/api/{path}")
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()["error"])

    async def test_unknown_demos_and_variants_get_a_404(self):
        for path, message in UNKNOWN:
            with self.subTest(path):
                response = await self.async_client.get(f"/playground/api/{path}")
                self.assertEqual(response.status_code, 404)
                self.assertIn(message, response.json()["error"])

    async def test_no_demo_accepts_a_url(self):
        for demo in DEMOS.values():
            self.assertTrue(all(isinstance(p.default, int | float) for p in demo.params.values()))
            for variant in demo.variants:
                with self.subTest(f"{demo.id}/{variant}"):
                    path = f"/playground/api/{demo.id}/{variant}?url=http://example.com/"
                    response = await self.async_client.get(path)
                    self.assertEqual(response.status_code, 400)
                    self.assertIn("unknown parameter 'url'", response.json()["error"])

    async def test_runs_answer_get_only(self):
        response = await self.async_client.post("/playground/api/fanout/async")
        self.assertEqual(response.status_code, 405)
