"""Pages travel compressed to browsers that ask, which is every browser: NHS links can be slow."""

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_comes_compressed_to_a_browser_that_asks_and_reads_the_same(client, manager, migration):
    client.force_login(manager)
    url = reverse("plan", args=[migration.pk])
    plain = client.get(url)

    packed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})

    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    page = gzip.decompress(packed.content).decode()
    assert f"Plan for {migration.practice.name}" in page
    assert "Content-Encoding" not in plain  # a client that does not ask gets the page as it is


def test_two_compressed_copies_of_a_page_differ_so_their_size_gives_nothing_away(client, manager, migration):
    """BREACH guesses secrets from compressed sizes; Django pads each compressed page at random."""
    client.force_login(manager)
    url = reverse("plan", args=[migration.pk])

    sizes = {len(client.get(url, headers={"accept-encoding": "gzip"}).content) for _ in range(6)}

    assert len(sizes) > 1
