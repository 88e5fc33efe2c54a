"""The true population: young people in households, with twins, siblings and namesakes."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hublink.synthetic.names import (
    AIAN, ASIAN, BLACK, COMMON_MIDDLE_NAMES, HISPANIC, MENA, MULTIRACIAL,
    MULTIRACIAL_PARENT_GROUPS, NAMES_BY_GROUP, NHPI, SUFFIXES, VIETNAMESE_MIDDLE_NAMES,
    VIETNAMESE_SURNAMES, WHITE,
)
from hublink.synthetic.places import Address, random_address
from hublink.synthetic.us_names import draw_us_given_name, us_surnames

__all__ = ["Person", "generate_population", "family_surname", "REFERENCE_DATE", "GROUP_SHARES",
           "age_on"]

REFERENCE_DATE = date(2026, 7, 1)
YOUNGEST_AGE, OLDEST_AGE = 5, 24
# Roughly the race/ethnicity mix of Baltimore City residents aged 5-24.
GROUP_SHARES: tuple[tuple[str, float], ...] = (
    (BLACK, 0.590), (WHITE, 0.210), (HISPANIC, 0.110), (MULTIRACIAL, 0.042), (ASIAN, 0.032),
    (MENA, 0.008), (AIAN, 0.006), (NHPI, 0.002),
)
CHILDREN_PER_HOUSEHOLD = ((1, 0.55), (2, 0.30), (3, 0.12), (4, 0.03))
TWIN_SHARE = 0.05          # households whose second child is a twin of the first
HALF_SIBLING_SHARE = 0.10  # later children with a different family name
NAMESAKE_SHARE = 0.004     # households headed by a copy of an earlier child's name and birth year
# Share of names drawn from the US-wide frequency lists (clkhash's), the rest from the group's own
# list: national lists bring the real collisions (Smith, Jayden in 2010) of a city population.
US_NAME_SHARE = {BLACK: 0.5, WHITE: 0.6, AIAN: 0.6, NHPI: 0.2, HISPANIC: 0.2, ASIAN: 0.15,
                 MENA: 0.1}


@dataclass(frozen=True)
class Person:
    """One real young person as the truth knows them."""

    person_id: str
    given_name: str
    middle_name: str
    family_name: str
    suffix: str
    sex: str
    birth_date: date
    race_ethnicity: str
    street_number: str
    street_name: str
    city: str
    zip: str
    neighbourhood: str
    # The parts of a compound ("García López") or double-barrelled ("Smith-Jones") family name.
    family_name_parts: tuple[str, ...] = ()


def age_on(birth_date: date, when: date = REFERENCE_DATE) -> int:
    """Given a birth date, returns the age in whole years on ``when``."""
    before_birthday = (when.month, when.day) < (birth_date.month, birth_date.day)
    return when.year - birth_date.year - before_birthday


def generate_population(size: int, seed: int) -> list[Person]:
    """Given a size and a seed, returns that many people, the same ones for the same seed."""
    if size < 0:
        raise ValueError("size must not be negative")
    rng = random.Random(seed)
    people: list[Person] = []
    while len(people) < size:
        if people and rng.random() < NAMESAKE_SHARE:
            people.append(_namesake(rng, rng.choice(people), len(people)))
        else:
            people.extend(_household(rng, len(people)))
    return people[:size]


def _person_id(index: int) -> str:
    return f"P{index + 1:07d}"


def _household(rng: random.Random, first_index: int) -> list[Person]:
    group = rng.choices([g for g, _ in GROUP_SHARES], weights=[s for _, s in GROUP_SHARES])[0]
    given_groups = surname_group = (group,)
    if group == MULTIRACIAL:
        pairs, weights = zip(*MULTIRACIAL_PARENT_GROUPS)
        first, second = rng.choices(pairs, weights=weights)[0]
        given_groups, surname_group = (first, second), (rng.choice((first, second)),)
    surname, parts = _family_name(rng, surname_group[0])
    address = random_address(rng, group)
    count = rng.choices([c for c, _ in CHILDREN_PER_HOUSEHOLD],
                        weights=[w for _, w in CHILDREN_PER_HOUSEHOLD])[0]
    first_birth = _random_birth_date(rng)
    children: list[Person] = []
    for child in range(count):
        if child == 1 and rng.random() < TWIN_SHARE:
            birth = first_birth
        else:
            birth = _sibling_birth_date(rng, first_birth) if child else first_birth
        child_surname, child_parts = surname, parts
        if child and rng.random() < HALF_SIBLING_SHARE:
            child_surname, child_parts = _family_name(rng, surname_group[0])
        taken = {c.given_name for c in children}
        children.append(_child(rng, first_index + child, rng.choice(given_groups), group,
                               child_surname, child_parts, birth, address, taken))
    return children


def _given_name(rng: random.Random, names_group: str, sex: str, birth_year: int) -> str:
    if rng.random() < US_NAME_SHARE.get(names_group, 0.0):
        return draw_us_given_name(rng, sex, birth_year)
    names = NAMES_BY_GROUP[names_group]
    return (names.female if sex == "F" else names.male).draw(rng)


def _child(rng: random.Random, index: int, names_group: str, group: str, surname: str,
           parts: tuple[str, ...], birth: date, address: Address, taken: set[str]) -> Person:
    sex = rng.choice("FM")
    names = NAMES_BY_GROUP[names_group]
    pool = names.female if sex == "F" else names.male
    given = _given_name(rng, names_group, sex, birth.year)
    while given in taken:
        given = _given_name(rng, names_group, sex, birth.year)
    middle = ""
    if names_group == ASIAN and surname in VIETNAMESE_SURNAMES and rng.random() < 0.8:
        middle = VIETNAMESE_MIDDLE_NAMES[sex].draw(rng)
    elif rng.random() < names.middle_name_share:
        from_group = group == HISPANIC or rng.random() < 0.5
        middle_pool = pool if from_group else COMMON_MIDDLE_NAMES[sex]
        middle = middle_pool.draw(rng)
        if middle == given:
            middle = ""
    suffix = SUFFIXES.draw(rng) if sex == "M" and rng.random() < names.suffix_share else ""
    return Person(
        person_id=_person_id(index), given_name=given, middle_name=middle, family_name=surname,
        suffix=suffix, sex=sex, birth_date=birth, race_ethnicity=group,
        street_number=address.street_number, street_name=address.street_name, city=address.city,
        zip=address.zip, neighbourhood=address.neighbourhood, family_name_parts=parts)


def family_surname(rng: random.Random, group: str) -> str:
    """Given a generator and a group, returns one surname: US-wide or the group's own list."""
    if group not in NAMES_BY_GROUP or rng.random() < US_NAME_SHARE.get(group, 0.0):
        return us_surnames().draw(rng)
    return NAMES_BY_GROUP[group].surnames.draw(rng)


