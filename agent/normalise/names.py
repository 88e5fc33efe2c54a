"""Names to the name features: given name, family name(s), sorted name tokens, middle initial.

Rules (tested in tests/agent/test_normalise.py):

* Text is folded to upper-case ASCII; apostrophes are removed (O'Brien -> OBRIEN), every
  other punctuation mark becomes a space (Garcia-Lopez -> GARCIA LOPEZ); nicknames in
  quotes or parentheses are dropped; digits are dropped and reported (``name_has_digits``).
* Titles (MR, MRS, MS, DR, ...) are dropped when they lead a given-name part; suffixes (JR,
  SR, II, III, IV, 2ND, ...) are dropped wherever they stand, V only when it ends a family
  name or a full name (elsewhere it is an initial). A part is never emptied by these rules.
* A part that is only a placeholder (UNKNOWN, NONE, N/A, FNU, LNU, NMN, BABY BOY, ...) is
  missing, reported as ``placeholder_name``: kept, every "UNKNOWN" would share a name token.
* Surname particles (DE, LA, DEL, VAN, MC, ST, O, D, ...) are glued to the token that
  follows, so "De La Cruz", "Dela Cruz" and "DeLaCruz" all become DELACRUZ; SAINT is ST;
  a lone Y between two names ("Garcia y Lopez") is a conjunction and dropped.
* ``family_name`` is the first family token: the paternal part that the full ("Garcia
  Lopez"), hyphenated and first-part-only forms of a compound surname share (measured:
  it lifted Hispanic recall on the synthetic data by about 0.7 points); ``given_name`` the
  first given token, as its formal name when it is a nickname (MIKE -> MICHAEL, see
  ``nicknames``; ``name_tokens`` keeps it as written);
  ``middle_initial`` the first letter of the middle-name column, or else of the second
  given token; ``name_tokens`` every given and family token, deduplicated and sorted, so a
  record with the name columns swapped has the same tokens; ``given_or_family`` the pair
  {``given_name``, ``family_name``} sorted and joined by a space (one exact value, the same
  for a record with the name columns swapped; empty unless both names are present).
* A full-name column in the comma form is "Family, Given More"; in the form without a
  comma the first token is the given name, the last the family name and those between
  middle names (a second surname of "Maria Garcia Lopez" lands there, but every token
  enters ``name_tokens``, which is what carries compound surnames across sources). A
  single token is a given name. The first token is never glued as a particle, so
  "Van Smith" keeps the given name VAN.

nameparser's HumanName is not used: it takes about 100 µs per name (the agent's budget is
20 µs per record), its title list removes given names such as King, Prince and Bishop,
and its handling of compound surnames is the middle-name rule above anyway.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hublink.agent.normalise.nicknames import formal_given_name
from hublink.agent.normalise.text import fold_to_ascii

__all__ = ["NameFeatures", "normalise_names"]

# given_name, family_name, name_tokens, middle_initial, given_or_family, problems as
# (kind, field) pairs
NameFeatures = tuple[str, str, str, str, str, tuple[tuple[str, str], ...]]

_TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "REV", "SRA", "SRTA"})
_SUFFIXES = frozenset({"JR", "SR", "JNR", "SNR", "II", "III", "IV", "ESQ"})
_PARTICLES = frozenset({
    "D", "DA", "DAL", "DAS", "DE", "DEGLI", "DEI", "DEL", "DELA", "DELLA", "DELLE", "DELLO",
    "DEN", "DER", "DES", "DI", "DO", "DOS", "DU", "LA", "LAS", "LE", "LES", "LOS", "MAC", "MC",
    "O", "SAN", "SANTA", "ST", "STE", "TEN", "TER", "VAN", "VANDE", "VANDER", "VON",
})
_PLACEHOLDERS = frozenset(tuple(phrase.split()) for phrase in (
    "UNKNOWN", "UNK", "UNKN", "NONE", "NULL", "N A", "TBD", "TBA", "XXX", "XXXX", "NFN", "FNU",
    "LNU", "NLN", "NMN", "NO NAME", "NONAME", "NOT GIVEN", "NOT KNOWN", "NOT STATED", "REFUSED",
    "BABY", "BABY BOY", "BABY GIRL", "BABYBOY", "BABYGIRL", "INFANT", "INFANT BOY", "INFANT GIRL"))
"""Whole name parts that stand for no name (a record system's "first name unknown"...);
NA alone is a surname (Korean), only N/A is a placeholder."""
_SPELLINGS = {"SAINT": "ST"}
_CONJUNCTION = "Y"

_NICKNAME = re.compile(r'"[^"]*"|\([^)]*\)')
_ORDINAL_SUFFIX = re.compile(r"\d+(?:ST|ND|RD|TH)")
_DIGITS = str.maketrans("", "", "0123456789")
_NOT_NAME = re.compile(r"[^A-Z0-9]+")


@lru_cache(maxsize=32_768)
def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Given raw name text, returns its upper-case ASCII tokens and the problem kinds."""
    problems: list[str] = []
    folded = _NOT_NAME.sub(" ", fold_to_ascii(_NICKNAME.sub(" ", text)).replace("'", ""))
    if not text.isascii() and not any("A" <= letter <= "Z" for letter in folded):
        if any(character.isalpha() for character in text):
            problems.append("unsupported_script")
    tokens = [_SPELLINGS.get(token, token) for token in folded.split()
              if not _ORDINAL_SUFFIX.fullmatch(token)]
    if any(not token.isalpha() for token in tokens):
        problems.append("name_has_digits")
        tokens = [cleaned for token in tokens if (cleaned := token.translate(_DIGITS))]
    if tuple(tokens) in _PLACEHOLDERS:
        return (), (*problems, "placeholder_name")
    return tuple(tokens), tuple(problems)


def _drop_titles(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return tokens


def _drop_suffixes(tokens: list[str], trailing_v: bool) -> list[str]:
    kept = [token for index, token in enumerate(tokens)
            if index == 0 or token not in _SUFFIXES]
    if trailing_v and len(kept) > 1 and kept[-1] == "V":
        kept.pop()
    return kept


def _drop_conjunction(tokens: list[str]) -> list[str]:
    if len(tokens) < 3:
        return tokens
    return [tokens[0], *(token for token in tokens[1:-1] if token != _CONJUNCTION), tokens[-1]]


def _glue_particles(tokens: list[str]) -> list[str]:
    glued: list[str] = []
    pending = ""
    last = len(tokens) - 1
    for index, token in enumerate(tokens):
        if token in _PARTICLES and index < last:
            pending += token
        else:
            glued.append(pending + token)
            pending = ""
    return glued


@lru_cache(maxsize=32_768)
def _given_part(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tokens, problems = _tokens(text)
    tokens = _drop_suffixes(_drop_titles(list(tokens)), trailing_v=False)
    return tuple(_glue_particles(_drop_conjunction(tokens))), problems


@lru_cache(maxsize=32_768)
def _family_part(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tokens, problems = _tokens(text)
    tokens = _drop_suffixes(list(tokens), trailing_v=True)
    return tuple(_glue_particles(_drop_conjunction(tokens))), problems


@lru_cache(maxsize=32_768)
def _middle_part(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tokens, problems = _tokens(text)
    return tuple(_glue_particles(list(tokens))), problems


@lru_cache(maxsize=32_768)
def _full_name(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...],
                                   tuple[str, ...]]:
    """Given a full name, returns given tokens (first is the given name), middle tokens,
    family tokens and problem kinds."""
    before, comma, after = text.partition(",")
    if comma:
        given, given_problems = _given_part(after)
        if not given or not all(token in _SUFFIXES or token == "V" for token in given):
            family, family_problems = _family_part(before)
            return given, (), family, _merge(given_problems, family_problems)
        text = before
    tokens, problems = _tokens(text)
    tokens = _drop_suffixes(_drop_titles(list(tokens)), trailing_v=len(tokens) > 2)
    if len(tokens) <= 1:
        return tuple(tokens), (), (), problems
    rest = _glue_particles(_drop_conjunction(tokens[1:]))
    return (tokens[0],), tuple(rest[:-1]), (rest[-1],), problems


def _merge(*problem_lists: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(kind for problems in problem_lists for kind in problems))


def normalise_names(first_name: str | None, middle_name: str | None, last_name: str | None,
                    full_name: str | None) -> NameFeatures:
    """Given the name cells (None when missing), returns the five name features and the
    problems as (kind, field) pairs. Separate name columns win over a full-name column."""
    problems: list[tuple[str, str]] = []
    middle: tuple[str, ...] = ()
    if middle_name is not None:
        middle, kinds = _middle_part(middle_name)
        problems.extend((kind, "middle_name") for kind in kinds)
    if first_name is not None or last_name is not None:
        given: tuple[str, ...] = ()
        family: tuple[str, ...] = ()
        if first_name is not None:
            given, kinds = _given_part(first_name)
            problems.extend((kind, "first_name") for kind in kinds)
        if last_name is not None:
            family, kinds = _family_part(last_name)
            problems.extend((kind, "last_name") for kind in kinds)
        whole = first_name if not family else last_name if not given else None
        if whole and "," in whole:  # "Lee, Ana" typed into one of the two name columns
            given, between, family, kinds = _full_name(whole)
            middle = middle or between
            problems.append(("whole_name_in_one_column",
                             "first_name" if whole is first_name else "last_name"))
        if not given:
            problems.append(("missing_name", "first_name"))
        if not family:
            problems.append(("missing_name", "last_name"))
        extra_given = given[1:]
    elif full_name is not None:
        given, between, family, kinds = _full_name(full_name)
        problems.extend((kind, "full_name") for kind in kinds)
        if not given and not family:
            problems.append(("missing_name", "full_name"))
        extra_given = given[1:] + between
    else:
        given = family = extra_given = ()
        problems.append(("missing_name", "name"))
    if not middle:
        middle = extra_given
    name_tokens = " ".join(sorted(set(given + extra_given + family)))
    given_name = formal_given_name(given[0]) if given else ""
    family_name = family[0] if family else ""
    given_or_family = (" ".join(sorted((given_name, family_name)))
                       if given_name and family_name else "")
    return (given_name, family_name, name_tokens, middle[0][0] if middle else "",
            given_or_family, tuple(problems))
