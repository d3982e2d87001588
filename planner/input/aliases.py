"""Names people write for countries, so a mistyped country gets a useful "did you mean".

The countries sheet's own ``name`` column is searched first; these common names, short forms
and ISO alpha-2 codes complete it for the countries the planner's users meet most. A
suggestion is only ever a code that is on the workbook's countries sheet.
"""

from __future__ import annotations

import difflib

ALIASES: dict[str, str] = {
    # short forms and common names
    "drc": "COD", "dr congo": "COD", "congo kinshasa": "COD", "democratic republic of the congo": "COD",
    "congo brazzaville": "COG", "republic of the congo": "COG",
    "uk": "GBR", "united kingdom": "GBR", "great britain": "GBR", "britain": "GBR", "england": "GBR",
    "us": "USA", "u.s.": "USA", "usa": "USA", "united states": "USA", "america": "USA",
    "south korea": "KOR", "korea": "KOR", "republic of korea": "KOR", "north korea": "PRK",
    "china": "CHN", "prc": "CHN", "mainland china": "CHN", "taiwan": "TWN", "hong kong": "HKG",
    "russia": "RUS", "russian federation": "RUS", "iran": "IRN", "vietnam": "VNM", "viet nam": "VNM",
    "laos": "LAO", "burma": "MMR", "myanmar": "MMR", "turkey": "TUR", "turkiye": "TUR",
    "czech republic": "CZE", "czechia": "CZE", "the netherlands": "NLD", "holland": "NLD", "netherlands": "NLD",
    "uae": "ARE", "united arab emirates": "ARE", "saudi arabia": "SAU", "south africa": "ZAF",
    "ivory coast": "CIV", "cote d'ivoire": "CIV", "bolivia": "BOL", "tanzania": "TZA", "eswatini": "SWZ",
    "australia": "AUS", "canada": "CAN", "chile": "CHL", "argentina": "ARG", "brazil": "BRA", "peru": "PER",
    "mexico": "MEX", "indonesia": "IDN", "philippines": "PHL", "malaysia": "MYS", "india": "IND",
    "japan": "JPN", "germany": "DEU", "france": "FRA", "finland": "FIN", "sweden": "SWE", "norway": "NOR",
    "poland": "POL", "spain": "ESP", "portugal": "PRT", "italy": "ITA", "belgium": "BEL", "zambia": "ZMB",
    "zimbabwe": "ZWE", "madagascar": "MDG", "mozambique": "MOZ", "namibia": "NAM", "morocco": "MAR",
    "kazakhstan": "KAZ", "mongolia": "MNG", "new caledonia": "NCL", "cuba": "CUB", "thailand": "THA",
    "nigeria": "NGA", "rwanda": "RWA", "ghana": "GHA", "gabon": "GAB", "guinea": "GIN", "ukraine": "UKR",
    # ISO alpha-2 codes of the same countries
    "cd": "COD", "cg": "COG", "gb": "GBR", "kr": "KOR", "kp": "PRK", "cn": "CHN", "tw": "TWN", "ru": "RUS",
    "ir": "IRN", "vn": "VNM", "la": "LAO", "mm": "MMR", "tr": "TUR", "cz": "CZE", "nl": "NLD", "ae": "ARE",
    "sa": "SAU", "za": "ZAF", "ci": "CIV", "bo": "BOL", "tz": "TZA", "au": "AUS", "ca": "CAN", "cl": "CHL",
    "ar": "ARG", "br": "BRA", "pe": "PER", "mx": "MEX", "id": "IDN", "ph": "PHL", "my": "MYS", "in": "IND",
    "jp": "JPN", "de": "DEU", "fr": "FRA", "fi": "FIN", "se": "SWE", "no": "NOR", "pl": "POL", "es": "ESP",
    "pt": "PRT", "it": "ITA", "be": "BEL", "zm": "ZMB", "zw": "ZWE", "mg": "MDG", "mz": "MOZ", "na": "NAM",
    "ma": "MAR", "kz": "KAZ", "mn": "MNG", "nc": "NCL", "th": "THA", "ua": "UKR",
}


def _key(text: str) -> str:
    return " ".join(str(text).lower().replace("(", " ").replace(")", " ").replace("-", " ").split())


def suggest_country(text: str, codes: list[str], names: dict[str, str]) -> list[str]:
    """Codes (on the countries sheet) that ``text`` probably means: by name, alias, then spelling."""
    key = _key(text)
    known = set(codes)
    found = [code for code, name in names.items() if name and _key(name) == key]
    alias = ALIASES.get(key)
    if alias in known:
        found.append(alias)
    if not found:
        by_name = {_key(name): code for code, name in names.items() if name}
        found = [by_name[n] for n in difflib.get_close_matches(key, list(by_name), n=2, cutoff=0.75)]
    if not found:
        found = difflib.get_close_matches(str(text).upper(), codes, n=3, cutoff=0.6)
    return list(dict.fromkeys(found))
