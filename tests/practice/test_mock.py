import re

import pytest
from django.test import Client

from lessons.catalog import get_catalog
from practice import mock

pytestmark = pytest.mark.django_db
ONE, TWO = "0" * 32, "f" * 32


def questions(client: Client, url: str) -> list[str]:
    page = client.get(url).content.decode()
    return re.findall(r'data-rehearsal data-lesson="([\w-]+)"', page)


def test_starting_a_mock_gives_it_an_id_of_its_own(client):
    response = client.get("/practice/mock/?track=async&n=3&reveal=end")
    assert response.status_code == 302
    match = re.fullmatch(
        r"/practice/mock/([0-9a-f]{32})/\?track=async&n=3&reveal=end", response.url
    )
    assert match
    again = client.get("/practice/mock/?track=async&n=3")
    assert again.url != response.url  # another interview


def test_the_same_interview_shows_the_same_questions_on_every_load(client):
    url = f"/practice/mock/{ONE}/?track=async&n=4"
    first = questions(client, url)
    assert len(first) == 4 and len(set(first)) == 4
    assert questions(client, url) == first
    async_lessons = {
        slug for slug, lesson in get_catalog().lessons.items() if lesson.track == "async"
    }
    assert set(first) <= async_lessons
    assert questions(client, f"/practice/mock/{TWO}/?track=async&n=4") != first


def test_model_answers_at_the_end_is_part_of_the_interview(client):
    page = client.get(f"/practice/mock/{ONE}/?track=all&n=2&reveal=end").content.decode()
    assert 'data-reveal-at="end"' in page and f'data-mock="{ONE}"' in page
    assert "Model answers come at the end" in page
    assert 'data-reveal-at="each"' in client.get(f"/practice/mock/{ONE}/?n=2").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/practice/mock/not-an-id/?n=2",
        f"/practice/mock/{TWO.upper()}/?n=2",
        f"/practice/mock/{ONE}/?track=nope",
        "/practice/mock/?track=nope",
    ],
)
def test_a_mock_url_the_site_did_not_make_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_the_number_of_questions_is_bounded():
    assert mock.read_settings({"n": "500"}).count == mock.MAX_QUESTIONS
    assert mock.read_settings({"n": "-3"}).count == 1
    assert mock.read_settings({"n": "lots"}).count == mock.DEFAULT_QUESTIONS
    everything = mock.draw(ONE, mock.read_settings({"n": "20"}))
    assert len(everything.questions) == min(20, len(get_catalog().lessons))
