"""edge.privacy, street addresses: anchors, the parts around them, and numbers that are none."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor(["Priya", "Tomás", "Anna Smith", "Mom"])


def kinds(text: str) -> list[str]:
    return [s.kind for s in REDACT.spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Send it to 45 rue de la Paix, Paris.", "Send it to [address]."),  # the town too
    ("Deliver to Hauptstraße 5.", "Deliver to [address]."),
    ("Ship to Flat 3, 22 Acacia Avenue.", "Ship to [address]."),
    ("My address is 500 West 42nd Street.", "My address is [address]."),
    ("Send it to 3 The Green, Richmond.", "Send it to [address]."),
    ("Our cabin is at two hundred Pine Ridge Road.", "Our cabin is at [address]."),
    ("Cambridge, MA 02139", "Cambridge, MA [address]"),
    ("my postcode is sw1a 2aa", "my postcode is [address]"),  # any case after the word
    ("Is there a pharmacy near 5th Avenue?", "Is there a pharmacy near 5th Avenue?"),
])
def test_addresses_international_and_with_flats(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("is it raining in 02139?", "is it raining in [address]?"),
    ("my parcel number ends in 12345.", "my parcel number ends in 12345."),
    ("send it to Rua das Flores, 120, Porto", "send it to [address]"),
    ("drop me at ul. Długa 5, 80-827 Gdańsk", "drop me at [address]"),
    ("it's 14 Shore Road, Cork T12 X5R8", "it's [address]"),
    ("she lives at 8 Grafton Street, Dublin 2.", "she lives at [address]."),
    ("ship to 4 Park Street, Chennai six zero zero zero one seven",
     "ship to [address]"),
    ("we're at nine oak lane flat two", "we're at [address]"),
])
def test_addresses_of_more_countries(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the town, region and postcode after a street go with it
    ("ship it to 9 Elm Close, Guildford GU1 4RR", "ship it to [address]"),
    ("ship to 400 Bay Street, Toronto, ON M5H 2Y4", "ship to [address]"),
    ("mail it to 8 Smith Street, Perth WA 6000", "mail it to [address]"),
    ("Lindenweg 7, 80331 München", "[address]"),
    ("a cab to 1-9-1 Marunouchi, Chiyoda-ku, Tokyo", "a cab to [address]"),
    ("the postcode is s w one a two a a", "the postcode is [address]"),
    ("any vets near 10001", "any vets near [address]"),
    ("go to three hundred and five main street", "go to [address]"),
    ("56 bridge street, is it bin day", "[address], is it bin day"),
    ("a 10 minute drive near 5 roads", "a 10 minute drive near 5 roads"),
])
def test_addresses_with_town_and_spoken_forms(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # A lowercase transcript's town, region and postcode join the street after its comma.
    ("the parcel goes to 31 mill lane, harrogate HG1 4QT", "the parcel goes to [address]"),
    ("deliver to 7 rata street, wellington 6011", "deliver to [address]"),
    ("my sister lives at 12 quay road, st davids", "my sister lives at [address]"),
    ("book a ride to 44 ocean drive, miami beach, fl 33139", "book a ride to [address]"),
    ("i live at 12 elm street, call me later", "i live at [address], call me later"),
    # A street type first, lowercase, before its number; an everyday street type after
    # "number" (but "at 5" may be a time).
    ("take me to carrera de san jeronimo 15, madrid", "take me to [address]"),
    ("she lives at number 9 meadow view", "she lives at [address]"),
    ("we met at 5 central park", "we met at 5 central park"),
])
def test_lowercase_localities_and_street_types(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("navigate to twelve hundred pine street, philadelphia", "navigate to [address]"),
    ("the venue is 33 Nevsky Prospekt, St Petersburg", "the venue is [address]"),
    ("my postcode's cf10 1aa", "my postcode's [address]"),
    ("the care home is at 140 station road, harrow", "the care home is at [address]"),
    ("set work to 100 bishopsgate, london EC2N 4AG", "set work to [address]"),
    ("the shop is at 2 Ntemi Road, Dar es Salaam", "the shop is at [address]"),
    ("meet at 4 High Street, Newcastle upon Tyne tomorrow", "meet at [address] tomorrow"),
    ("it's 12 Elm Street, Leeds and the door is blue",
     "it's [address] and the door is blue"),
    ("it takes 12 minutes, leeds is close", "it takes 12 minutes, leeds is close"),
])
def test_spoken_hundreds_towns_with_particles_and_code_confirmed_streets(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a postcode after the town's own comma, lowercase
    ("post it to 9 cedar grove, york, yo10 3ab", "post it to [address]"),
    ("ship to flat 4, 18 mill lane, bath, ba1 2qq please", "ship to [address] please"),
    # lowercase streets of other languages, their number after or a direction after
    ("drive to 7 dorpstraat, utrecht", "drive to [address]"),
    ("she lives at 88 avenue laurier ouest, montreal, h2t 2n8", "she lives at [address]"),
    ("the hotel is at 12 jalan sultan ismail, kuala lumpur", "the hotel is at [address]"),
    ("the cottage is at 4 the green, grasmere", "the cottage is at [address]"),
    ("the zip for my brother's office is 60614", "the zip for my brother's office is [address]"),
    # a time before a place is no address, nor a five-digit count
    ("meet at 5 the park, bring a ball", "meet at 5 the park, bring a ball"),
    ("the zip code is not needed for 12345 orders",
     "the zip code is not needed for 12345 orders"),
])
def test_addresses_with_town_then_postcode_and_lowercase_foreign_streets(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # an anchor's parts before it: a flat, a plot, a house's name; before a postal code its
    # town, county and localities too
    ("send it to The Stables, Home Farm, Wadhurst, East Sussex TN5 6QJ", "send it to [address]"),
    ("the house is Glenview, Ballinasloe, Co. Galway H53 X2Y4", "the house is [address]"),
    ("the shop is Block B, 12 Allen Avenue, Ikeja, Lagos", "the shop is [address]"),
    ("the place is apartment 3b, rose court, 21 high street, oxford", "the place is [address]"),
    # a numbered unit that the parts after it make an address
    ("the office is at No. 14, 3rd Main, Jayanagar, Bangalore 560011",
     "the office is at [address]"),
    ("the address is House No. 56, Street 7, Sector F-8/3, Islamabad 44000",
     "the address is [address]"),
    ("we live at C-23, Greater Kailash, New Delhi 110048", "we live at [address]"),
    ("mail it to RR 3, Site 12, Box 7, Red Deer, Alberta", "mail it to [address]"),
    ("my address is Apt 5B, 220 Riverside Drive, New York, NY 10025", "my address is [address]"),
    # after the anchor: a PO box's town, a floor and door, a building's name going on
    ("send it to PO Box 2231, Kampala", "send it to [address]"),
    ("the flat is Calle de Atocha 27, 3º derecha, Madrid", "the flat is [address]"),
    ("my sister's at Flat 12, Sea View Towers, Marine Drive, Mumbai 400020",
     "my sister's at [address]"),
    # streets whose number comes after, with a floor or a postal code in two parts
    ("go to Prinsengracht 263-1, 1016 GV Amsterdam", "go to [address]"),
    ("we're at Drottninggatan 45, 111 21 Stockholm", "we're at [address]"),
    ("the kids are at Rosenweg 4b after school", "the kids are at [address] after school"),
    ("i moved to Laugavegur 55, Reykjavik", "i moved to [address]"),
    ("send a card to Ada Obi, 12 Kingsway, Ikeja, Lagos", "send a card to [name], [address]"),
    ("our place is 15 Jalan Ampang, 50450 Kuala Lumpur", "our place is [address]"),
    # near misses: a unit with no address after it, a gate, a score, a perfume, a street
    ("the gate is B-12, terminal 2", "the gate is B-12, terminal 2"),
    ("flat 3, the one upstairs, is empty", "flat 3, the one upstairs, is empty"),
    ("room 4, level 2 has the printer", "room 4, level 2 has the printer"),
    ("block C, next to the gym, has the lockers", "block C, next to the gym, has the lockers"),
    ("the score was 3 Chelsea, Everton 1", "the score was 3 Chelsea, Everton 1"),
    ("add Chanel No. 5 to my wishlist", "add Chanel No. 5 to my wishlist"),
    ("the 4th floor, left, is where the party is", "the 4th floor, left, is where the party is"),
    ("set the timer for 52-2 minutes", "set the timer for 52-2 minutes"),
    ("the subway, the railway and the bus are late",
     "the subway, the railway and the bus are late"),
    ("the train leaves from platform 9, King's Cross",
     "the train leaves from platform 9, King's Cross"),
    ("is Via Roma a pedestrian street", "is Via Roma a pedestrian street"),
])
def test_an_address_is_its_anchor_and_the_parts_around_it(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


def test_a_house_number_and_postal_code_are_no_phone_number() -> None:
    assert kinds("the order's for Storgatan 12, 114 51 Stockholm") == ["address"]
    assert kinds("deliver to Apt 1203, 800 Brickell Avenue, Miami, FL 33131") == ["address"]


# -- the ninth set's lessons: streets no type word names, house and door numbers ----------

@pytest.mark.parametrize(("text", "expected"), [
    ("send it to 98-210 Kaonohi Street, Aiea, HI 96701", "send it to [address]"),
    ("she lives at 104-20 Queens Boulevard, Forest Hills", "she lives at [address]"),
    ("Arbat 12, Moscow is where we stayed", "[address] is where we stayed"),
    ("the address is Rua Oscar Freire 379, Jardins, São Paulo", "the address is [address]"),
    ("send it to Carrera 15 No. 88-64, Bogotá", "send it to [address]"),
    ("my apartment is Mannerheimintie 12 B 7, 00100 Helsinki", "my apartment is [address]"),
    ("ul. Piotrkowska 104 m. 7, 90-926 Łódź", "[address]"),
    ("Atatürk Bulvarı 45, Ankara", "[address]"),
    ("I'm at forty one c, rose gardens, bath", "I'm at [address]"),
    ("number twelve, the crescent, leeds", "[address]"),
    ("flat 4 c, 12 harbour street, glasgow", "[address]"),
    ("take me to 7 Tran Phu, District 5, Da Lat", "take me to [address]"),
    ("my number is (415) 555-0133, 12 Elm Street is my home",
     "my number is [phone], [address] is my home"),
])
def test_typeless_streets_and_door_numbers(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "Tottenham 3, Liverpool 1", "Chelsea 12, Arsenal 10", "the score was 3-1 to Arsenal",
    "Our wedding anniversary is June 12, 2015.", "it happened on Monday 15, London time",
    "meet at 7 Nando's, Leeds", "I paid 45 Euros, Paris was expensive", "Gate 12, Terminal 5",
    "number two is the best option, the avenue is busy", "we need 2 b, the rest later",
])
def test_what_is_no_typeless_street(text: str) -> None:
    assert REDACT(text) == text
