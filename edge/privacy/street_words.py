"""The words addresses are made of: street types, units, buildings, floors.

Street types after a name ("Baker Street") or before it ("Rue de Rivoli"), and the endings
of one-word streets whose number follows ("Hauptstraße 5", "Keizersgracht 52", "Storgatan
12", "Laugavegur 55"); the units that number a flat, plot, house or rural box ("Flat 9B",
"Plot 22", "House No. 1243", "RR 2", "Site 5"); the words that name a house or building
("The Old Rectory", "Rose Cottage", "Sea View Towers"); and a floor and door ("2º
izquierda", "3rd floor").
"""

from __future__ import annotations

STREET_TYPES = {"street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr",
                "boulevard", "blvd", "way", "court", "ct", "place", "pl", "close", "crescent",
                "terrace", "grove", "gardens", "square", "sq", "row", "parkway", "pkwy",
                "highway", "hwy", "circle", "cir", "trail", "loop", "walk", "mews", "alley",
                "plaza", "hill", "rise", "wharf", "quay", "parade", "esplanade", "embankment",
                "pike", "turnpike", "expressway", "freeway", "cres", "tce", "pde", "ter",
                "hts", "trl", "marg", "nagar", "salai", "strasse", "straße", "weg", "allee",
                "avenida", "vale", "meadows", "drive's", "prospekt", "ulitsa", "pereulok",
                "shosse", "ro", "daero", "gil"}  # Korean: "45 Teheran-ro", "12 Sejong-daero"
# Street types that are everyday words too: a street only when capitalised ("12 Elm Park").
CAPITAL_STREET_TYPES = {"park", "green", "view", "gate", "point", "heights", "ridge",
                        "crossing", "landing", "cove", "path", "chase", "yard", "approach",
                        "circus", "estate", "end", "fields", "field", "broadway", "road's",
                        "common", "hollow", "glen", "manor", "croft", "gardens", "prospect"}
# Indian streets numbered by an ordinal: "2nd Cross", "5th Main".
ORDINAL_STREETS = {"cross", "main", "block", "stage", "phase", "sector"}
STREET_FIRST = {"rue", "calle", "via", "avenida", "avenue", "boulevard", "chemin", "strada",
                "rua", "ul", "ulica", "aleja", "plaza", "piazza", "viale", "corso", "carrer",
                "paseo", "rambla", "allee", "quai", "impasse", "place", "platz", "jalan", "jln",
                "carrera", "calzada", "avinguda",
                # abbreviated ("Av. Paulista 1578", "Avda. de América 12"), Portuguese,
                # Welsh ("3 Heol y Coed", "Ffordd Las"), Irish ("Sráid an Mhuilinn")
                "av", "avda", "travessa", "largo", "praca", "praça", "estrada", "alameda",
                "rodovia", "heol", "ffordd", "stryd", "lon", "lôn", "sraid", "sráid",
                "bothar", "bóthar",
                # Malay and Indonesian ("Lorong Maarof", "Jl. Sudirman"), Thai ("Soi 24")
                "lorong", "lrg", "persiaran", "lebuh", "jl", "soi", "thanon"}
# Written lowercase too ("45 rue de la Paix"); "via" is "by" in English.
LOWER_FIRST = STREET_FIRST - {"via", "place", "plaza", "platz", "av", "largo", "lon", "lôn",
                              "alameda"}
PARTICLES = {"de", "la", "le", "les", "du", "des", "del", "della", "delle", "di", "da", "do",
             "dos", "das", "von", "van", "der", "den", "l", "d", "y", "e", "st", "saint",
             "sainte", "san", "santa", "'", "’"}
# One-word streets whose number comes after: German, Dutch, Scandinavian, Icelandic,
# Finnish, Hungarian and Polish street endings ("Hauptstraße 5", "Bloemgracht 81",
# "Nørrebrogade 3", "Storgatan 12", "Laugavegur 55", "Mannerheimintie 9").
NUMBER_AFTER = ("strasse", "straße", "str", "weg", "platz", "allee", "gasse", "damm", "ufer",
                "chaussee", "straat", "laan", "gracht", "plein", "steig", "pfad", "markt",
                "kade", "singel", "dijk", "steeg", "dreef", "vej", "gade", "gatan", "gata",
                "vagen", "veien", "vegen", "vegur", "stigur", "braut", "katu", "tie", "utca",
                "ulica", "torv", "plads", "pladsen", "torget", "stræde", "straede")
