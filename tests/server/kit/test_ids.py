"""Push ids: the format iQualify's ids have, creation order, and a random part that uses its whole alphabet."""

from __future__ import annotations

from openqualify.server.kit.ids import _PUSH_ALPHABET, push_id


def test_a_push_id_is_twenty_characters_of_the_alphabet() -> None:
    made = push_id()
    assert len(made) == 20
    assert set(made) <= set(_PUSH_ALPHABET)


def test_ids_sort_in_the_order_they_were_made_within_and_across_milliseconds() -> None:
    made = [push_id(1_700_000_000_000 + n // 50) for n in range(500)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_each_random_character_takes_every_value_of_the_alphabet() -> None:
    """A new millisecond draws 12 fresh characters; over 2,000 draws each position meets all 64 values (the
    chance that a uniform draw misses one is below 1e-24)."""
    seen: list[set[str]] = [set() for _ in range(12)]
    for n in range(2_000):
        random_part = push_id(1_800_000_000_000 + 2 * n)[8:]
        for position, char in enumerate(random_part):
            seen[position].add(char)
    assert all(len(values) == 64 for values in seen)
