"""Recording errors: how one partner's record of a person differs from the truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from datetime import date

from hublink.synthetic.name_variants import NICKNAMES, SPELLING_VARIANTS, TRANSLITERATIONS
from hublink.synthetic.names import ASIAN, HISPANIC, VIETNAMESE_MIDDLE_NAMES
from hublink.synthetic.places import random_address
from hublink.synthetic.population import Person, family_surname
from hublink.synthetic.slips import (change_year_digit, has_punctuation, punctuation_variant,
                                     strip_accents, typo)

__all__ = ["ErrorRates", "Recording", "corrupt", "typo", "strip_accents", "ERROR_KINDS"]


@dataclass(frozen=True)
class ErrorRates:
    """Chance of each recording error, per record that the error can apply to.

    A rate applies only where the error is possible: ``nickname`` to given names that have one,
    ``day_month_swap`` to birth dates with a day of 12 or less, ``compound_*`` to two-part
    family names, ``suffix_dropped`` to people with a suffix, and so on.
    """

    typo: float = 0.03                  # one keyboard slip in the given or family name
    nickname: float = 0.08
    spelling_variant: float = 0.05      # Jaden for Jayden, Mohamed for Mohammed
    transliteration: float = 0.15       # Choe for Choi, Hsu for Xu, Nguyen for Nguyễn, Seoyeon
    given_name_form: float = 0.30       # María José as María, Mariajose; Eh Htoo as Ehtoo
    middle_in_given: float = 0.10       # first name "Thi Linh", "Juan Carlos" (middle joined in)
    punctuation: float = 0.25           # Da'Quan as DaQuan/Da Quan/Daquan, O'Brien as OBrien
    accents_dropped: float = 0.35
    compound_first_only: float = 0.25   # García López as García
    compound_rejoined: float = 0.15     # García López as Garcia-Lopez, Smith-Jones as Smith Jones
    compound_last_only: float = 0.03
    maternal_as_middle: float = 0.04    # García López as family García, middle López
    name_order_swap: float = 0.01
    name_order_swap_asian: float = 0.06  # family-name-first customs and forms
    surname_change: float = 0.01        # a step-parent's or the other parent's name
    day_month_swap: float = 0.015
    year_digit: float = 0.005
    dob_missing: float = 0.004
    moved: float = 0.15                 # the partner holds an older or newer address
    address_missing: float = 0.03
    street_format: float = 0.10         # North Charles Street for N Charles St
    city_variant: float = 0.05          # Balto, Baltimore City
    middle_missing: float = 0.30
    middle_initial: float = 0.15
    sex_missing: float = 0.02
    sex_error: float = 0.003
    case_noise: float = 0.10
    spacing_noise: float = 0.03
    suffix_dropped: float = 0.40
    suffix_added: float = 0.003

    def scaled(self, factor: float) -> ErrorRates:
        """Given a messiness factor, returns rates multiplied by it (moves excepted), capped."""
        changes = {f.name: min(0.95, getattr(self, f.name) * factor)
                   for f in fields(self) if f.name != "moved"}
        return replace(self, **changes)


ERROR_KINDS: tuple[str, ...] = tuple(f.name for f in fields(ErrorRates))


@dataclass(frozen=True)
class Recording:
    """What one partner recorded about a person, and which errors went into it."""

    given_name: str
    middle_name: str
    family_name: str
    suffix: str
    sex: str                 # "F", "M" or "" when missing
    birth_date: date | None
    street_number: str
    street_name: str
    city: str
    zip: str
    neighbourhood: str
    errors: tuple[str, ...]


_STREET_WORDS = {"St": "Street", "Ave": "Avenue", "Rd": "Road", "Blvd": "Boulevard",
                 "Pkwy": "Parkway", "Ln": "Lane", "Dr": "Drive", "N": "North", "S": "South",
                 "E": "East", "W": "West"}
_CITY_VARIANTS = ("Baltimore City", "Balto", "Balt", "Baltimore MD", "Baltimor")
_SUFFIX_FORMS = {"Jr": ("Jr.", "JR", "Jr"), "II": ("II", "2nd"), "III": ("III", "3rd"),
                 "IV": ("IV",)}


class _Dice:
    """Rolls for errors at the given rates and remembers which ones happened."""

    def __init__(self, rates: ErrorRates, rng: random.Random) -> None:
        self.rates, self.rng = rates, rng
        self.errors: list[str] = []

    def happens(self, kind: str, rate: float | None = None) -> bool:
        if self.rng.random() < (getattr(self.rates, kind) if rate is None else rate):
            self.errors.append(kind)
            return True
        return False


def corrupt(person: Person, rates: ErrorRates, rng: random.Random) -> Recording:
    """Given a person, error rates and a generator, returns one partner's recording of them."""
    dice = _Dice(rates, rng)
    given, middle, family, suffix = _recorded_names(person, dice)
    birth = _recorded_birth_date(person, dice)
    sex = person.sex
    if dice.happens("sex_missing"):
        sex = ""
    elif dice.happens("sex_error"):
        sex = "M" if sex == "F" else "F"
    number, street, city, zip_code, neighbourhood = _recorded_address(person, dice)
    if dice.happens("case_noise"):
        change = str.upper if rng.random() < 0.6 else str.lower
        given, middle, family = change(given), change(middle), change(family)
    if dice.happens("spacing_noise"):
        given, family = rng.choice(((" " + given, family), (given + " ", family + " "),
                                    (given, family.replace(" ", "  ").replace("-", " - ") + " ")))
    return Recording(given, middle, family, suffix, sex, birth, number, street, city, zip_code,
                     neighbourhood, tuple(dice.errors))