# Those written apart after the street's name, its number after them: "Berliner Straße 12",
# "Sankt Annæ Plads 6", "Kongens Nytorv 3", "Drottning Kristinas väg 8", "Avenue Louise".
SEPARATE_TYPES = {"strasse", "straße", "weg", "allee", "platz", "plads", "torv", "vej", "gade",
                  "gata", "gatan", "torg", "torget", "alle", "vag", "vagen", "vei", "veien",
                  "stræde", "straede", "steeg", "laan", "plein", "kade"}
DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West",
              "north", "south", "east", "west", "Ouest", "Est", "Nord", "Sud", "Norte", "Sur",
              "Oeste", "Lower", "Upper", "lower", "upper"}  # "Rathmines Road Lower" (Dublin)
UNITS = {"flat", "apartment", "apt", "unit", "suite", "ste", "room", "#", "no", "number",
         "floor", "building", "bldg", "house", "lot", "po", "plot", "block"}
# A unit that starts an address on its own when more of one follows ("No. 7, 2nd Cross,
# Indiranagar", "Plot 22, ...", "RR 2, Site 5, ..."); "no"/"number" only after a cue.
UNIT_ANCHORS = {"flat", "apartment", "apt", "unit", "suite", "house", "plot", "block", "lot",
                "door", "shop", "villa", "bungalow", "rr", "no", "number"}
# Units inside an address's parts: "Sector 15", "Site 5", "Box 12", "Phase 2", "Level 3".
PART_UNITS = UNIT_ANCHORS | UNITS | {"sector", "phase", "stage", "site", "box", "comp",
                                     "level", "wing", "tower", "apto", "piso", "depto",
                                     "dept", "planta", "etage", "whg", "km", "colony"}
# Words that name a house or a building ("Rose Cottage", "Sea View Towers", "Hill House",
# "Lodha Park", "Shanti Niwas") and other languages' words for a house.
BUILDING_WORDS = {"house", "cottage", "cottages", "farm", "farmhouse", "lodge", "barn", "mill",
                  "hall", "manor", "grange", "rectory", "vicarage", "parsonage", "villa",
                  "villas", "tower", "towers", "court", "mansions", "mansion", "apartments",
                  "residency", "residences", "residence", "heights", "building", "buildings",
                  "chambers", "complex", "plaza", "centre", "center", "park", "gardens",
                  "estate", "enclave", "flats", "block", "bungalow", "chalet", "croft", "cabin",
                  "ranch", "homestead", "nivas", "niwas", "bhavan", "bhawan", "sadan", "kunj",
                  "society", "castle", "casa", "maison", "haus", "quinta", "finca", "hacienda",
                  "ty", "arcade", "wharf", "quarters", "annexe", "annex",
                  # a practice or an institution named before its street: "Parkside
                  # Surgery, 2 Park Road"
                  "surgery", "clinic", "practice", "hospital", "hospice", "school", "academy",
                  "college", "library", "church", "chapel", "hotel", "inn", "office",
                  "offices", "studios", "works"}
# After a floor's number ("2º izquierda", "3rd floor", "4. OG"): where the door is.
FLOOR_WORDS = {"floor", "fl", "izquierda", "izq", "izda", "derecha", "dcha", "dch", "centro",
               "puerta", "piso", "planta", "left", "right", "front", "rear", "back", "etage",
               "og", "stock", "links", "rechts", "mitte", "andar", "esq", "dto", "esquerdo",
               "direito", "a", "b", "c", "d"}
# A number right before these counts something: "Lindenweg 7a for the sleepover" is an
# address, "Via Roma 8 minutes away" none.
MEASURES = {"minute", "minutes", "min", "mins", "hour", "hours", "mile", "miles", "km",
            "second", "seconds", "day", "days", "week", "weeks", "month", "months", "year",
            "years", "meter", "meters", "metre", "metres", "foot", "feet", "step", "steps",
            "percent", "degrees", "times", "more", "less", "blocks", "block", "people", "kids",
            "yards", "kilometres", "kilometers", "laps", "lap", "stops", "stop", "exits",
            "exit", "floors", "pm", "am", "o'clock", "of", "or", "to", "x", "euros", "euro"}
# One-word English streets: "12 Kingsway", "62 Deansgate" (not "anyway", "subway").
COMPOUND_ENDINGS = ("way", "gate")
ORDINAL_SUFFIXES = {"st", "nd", "rd", "th", "º", "ª", "o", "a", "e", "er", "re", "eme"}