def _family_name(rng: random.Random, group: str) -> tuple[str, tuple[str, ...]]:
    names = NAMES_BY_GROUP[group]
    first = family_surname(rng, group)
    roll = rng.random()
    if roll < names.compound_surname_share + names.hyphenated_surname_share:
        second = family_surname(rng, group)
        while second == first:
            second = family_surname(rng, group)
        joiner = " " if roll < names.compound_surname_share else "-"
        return f"{first}{joiner}{second}", (first, second)
    return first, ()


def _birth_date_bounds() -> tuple[date, date]:
    earliest = date(REFERENCE_DATE.year - OLDEST_AGE - 1, REFERENCE_DATE.month,
                    REFERENCE_DATE.day) + timedelta(days=1)
    latest = date(REFERENCE_DATE.year - YOUNGEST_AGE, REFERENCE_DATE.month, REFERENCE_DATE.day)
    return earliest, latest


def _random_birth_date(rng: random.Random) -> date:
    earliest, latest = _birth_date_bounds()
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _sibling_birth_date(rng: random.Random, first: date) -> date:
    earliest, latest = _birth_date_bounds()
    while True:
        birth = first + timedelta(days=rng.choice((-1, 1)) * rng.randint(300, 3000))
        if earliest <= birth <= latest:
            return birth


def _namesake(rng: random.Random, model: Person, index: int) -> Person:
    """A different person with the same name and birth year as ``model``, living elsewhere."""
    earliest, latest = _birth_date_bounds()
    birth = model.birth_date
    while birth == model.birth_date:
        start = max(earliest, date(model.birth_date.year, 1, 1))
        end = min(latest, date(model.birth_date.year, 12, 31))
        birth = start + timedelta(days=rng.randint(0, (end - start).days))
    address = random_address(rng, model.race_ethnicity)
    return replace(model, person_id=_person_id(index), middle_name="", suffix="", birth_date=birth,
                   street_number=address.street_number, street_name=address.street_name,
                   city=address.city, zip=address.zip, neighbourhood=address.neighbourhood)
