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

# English, then Spanish as forms for Spanish-speaking families print it (with and without
# accents; the words ``normalise.sex`` reads for linkage).
GENDER_CODES: dict[str, tuple[str, ...]] = {
    FEMALE: ("F", "Female", "Girl", "Woman", "Fem", "Trans female", "Transgender female",
             "Trans woman", "Femenino", "Femenina", "Mujer", "Niña", "Nina", "Chica"),
    MALE: ("M", "Male", "Boy", "Man", "Trans male", "Transgender male", "Trans man",
           "Masculino", "Hombre", "Niño", "Nino", "Chico", "Varón", "Varon"),
    ANOTHER: ("X", "NB", "Non-binary", "Nonbinary", "Genderqueer", "Gender nonconforming",
              "Another gender", "Other", "O", "Two-Spirit", "Agender", "Gender fluid",
              "No binario", "No binarie", "Otro", "Otra"),
    UNKNOWN: ("U", "Unk", "Unknown", "Not stated", "Not reported", "Not specified",
              "Unspecified", "Declined", "Refused", "Prefer not to say",
              "Prefer not to answer", "N/A", "NA", "Desconocido", "No sabe",
              "Prefiere no decir", "Prefiero no decir", "No especificado"),
}


def gender_mapping() -> dict[str, str]:
    """Returns folded code -> category for every code of ``GENDER_CODES``."""
    return {code_key(code): category for category, codes in GENDER_CODES.items()
            for code in codes}
