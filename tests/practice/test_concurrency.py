"""Tabs racing: many ratings from one learner at once, against the real ASGI server."""

import asyncio
import uuid

import aiohttp
import pytest

from tests.servers import RunningServer

pytestmark = pytest.mark.database


async def rate_concurrently(server: RunningServer, count: int) -> tuple[list[int], dict]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(f"{server.url}/practice/") as response:
            assert response.status == 200
        token = next(c.value for c in jar if c.key == "csrftoken")
        headers = {"X-CSRFToken": token}
        # The first thing the learner does creates them; then the tabs race.
        async with session.post(
            f"{server.url}/practice/api/read", json={"lesson": "async-orm"}, headers=headers
        ) as response:
            assert response.status == 200

        async def rate(rating: int) -> int:
            body = {"lesson": "async-orm", "rating": rating, "review_id": str(uuid.uuid4())}
            async with session.post(
                f"{server.url}/practice/api/review", json=body, headers=headers
            ) as response:
                await response.read()
                return response.status

        statuses = await asyncio.gather(*(rate(1 + i % 4) for i in range(count)))
        async with session.get(f"{server.url}/practice/export.json") as response:
            exported = await response.json()
    return statuses, exported


def test_200_concurrent_ratings_lose_nothing(asgi_server):
    statuses, exported = asyncio.run(rate_concurrently(asgi_server, 200))
    assert statuses == [201] * 200
    [progress] = [p for p in exported["progress"] if p["lesson"] == "async-orm"]
    assert progress["reviews"] == 200
    reviews = [r for r in exported["reviews"] if r["lesson"] == "async-orm"]
    assert len(reviews) == 200
    assert len({r["review_id"] for r in reviews}) == 200
    # The schedule is the last review's: what the card says is what the newest review set.
    newest = max(reviews, key=lambda r: r["reviewed_at"])
    assert progress["due"] == newest["due_after"]
    [(stored,)] = asgi_server.query("SELECT count(*) FROM practice_review")
    assert stored >= 200
