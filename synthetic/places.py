"""Baltimore ZIP codes, neighbourhoods and streets, and addresses drawn from them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hublink.synthetic.names import ASIAN, BLACK, HISPANIC, WHITE

__all__ = ["Address", "ZipArea", "ZIP_AREAS", "random_address"]


@dataclass(frozen=True)
class ZipArea:
    """One ZIP code: its mail city, neighbourhoods, streets and youth weight per group."""

    zip: str
    city: str
    neighbourhoods: tuple[str, ...]
    streets: tuple[str, ...]
    weight_black: float
    weight_white: float
    weight_hispanic: float
    weight_asian: float

    def weight_for(self, group: str) -> float:
        """Given a race/ethnicity group, returns how likely its youth live here (relative)."""
        if group == BLACK:
            return self.weight_black
        if group == WHITE:
            return self.weight_white
        if group == HISPANIC:
            return self.weight_hispanic
        if group == ASIAN:
            return self.weight_asian
        weights = (self.weight_black, self.weight_white, self.weight_hispanic, self.weight_asian)
        return sum(weights) / len(weights)


def _area(zip_code: str, neighbourhoods: str, streets: str, black: float, white: float,
          hispanic: float, asian: float, city: str = "Baltimore") -> ZipArea:
    return ZipArea(zip_code, city, tuple(n.strip() for n in neighbourhoods.split(",")),
                   tuple(s.strip() for s in streets.split(",")), black, white, hispanic, asian)


ZIP_AREAS: tuple[ZipArea, ...] = (
    _area("21201", "Mount Vernon, Seton Hill, Upton, Downtown",
          "N Charles St, W Franklin St, Druid Hill Ave, W Mulberry St, Park Ave, N Eutaw St",
          3, 2, 1, 4),
    _area("21202", "Oldtown, Jonestown, Little Italy, Downtown",
          "E Fayette St, N Gay St, Aisquith St, E Lombard St, Orleans St, E Pratt St", 4, 2, 1, 3),
    _area("21205", "McElderry Park, Milton-Montford, Ellwood Park, Madison-Eastend",
          "E Monument St, N Milton Ave, Patterson Park Ave, N Montford Ave, E Madison St",
          5, 1, 6, 1),
    _area("21206", "Frankford, Cedonia, Glenham-Belhar, Waltherson",
          "Frankford Ave, Belair Rd, Sinclair Ln, Moravia Rd, Parkside Dr", 8, 2, 4, 1),
    _area("21207", "Howard Park, Gwynn Oak, Dickeyville",
          "Liberty Heights Ave, Gwynn Oak Ave, Forest Park Ave, Windsor Mill Rd", 6, 1, 1, 1),
    _area("21209", "Mount Washington, Cross Keys, Cheswolde",
          "Falls Rd, Smith Ave, Kelly Ave, Greenspring Ave", 1, 4, 1, 2),
    _area("21210", "Roland Park, Evergreen, Wyndhurst, Tuscany-Canterbury",
          "Roland Ave, University Pkwy, W Cold Spring Ln, Charles St", 1, 5, 1, 3),
    _area("21211", "Hampden, Remington, Medfield, Woodberry",
          "W 36th St, Falls Rd, Chestnut Ave, Keswick Rd, Remington Ave", 1, 6, 2, 2),
    _area("21212", "Govans, Homeland, Cedarcroft, Mid-Govans",
          "York Rd, Bellona Ave, E Northern Pkwy, Woodbourne Ave", 5, 3, 1, 1),
    _area("21213", "Belair-Edison, Clifton Park, Broadway East, Berea",
          "Belair Rd, Erdman Ave, N Milton Ave, Sinclair Ln, N Broadway, Harford Rd", 10, 1, 4, 1),
    _area("21214", "Hamilton, Lauraville, Harford-Echodale, Waltherson",
          "Harford Rd, Hamilton Ave, Hillen Rd, Echodale Ave, White Ave", 4, 4, 2, 1),
    _area("21215", "Park Heights, Arlington, Glen, Pimlico",
          "Park Heights Ave, Reisterstown Rd, W Belvedere Ave, Garrison Blvd, Spaulding Ave",
          10, 2, 1, 1),
    _area("21216", "Walbrook, Mondawmin, Easterwood, Windsor Hills",
          "Gwynns Falls Pkwy, Wabash Ave, Hilton St, N Ellamont St, Edmondson Ave", 9, 1, 1, 1),
    _area("21217", "Sandtown-Winchester, Druid Heights, Harlem Park, Penn North, Reservoir Hill",
          "Pennsylvania Ave, N Fulton Ave, W North Ave, Druid Hill Ave, Whitelock St, "
          "N Monroe St", 12, 1, 1, 1),
    _area("21218", "Waverly, Charles Village, Ednor Gardens-Lakeside, Better Waverly, Coldstream "
          "Homestead Montebello",
          "Greenmount Ave, E 33rd St, St Paul St, The Alameda, Loch Raven Blvd, E North Ave",
          9, 3, 2, 4),
    _area("21223", "Carrollton Ridge, Franklin Square, Mill Hill, Shipley Hill",
          "W Baltimore St, Frederick Ave, Hollins St, W Pratt St, N Carey St, Wilkens Ave",
          8, 2, 2, 1),
    _area("21224", "Highlandtown, Canton, Brewers Hill, Greektown, O'Donnell Heights",
          "Eastern Ave, Fleet St, S Conkling St, Highland Ave, O'Donnell St, Dundalk Ave",
          2, 6, 12, 2),
    _area("21225", "Brooklyn, Curtis Bay, Cherry Hill",
          "Patapsco Ave, Potee St, Hanover St, Cherry Hill Rd, Pontiac Ave", 5, 3, 3, 1),
    _area("21229", "Irvington, Beechfield, Violetville, Yale Heights, Ten Hills",
          "Frederick Ave, Wilkens Ave, Edmondson Ave, Athol Ave, S Hilton St", 7, 3, 2, 1),
    _area("21230", "Federal Hill, Riverside, Locust Point, Washington Village, Morrell Park",
          "Light St, S Charles St, Fort Ave, W Ostend St, Washington Blvd", 3, 5, 2, 2),
    _area("21231", "Fells Point, Butchers Hill, Upper Fells Point",
          "S Broadway, Eastern Ave, Aliceanna St, S Ann St, E Fayette St", 2, 4, 8, 1),
    _area("21239", "Loch Raven, Idlewood, Perring Loch, Northwood",
          "Loch Raven Blvd, Perring Pkwy, Hillen Rd, The Alameda", 6, 2, 1, 1),
    _area("21227", "Arbutus", "Sulphur Spring Rd, Washington Blvd", 1, 1, 0.3, 0.3,
          city="Halethorpe"),
    _area("21234", "Parkville", "Harford Rd, Taylor Ave, Putty Hill Ave", 1, 1, 0.5, 0.3,
          city="Parkville"),
)


@dataclass(frozen=True)
class Address:
    """A street address with its ZIP area and neighbourhood."""

    street_number: str
    street_name: str
    city: str
    zip: str
    neighbourhood: str


_WEIGHTS_BY_GROUP: dict[str, list[float]] = {}


def _area_weights(group: str) -> list[float]:
    if group not in _WEIGHTS_BY_GROUP:
        _WEIGHTS_BY_GROUP[group] = [area.weight_for(group) for area in ZIP_AREAS]
    return _WEIGHTS_BY_GROUP[group]


def random_address(rng: random.Random, group: str, near_zip: str | None = None) -> Address:
    """Given a generator and a group, returns an address; with near_zip, often in that ZIP."""
    area = None
    if near_zip is not None and rng.random() < 0.5:
        area = next((a for a in ZIP_AREAS if a.zip == near_zip), None)
    if area is None:
        area = rng.choices(ZIP_AREAS, weights=_area_weights(group))[0]
    number = str(rng.choice((rng.randint(100, 999), rng.randint(1000, 5999), rng.randint(1, 99))))
    return Address(number, rng.choice(area.streets), area.city, area.zip,
                   rng.choice(area.neighbourhoods))
