"""Helpers for the matching tests: realistic CLKs made with clkhash from synthetic youth records."""

from __future__ import annotations

import random
from datetime import date
from typing import Sequence

import pytest

SCHEMA_ID = "linkage-v1"
TEST_SECRET = b"x" * 64
AS_OF = date(2024, 6, 11)
"""The day the people's ages are taken on (they were born 2003-2014)."""

GIVEN_NAMES = (
    "JAMAL DESHAWN TYRONE MARCUS ANTHONY MICHAEL CHRISTOPHER JOSHUA DAVID DANIEL JAYDEN ELIJAH "
    "ISAIAH JORDAN MALIK DARNELL ANDRE TERRELL KEVIN BRANDON JUSTIN AARON CAMERON DOMINIC XAVIER "
    "JOSE CARLOS LUIS JUAN MIGUEL ANGEL ADRIAN KENNETH RASHAD TREVON KAYLA AALIYAH JASMINE DESTINY "
    "BRIANNA TANIYAH IMANI NEVAEH KIARA DIAMOND MARIA SOFIA ISABELLA EMILY ASHLEY JESSICA TIANA "
    "SHANICE LATOYA MONIQUE AMBER TAYLOR MADISON HANNAH OLIVIA AVA MIA ZOE CHLOE NIA ALICIA "
    "GABRIELLE SIERRA ANIYAH JADA KENDRA ERICA VANESSA ANGELICA SAMANTHA PRECIOUS ESSENCE"
).split()
FAMILY_NAMES = (
    "WILLIAMS JOHNSON BROWN JONES SMITH DAVIS JACKSON HARRIS THOMAS WILSON TAYLOR MOORE WHITE "
    "THOMPSON ROBINSON LEWIS WALKER GREEN HALL YOUNG WRIGHT KING ALLEN SCOTT BAKER ADAMS CARTER "
    "MITCHELL PARKER EVANS TURNER COLLINS EDWARDS STEWART MORRIS ROGERS REED COOK MORGAN BELL "
    "MURPHY BAILEY RIVERA COOPER RICHARDSON COX HOWARD WARD TORRES PETERSON GRAY RAMIREZ JAMES "
    "WATSON BROOKS KELLY SANDERS PRICE BENNETT WOOD BARNES ROSS HENDERSON COLEMAN JENKINS PERRY "
    "POWELL LONG PATTERSON HUGHES FLORES WASHINGTON BUTLER SIMMONS FOSTER GONZALES BRYANT "
    "ALEXANDER RUSSELL GRIFFIN DIAZ HAYES MYERS FORD HAMILTON GRAHAM SULLIVAN WALLACE WOODS COLE "
    "WEST JORDAN OWENS REYNOLDS FISHER ELLIS HARRISON GIBSON MCDONALD CRUZ MARSHALL ORTIZ GOMEZ"
).split()
STREET_NAMES = (
    "NORTH AVE|GREENMOUNT AVE|EDMONDSON AVE|PENNSYLVANIA AVE|HARFORD RD|BELAIR RD|CHARLES ST|"
    "MONUMENT ST|FAYETTE ST|BALTIMORE ST|PRESSTMAN ST|FULTON AVE|WALBROOK AVE|LOCH RAVEN BLVD|"
    "PARK HEIGHTS AVE|REISTERSTOWN RD|WABASH AVE|FRANKFORD AVE|MORAVIA RD|HILLEN RD"
).split("|")
ZIPS = [f"212{code:02d}" for code in range(1, 40)]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def random_person(rng: random.Random) -> dict[str, str]:
    """Given a random generator, returns one synthetic youth as a dict of normalised fields."""
    return {
        "given_name": rng.choice(GIVEN_NAMES),
        "family_name": rng.choice(FAMILY_NAMES),
        "middle_initial": rng.choice(LETTERS) if rng.random() < 0.7 else "",
        "birth_year": str(rng.randint(2003, 2014)),
        "birth_month": str(rng.randint(1, 12)),
        "birth_day": str(rng.randint(1, 28)),
        "sex": rng.choice("MF"),
        "street": f"{rng.randint(100, 4999)} {rng.choice(STREET_NAMES)}",
        "city": "BALTIMORE",
        "zip": rng.choice(ZIPS),
    }


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    position = rng.randrange(len(word) - 1)
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    if kind == "substitute":
        return word[:position] + rng.choice(LETTERS) + word[position + 1:]
    if kind == "delete":
        return word[:position] + word[position + 1:]
    if kind == "insert":
        return word[:position] + rng.choice(LETTERS) + word[position:]
    return word[:position] + word[position + 1] + word[position] + word[position + 2:]


def perturb(person: dict[str, str], rng: random.Random, errors: int = 1) -> dict[str, str]:
    """Given a person, returns a copy with `errors` realistic data-entry differences."""
    copy = dict(person)
    for _ in range(errors):
        kind = rng.choice(("given", "family", "middle", "swap_day_month", "moved", "street_typo"))
        if kind == "given":
            copy["given_name"] = _typo(copy["given_name"], rng)
        elif kind == "family":
            copy["family_name"] = _typo(copy["family_name"], rng)
        elif kind == "middle":
            copy["middle_initial"] = ""
        elif kind == "swap_day_month" and int(copy["birth_day"]) <= 12:
            copy["birth_day"], copy["birth_month"] = copy["birth_month"], copy["birth_day"]
        elif kind == "moved":
            copy["street"] = f"{rng.randint(100, 4999)} {rng.choice(STREET_NAMES)}"
            copy["zip"] = rng.choice(ZIPS)
        else:
            copy["street"] = _typo(copy["street"], rng)
    return copy


def schema_row(person: dict[str, str]) -> tuple[str, ...]:
    """Given a person, returns its features in the linkage schema's order, derived by the
    agent's own normalisation (``agent.normalise``), as a partner's agent would send them."""
    from hublink.agent.normalise import RawIdentifiers, normalise_record

    born = f'{person["birth_year"]}-{int(person["birth_month"]):02d}-{int(person["birth_day"]):02d}'
    raw = RawIdentifiers(first_name=person["given_name"], middle_name=person["middle_initial"] or None,
                         last_name=person["family_name"], dob=born, sex=person["sex"],
                         address=person["street"], city=person["city"], zip=person["zip"])
    return normalise_record(raw, "%Y-%m-%d", today=AS_OF).features


def encode_people(people: Sequence[dict[str, str]]) -> bytes:
    """Given people, returns their CLKs packed back to back (128 bytes each), encoded by the
    agent's encoder under the ``linkage-v1`` schema."""
    from hublink.agent.encode import encode_rows
    from hublink.shared.linkage_schema import load_linkage_schema

    if not people:
        return b""
    return encode_rows([schema_row(person) for person in people], load_linkage_schema(SCHEMA_ID),
                       TEST_SECRET)


@pytest.fixture(scope="session")
def realistic_population() -> tuple[list[dict[str, str]], bytes]:
    """Returns 2,000 people with ~30% perturbed duplicates, and their packed CLKs."""
    rng = random.Random(20240611)
    people = [random_person(rng) for _ in range(1_400)]
    people += [perturb(rng.choice(people[:1_400]), rng, rng.choice((1, 1, 2))) for _ in range(600)]
    return people, encode_people(people)


@pytest.fixture(scope="session")
def synthetic():
    """Returns the helpers above (random_person, perturb, encode_people) for tests building their own data."""
    from types import SimpleNamespace

    return SimpleNamespace(random_person=random_person, perturb=perturb, encode_people=encode_people)
