"""Helpers for the matching tests: realistic CLKs made with clkhash from the project's synthetic
youth (``hublink.synthetic``), recorded with its errors and normalised by the agent."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Sequence

import pytest

from hublink.synthetic.corruption import ErrorRates, Recording, corrupt
from hublink.synthetic.population import REFERENCE_DATE, Person, generate_population

SCHEMA_ID = "linkage-v1"
TEST_SECRET = b"x" * 64
RECORDING_ERRORS = ErrorRates()
"""The synthetic city's own error rates (a recording has none, one or several errors)."""
FEW_RECORDING_ERRORS = replace(ErrorRates().scaled(0.25), moved=0.03)
"""For tests of the solver's structure rather than of linkage quality: a quarter of the city's
rates, and few moves (a move changes the whole address)."""


def random_person(rng: random.Random) -> Person:
    """Given a random generator, returns one synthetic youth, unrelated to any other drawn so
    (the first of a household of its own)."""
    return generate_population(1, rng.getrandbits(64))[0]


def perturb(person: Person, rng: random.Random, rates: ErrorRates = RECORDING_ERRORS) -> Recording:
    """Given a person, returns one partner's recording of them, with the synthetic city's errors
    (or ``rates``)."""
    return corrupt(person, rates, rng)


def schema_row(person: Person | Recording) -> tuple[str, ...]:
    """Given a person or a recording of one, returns its features (the normaliser's
    ``FEATURE_NAMES`` order, which the encoder reads by name), derived by the agent's own normalisation (``agent.normalise``), as a partner's agent would
    send them."""
    from hublink.agent.normalise import RawIdentifiers, normalise_record

    family = f"{person.family_name} {person.suffix}".strip()
    address = f"{person.street_number} {person.street_name}".strip()
    raw = RawIdentifiers(first_name=person.given_name, middle_name=person.middle_name or None,
                         last_name=family, sex=person.sex or None, address=address or None,
                         dob=person.birth_date.isoformat() if person.birth_date else None,
                         city=person.city or None, zip=person.zip or None)
    return normalise_record(raw, "%Y-%m-%d", today=REFERENCE_DATE).features


def encode_people(people: Sequence[Person | Recording], schema_id: str = SCHEMA_ID) -> bytes:
    """Given people and a bundled schema id (default ``linkage-v1``), returns their CLKs packed
    back to back (128 bytes each), encoded by the agent's encoder."""
    from hublink.agent.encode import encode_rows
    from hublink.shared.linkage_schema import load_linkage_schema

    if not people:
        return b""
    return encode_rows([schema_row(person) for person in people], load_linkage_schema(schema_id),
                       TEST_SECRET)


@pytest.fixture(scope="session")
def realistic_population() -> tuple[list[Person | Recording], bytes]:
    """Returns 2,000 people, the last 600 recordings of one of the first 1,400 each, and their
    packed CLKs."""
    rng = random.Random(20240611)
    people: list[Person | Recording] = [random_person(rng) for _ in range(1_400)]
    people += [perturb(rng.choice(people[:1_400]), rng) for _ in range(600)]
    return people, encode_people(people)


@pytest.fixture(scope="session")
def synthetic():
    """Returns the helpers above (random_person, perturb, encode_people) for tests building their own data."""
    from types import SimpleNamespace

    return SimpleNamespace(random_person=random_person, perturb=perturb, encode_people=encode_people,
                           few_errors=FEW_RECORDING_ERRORS)
