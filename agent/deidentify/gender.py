"""The ready mapping ``map = "gender"``: the codes of a sex or gender column to four coarse
categories that may leave the partner as an attribute: female, male, another gender, unknown.

Reading the identifiers' own sex column is allowed only through a map whose every label is
one of ``GENDER_CATEGORIES`` (``specs`` enforces it; ``sync`` checks the values again before
anything is sent), so a raw code never leaves. Codes are folded by ``code_key``. Numeric
codes (1, 2) and W are absent, for the reasons given in ``normalise.sex``: declare them in
``extra`` when the partner's system defines them.
"""

from __future__ import annotations

from hublink.agent.deidentify.spd15 import code_key

__all__ = ["GENDER_CATEGORIES", "GENDER_CODES", "gender_mapping"]

FEMALE, MALE, ANOTHER, UNKNOWN = "female", "male", "another gender", "unknown"
GENDER_CATEGORIES: tuple[str, ...] = (FEMALE, MALE, ANOTHER, UNKNOWN)

GENDER_CODES: dict[str, tuple[str, ...]] = {
    FEMALE: ("F", "Female", "Girl", "Woman", "Fem", "Trans female", "Transgender female",
             "Trans woman"),
    MALE: ("M", "Male", "Boy", "Man", "Trans male", "Transgender male", "Trans man"),
    ANOTHER: ("X", "NB", "Non-binary", "Nonbinary", "Genderqueer", "Gender nonconforming",
              "Another gender", "Other", "O", "Two-Spirit", "Agender", "Gender fluid"),
    UNKNOWN: ("U", "Unk", "Unknown", "Not stated", "Not reported", "Not specified",
              "Unspecified", "Declined", "Refused", "Prefer not to say",
              "Prefer not to answer", "N/A", "NA"),
}


def gender_mapping() -> dict[str, str]:
    """Returns folded code -> category for every code of ``GENDER_CODES``."""
    return {code_key(code): category for category, codes in GENDER_CODES.items()
            for code in codes}
