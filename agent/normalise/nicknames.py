"""Given names to one form across their nicknames: MIKE, MIKEY and MICHAEL all become MICHAEL.

The nickname relations are the `nicknames` package's hand-curated table (Carlton Northern's
names.csv: about 1,400 nicknames of English given names). A nickname with several formal names
(ALEX: Alexander, Alexandra, Alexis, ...) takes the one most babies were given in the US
Social Security counts that clkhash ships (1890-2015). A name is replaced only by a name given
at least ``FORMAL_RATIO`` times as often: ANN stays ANN (Nancy is only 2x as common), ALEX
stays ALEX (2.4x), TONY becomes ANTHONY (5.7x), MIKE MICHAEL (21x). The table is noisy in
both directions (it lists MICAH under Michael: 47x, replaced), so the ratio, not the table
alone, decides. The map is idempotent on what it returns; names not in it are unchanged.

Only the ``given_name`` feature takes the formal name; ``name_tokens`` keeps the name as written,
so two youth called Micah and Michael still differ there.
"""

from __future__ import annotations

import functools
from collections import Counter
from importlib import resources

__all__ = ["FORMAL_RATIO", "formal_given_name"]

FORMAL_RATIO = 5


@functools.cache
def _given_name_counts() -> Counter:
    """Returns upper-case given name -> babies so named (all years, both sexes)."""
    lines = resources.files("clkhash").joinpath("data", "first-name-counts-by-year.csv").read_text(
        encoding="utf-8").upper().splitlines()
    header = [column.strip() for column in lines[0].split(",")]
    name, count = header.index("NAME"), header.index("COUNT")
    counts: Counter = Counter()
    for line in lines[1:]:  # plain "Name, Count, Sex, Year" rows: no quoting in this file
        cells = line.split(",")
        if len(cells) == len(header):
            counts[cells[name].strip()] += int(cells[count])
    return counts


@functools.cache
def _formal_names() -> dict[str, str]:
    from nicknames import NickNamer

    counts = _given_name_counts()
    table: dict[str, str] = {}
    for nickname, formal in NickNamer().canonical_lookup.items():
        written = nickname.upper()
        if not written.isalpha():
            continue
        options = [name.upper() for name in formal if name.isalpha()]
        best = max(options, key=lambda name: (counts[name], name), default=written)
        if counts[best] >= FORMAL_RATIO * max(counts[written], 1):
            table[written] = best
    # A formal name that is itself a nickname of a commoner one (a chain) settles on the last.
    for _ in range(3):
        table = {name: table.get(formal, formal) for name, formal in table.items()}
    return table


def formal_given_name(token: str) -> str:
    """Given an upper-case ASCII given-name token, returns its formal name (itself if none)."""
    return _formal_names().get(token, token)