def _recorded_names(person: Person, dice: _Dice) -> tuple[str, str, str, str]:
    """Returns given, middle, family name and suffix as recorded."""
    rng = dice.rng
    given, middle, family = person.given_name, person.middle_name, person.family_name
    variable = [n for n in (given, family) if n in SPELLING_VARIANTS]
    if given in NICKNAMES and dice.happens("nickname"):
        given = rng.choice(NICKNAMES[given])
    elif variable and dice.happens("spelling_variant"):
        target = rng.choice(variable)
        changed = rng.choice(SPELLING_VARIANTS[target])
        given, family = (changed, family) if target == given else (given, changed)
    romanised = [n for n in (given, family) if TRANSLITERATIONS.get(n)]
    if romanised and dice.happens("transliteration"):
        target = rng.choice(romanised)
        changed = rng.choice(TRANSLITERATIONS[target])
        given, family = (changed, family) if target == given else (given, changed)
    if " " in given.strip() and dice.happens("given_name_form"):
        given = _given_form(rng, given)
    elif (middle and person.race_ethnicity in (ASIAN, HISPANIC)
          and dice.happens("middle_in_given")):
        # Vietnamese middle names lead ("Thi Linh"); other second given names follow.
        leads = any(middle in names.names for names in VIETNAMESE_MIDDLE_NAMES.values())
        given, middle = (f"{middle} {given}" if leads else f"{given} {middle}"), ""
    if dice.happens("surname_change"):
        changed = family_surname(rng, person.race_ethnicity)
        while changed == person.family_name or changed in person.family_name_parts:
            changed = family_surname(rng, person.race_ethnicity)
        family = changed
    elif len(person.family_name_parts) == 2:
        family, middle = _compound_form(person, dice, family, middle)
    punctuated = [n for n in (given, family) if has_punctuation(n)]
    if punctuated and dice.happens("punctuation"):
        target = rng.choice(punctuated)
        changed = punctuation_variant(rng, target)
        given, family = (changed, family) if target == given else (given, changed)
    if dice.happens("typo"):
        if rng.random() < 0.6:
            given = typo(rng, given)
        else:
            family = typo(rng, family)
    if any(not n.isascii() for n in (given, middle, family)) and dice.happens("accents_dropped"):
        given, middle, family = strip_accents(given), strip_accents(middle), strip_accents(family)
    if middle and dice.happens("middle_missing"):
        middle = ""
    elif middle and dice.happens("middle_initial"):
        middle = middle[0]
    suffix = person.suffix
    if suffix and dice.happens("suffix_dropped"):
        suffix = ""
    elif suffix:
        suffix = rng.choice(_SUFFIX_FORMS[suffix])
    elif person.sex == "M" and dice.happens("suffix_added"):
        suffix = "Jr"
    swap_rate = dice.rates.name_order_swap
    if person.race_ethnicity == ASIAN:
        swap_rate = dice.rates.name_order_swap_asian
    if dice.happens("name_order_swap", swap_rate):
        given, family = family, given
    return given, middle, family, suffix


def _given_form(rng: random.Random, given: str) -> str:
    """Returns a two-part given name ("María José") as a form may hold it: first part only,
    run together, or hyphenated."""
    first, _, rest = given.strip().partition(" ")
    return rng.choice((first, first, first + rest.lower(), f"{first}-{rest}"))


def _recorded_birth_date(person: Person, dice: _Dice) -> date | None:
    birth = person.birth_date
    if dice.happens("dob_missing"):
        return None
    if birth.day <= 12 and birth.day != birth.month and dice.happens("day_month_swap"):
        birth = date(birth.year, birth.day, birth.month)
    if dice.happens("year_digit"):
        birth = change_year_digit(dice.rng, birth)
    return birth


def _recorded_address(person: Person, dice: _Dice) -> tuple[str, str, str, str, str]:
    """Returns street number, street, city, ZIP and neighbourhood as recorded."""
    number, street, city = person.street_number, person.street_name, person.city
    zip_code, neighbourhood = person.zip, person.neighbourhood
    if dice.happens("moved"):
        address = random_address(dice.rng, person.race_ethnicity, near_zip=person.zip)
        while (address.street_number, address.street_name) == (number, street):
            address = random_address(dice.rng, person.race_ethnicity, near_zip=person.zip)
        number, street, city = address.street_number, address.street_name, address.city
        zip_code, neighbourhood = address.zip, address.neighbourhood
    if dice.happens("address_missing"):
        return "", "", "", "", ""
    words = street.split()
    if any(word in _STREET_WORDS for word in words) and dice.happens("street_format"):
        street = " ".join(_STREET_WORDS.get(word, word) for word in words)
    if city == "Baltimore" and dice.happens("city_variant"):
        city = dice.rng.choice(_CITY_VARIANTS)
    return number, street, city, zip_code, neighbourhood


def _compound_form(person: Person, dice: _Dice, family: str, middle: str) -> tuple[str, str]:
    """Returns (family, middle) with a two-part family name written one of the usual ways."""
    first, second = person.family_name_parts
    spaced = " " in person.family_name
    roll = dice.rng.random()
    for kind in ("compound_first_only", "compound_rejoined", "compound_last_only",
                 "maternal_as_middle"):
        rate = getattr(dice.rates, kind)
        if kind == "maternal_as_middle" and not spaced:
            continue
        if roll < rate:
            dice.errors.append(kind)
            if kind == "compound_first_only":
                return first, middle
            if kind == "compound_last_only":
                return second, middle
            if kind == "maternal_as_middle":
                return first, second
            if spaced:
                return f"{strip_accents(first)}-{strip_accents(second)}", middle
            return f"{first} {second}", middle
        roll -= rate
    return family, middle
