"""The ready mapping ``map = "spd15"``: local race/ethnicity codes and labels to the 2024
federal SPD 15 categories, plus "Multiracial" and "Unknown".

Codes are matched after ``code_key`` folds them: case, spacing and punctuation are ignored,
so "Black/African American", "BLACK - AFRICAN AMERICAN" and "black african american" agree.
Recognised: the category names of the 2024 and 1997 standards and their common short forms;
the EDFacts codes schools report (AM7, AS7, BL7, HI7, PI7, WH7, MU7, and the same without the
7); the CDC race and ethnicity codes health data uses (1002-5, 2028-9, 2054-5, 2076-8, 2106-3,
2135-2). A cell listing several categories separated by ";", "," or "|" is
"Multiracial" when they differ (parts that are "Unknown" are ignored). Numeric codes (1-7) and
single letters differ between systems and are deliberately absent: declare them in ``extra``.
"Other", "some other race" and "Asian/Pacific Islander" have no SPD 15 category and are left
unmapped on purpose, so the partner decides.
"""

from __future__ import annotations

import re

__all__ = ["SPD15_CATEGORIES", "SPD15_CODES", "MULTIRACIAL", "UNKNOWN", "code_key",
           "spd15_mapping"]

AMERICAN_INDIAN = "American Indian or Alaska Native"
ASIAN = "Asian"
BLACK = "Black or African American"
HISPANIC = "Hispanic or Latino"
MIDDLE_EASTERN = "Middle Eastern or North African"
PACIFIC_ISLANDER = "Native Hawaiian or Pacific Islander"
WHITE = "White"
MULTIRACIAL = "Multiracial"
UNKNOWN = "Unknown"

SPD15_CATEGORIES: tuple[str, ...] = (AMERICAN_INDIAN, ASIAN, BLACK, HISPANIC, MIDDLE_EASTERN,
                                     PACIFIC_ISLANDER, WHITE, MULTIRACIAL, UNKNOWN)

# category -> the local codes and labels recognised for it (before folding by code_key)
SPD15_CODES: dict[str, tuple[str, ...]] = {
    AMERICAN_INDIAN: ("American Indian or Alaska Native", "American Indian/Alaska Native",
                      "American Indian", "Alaska Native", "Native American", "AI/AN", "AIAN",
                      "AM7", "AM", "1002-5"),
    ASIAN: ("Asian", "Asian American", "AS7", "AS", "2028-9"),
    BLACK: ("Black or African American", "Black/African American", "Black", "African American",
            "BL7", "BL", "2054-5"),
    HISPANIC: ("Hispanic or Latino", "Hispanic/Latino", "Hispanic", "Latino", "Latina", "Latinx",
               "Latine", "Hispanic or Latino/a", "HI7", "HI", "2135-2"),
    MIDDLE_EASTERN: ("Middle Eastern or North African", "Middle Eastern/North African",
                     "Middle Eastern", "North African", "MENA"),
    PACIFIC_ISLANDER: ("Native Hawaiian or Pacific Islander",
                       "Native Hawaiian or Other Pacific Islander",
                       "Native Hawaiian/Other Pacific Islander", "Native Hawaiian/Pacific Islander",
                       "Native Hawaiian", "Pacific Islander", "NHPI", "NH/PI", "PI7", "PI",
                       "2076-8"),
    WHITE: ("White", "Caucasian", "WH7", "WH", "2106-3"),
    MULTIRACIAL: ("Multiracial", "Multi-racial", "Multiracial and/or Multiethnic",
                  "Two or more races", "Two or more", "2 or more races", "Multiple races",
                  "Multiple", "Mixed race", "Mixed", "Biracial", "MU7", "MU"),
    UNKNOWN: ("Unknown", "Not reported", "Not specified", "Not provided", "Unknown/Not reported",
              "Declined", "Declined to state", "Declined to answer", "Refused",
              "Prefer not to say", "Prefer not to answer", "Not available", "UNK"),
}

_PUNCTUATION = re.compile(r"[^0-9a-z]+")


def code_key(code: str) -> str:
    """Given a code or label, returns it folded for lookup: lower case, every run of
    punctuation and spaces one space."""
    return _PUNCTUATION.sub(" ", code.casefold()).strip()


def spd15_mapping() -> dict[str, str]:
    """Returns folded code -> SPD 15 category for every code in ``SPD15_CODES``."""
    return {code_key(code): category for category, codes in SPD15_CODES.items()
            for code in codes}
