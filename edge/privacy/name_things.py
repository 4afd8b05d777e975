"""When a word that could be a person's name names something else: a thing, a pet, a title.

Given names are everywhere in a home's speech without a person behind them: a product
("order more Heinz ketchup", "a large Margherita"), an index ("the Dow Jones"), a pet
("call the vet about Luna's jabs", "my dog Max"), a network or a song ("the Wi-Fi is called
Lighthouse", "a song called Jolene"), a title after a media verb ("play hey Jude"), a
place after a place cue ("near Sofia"), a brand ("Nando's"). names.py asks these before it
calls a word a name.
The English word list also tells an unknown name from a word: "text nkechi" is a name,
"text home" is not.
"""

from __future__ import annotations

from functools import lru_cache

from edge.privacy.name_lists import BRANDS_BY_FIRST
from edge.privacy.text import Token
from edge.privacy.word_lists import entries

# "order more Heinz ketchup", "some Oreos": a quantity is of a product, never of a person.
QUANTITIES = {"more", "some", "another", "extra", "less", "fewer", "few", "spare"}
# "a friend Anna", "a colleague Sam": after these a name is a person's (not "a large X").
PERSON_NOUNS = {"friend", "colleague", "neighbour", "neighbor", "cousin", "guy", "man",
                "woman", "girl", "boy", "lady", "bloke", "chap", "kid", "nurse", "doctor",
                "teacher", "carer", "caregiver", "driver", "client", "customer", "student",
                "patient", "tenant", "landlord", "lodger", "nanny", "babysitter", "cleaner",
                "plumber", "builder", "person", "relative", "sister", "brother", "son",
                "daughter", "mate", "pal", "buddy", "boyfriend", "girlfriend", "partner",
                "fiance", "fiancee", "wife", "husband", "uncle", "aunt", "auntie", "nephew",
                "niece", "grandson", "granddaughter", "stepson", "stepdaughter", "baby",
                "contact", "contacts"}
# "a song called Jolene", "the network is called Lighthouse": the word a few words before
# "called"/"named" says what is so called.
THINGS = {"song", "songs", "track", "album", "film", "movie", "show", "series", "book",
          "novel", "poem", "play", "musical", "game", "app", "network", "wifi", "wi",
          "fi", "router", "hotspot", "device", "speaker", "playlist", "podcast", "channel",
          "band", "group", "restaurant", "cafe", "pub", "bar", "shop", "store", "hotel",
          "place", "street", "road", "town", "village", "city", "boat", "ship", "car",
          "horse", "dog", "cat", "puppy", "kitten", "pet", "hamster", "rabbit", "parrot",
          "fish", "robot", "hoover", "vacuum", "doll", "teddy", "toy", "company", "brand",
          "product", "file", "folder", "document", "list", "recipe", "dish", "cocktail",
          "drink", "beer", "wine", "hurricane", "storm", "camera", "printer", "tv", "laptop",
          "phone", "tablet", "account", "chat", "team", "club", "festival", "ssid"}
PETS = {"dog", "dogs", "cat", "cats", "puppy", "pup", "kitten", "kitty", "pet", "pets",
        "hamster", "rabbit", "bunny", "parrot", "budgie", "goldfish", "tortoise", "pony",
        "horse", "guinea", "gerbil", "ferret", "lizard", "snake", "canary", "vet", "vets",
        "vet's", "dog's", "cat's", "puppy's", "kennel", "kennels", "cattery", "groomer",
        "groomers", "walkies", "litter", "labrador", "lab", "spaniel", "terrier", "retriever",
        "poodle", "collie", "dachshund", "beagle", "greyhound", "whippet", "pug", "bulldog",
        "husky", "cockapoo", "labradoodle", "tabby", "moggy"}
# A pet's things: "Luna's vaccinations", "Max's lead" (in a sentence that speaks of pets).
PET_THINGS = {"vaccinations", "vaccination", "jabs", "booster", "flea", "fleas", "worming",
              "wormer", "food", "bowl", "lead", "leash", "collar", "kennel", "litter",
              "cage", "hutch", "tank", "vet", "walk", "walks", "grooming", "microchip",
              "chip", "treats", "toys", "bed", "crate", "insurance", "tablets", "biscuits",
              "kibble", "cone", "check", "checkup", "appointment"}
# A pet's care that no person gets: "give Rex his worming tablet", "Bella's flea drops".
PET_CARE = {"worming", "wormer", "dewormer", "deworming", "flea", "fleas", "heartworm",
            "kibble", "catnip", "walkies", "microchip", "microchipped", "neutered", "spayed",
            "neutering", "spaying"}
# "walk Max", "feed Luna", "take Max to the vet": what one does with a pet.
PET_VERBS = {"walk", "walked", "walking", "feed", "fed", "feeding", "groom", "brush",
             "bathe", "worm", "take", "took", "about", "for"}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lowercase English words (data/english_words.txt): what an unknown word is not."""
    return frozenset(entries("english_words.txt"))


def unknown_word(low: str) -> bool:
    """Neither an English word nor a short token: an unlisted name ("nkechi", "femi")."""
    return len(low) > 2 and low.isalpha() and low not in english_words()


def a_thing(toks: tuple[Token, ...], i: int) -> bool:
    """Token i (capitalised) names a thing by the words before it: "the Dow Jones", "a
    Leo", "a large Margherita", "more Heinz ketchup"."""
    prev = toks[i - 1].low if i > 0 else ""
    if prev in {"a", "an", "the"} or prev in QUANTITIES:
        return True
    return i > 1 and toks[i - 2].low in {"a", "an"} and toks[i - 1].word \
        and not toks[i - 1].cap and prev not in PERSON_NOUNS


def so_called_thing(toks: tuple[Token, ...], p: int) -> bool:
    """Token p is "called"/"named" and a thing, not a person, is so called: "a song called
    Jolene", "the Wi-Fi network is called Lighthouse" (but "a guy called Dave")."""
    for k in range(p - 1, max(-1, p - 5), -1):
        low = toks[k].low.removesuffix("'s")  # "the cat's called Biscuit"
        if low in PERSON_NOUNS:
            return False
        if low in THINGS:
            return True
    return False


def thing_named(toks: tuple[Token, ...], p: int) -> bool:
    """The word before a name (token p) says a thing, not a person, bears it: "a song
    called Jolene", "the Wi-Fi network name is Lighthouse", "the boat's name's Marianne"
    (but "my name is Anna", "my sister's name is Anna", "the account name is John Smith":
    an account is in its holder's name)."""
    low = toks[p].low if p >= 0 else ""
    if low in {"called", "named"}:
        return so_called_thing(toks, p)
    if low in {"is", "was", ":"} and p > 0 and toks[p - 1].low == "name":
        p -= 1
    elif low not in {"name's", "name’s"}:
        return False
    owner = toks[p - 1].low.removesuffix("'s").removesuffix("’s") if p > 0 else ""
    return (owner in THINGS or owner == "its") and not any(  # the name's owner, right
        t.low.removesuffix("'s") in _HELD_IN_A_NAME for t in toks[max(0, p - 4):p])


_HELD_IN_A_NAME = {"account", "accounts", "card", "policy", "booking", "reservation",
                   "ticket", "payee", "holder", "user", "profile", "login"}


# "play Jolene", "watch Matilda", "read Rebecca": what follows is a title.
MEDIA_VERBS = {"play", "playing", "watch", "watching", "read", "reading", "stream", "queue",
               "shuffle", "resume"}
# "who sang Hey Jude", "who wrote Anna Karenina", "who directed Forrest Gump": asked who
# made it, what follows is the work.
MAKING_VERBS = {"sang", "sings", "sing", "wrote", "writes", "write", "directed", "directs",
                "direct", "painted", "paints", "paint", "composed", "composes", "compose",
                "recorded", "record", "performed", "performs", "perform", "produced",
                "produce", "illustrated", "narrated", "covered", "released", "invented",
                "designed", "sculpted", "choreographed", "played"}


_QUOTES = {'"', "“", "'", "‘"}


def a_title(toks: tuple[Token, ...], p: int) -> bool:
    """Token p is a verb that takes a song, a film or a book: "play", "listen to", "put
    on", "watch"."""
    if p > 0 and toks[p].text in _QUOTES:
        p -= 1  # 'play "mr brightside"': a title in quotes
    if p < 0:
        return False
    low = toks[p].low
    before = toks[p - 1].low if p > 0 else ""
    return low in MEDIA_VERBS or (low == "to" and before in {"listen", "listening"}) or (
        low == "on" and before in {"put", "stick"}) or (low in MAKING_VERBS and _who_made(toks, p))


def _who_made(toks: tuple[Token, ...], p: int) -> bool:
    """"who sang", "who originally wrote", "who did sing", "which band recorded": the maker
    of a work asked after (not "Anna sang", "I wrote Anna")."""
    for k in range(p - 1, max(-1, p - 4), -1):
        if toks[k].low in {"who", "whoever", "who's", "which"}:
            return True
        if toks[k].low not in {"originally", "first", "actually", "really", "did", "does",
                               "has", "had", "band", "singer", "artist", "author", "group"}:
            return False
    return False


def pet_sentence(toks: tuple[Token, ...]) -> bool:
    return any(t.low in PETS or t.low in PET_CARE for t in toks)


def a_pet(toks: tuple[Token, ...], i: int, p: int) -> bool:
    """Token i, a one-word name in a sentence about pets, is a pet's: after a pet word or
    what one does with a pet ("my dog Max", "walk Luna", "the vet about Luna's jabs"), or
    before a pet's thing ("Luna's vaccinations") or "the cat" ("Max the cat")."""
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    if toks[i].low.endswith(("'s", "’s")):
        return nxt in PET_THINGS
    if nxt == "the" and i + 2 < len(toks) and toks[i + 2].low in PETS:
        return True
    if any(t.low in PET_CARE for t in toks[i + 1:i + 4]):
        return True  # "give Rex his worming tablet"
    if p > 0 and toks[p].text == ",":
        p -= 1  # "feed the cat, Biscuit"
    return p >= 0 and (toks[p].low in PETS or toks[p].low in PET_VERBS)


def pet_named(toks: tuple[Token, ...], p: int) -> bool:
    """The word before the name (token p) says what a pet just spoken of is called: "feed
    the cat, her name's biscuit", "we got a puppy and his name is Rolo"; not "my sister,
    her name's Anna"."""
    q = p - 1 if p > 0 and toks[p].low == "is" else p
    if q < 1 or toks[q].low not in {"name's", "name"} or toks[q - 1].low not in {
            "her", "his", "its", "their"}:
        return False
    return any(toks[k].low in PETS and toks[k].low not in _PET_PEOPLE and (
        not toks[k + 1].word or toks[k + 1].low in {"and", "but", "so", "now"})
        for k in range(max(0, q - 8), q - 1))  # not "the dog walker, her name's Priya"


_PET_PEOPLE = {"vet", "vets", "vet's", "groomer", "groomers", "kennel", "kennels", "cattery",
               "walkies", "litter"}


# A word between these and a media verb ends the title: "play songs by Bob Marley".
_TITLE_ENDS = {"by", "from", "with", "featuring", "feat", "ft", "and", "for", "to", "me",
               "us", "her", "him", "says", "said", "called", "named"}


# Verbs that take a film or a show: after these a person's name is a title ("watch Erin
# Brockovich", "put on Forrest Gump") unless a public figure's.
SCREEN_VERBS = {"watch", "watching", "stream"}


def on_screen(toks: tuple[Token, ...], i: int) -> bool:
    """The media verb before token i (within a title) takes a film ("watch", "put on") or
    asks who made a work ("who sang"): what follows is no performer."""
    for k in range(i - 1, max(-1, i - 4), -1):
        if a_title(toks, k):
            return toks[k].low in SCREEN_VERBS or (toks[k].low == "on" and k > 0
                                                   and toks[k - 1].low == "put") \
                or toks[k].low in MAKING_VERBS  # "who wrote Anna Karenina": never its maker
        if not toks[k].word:
            return False
    return False


def in_title(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is inside a title after a media verb: "play hey Jude", "play the film
    Amélie", "watch the next episode of Ted Lasso" (not "play songs by Bob Marley")."""
    for k in range(i - 1, max(-1, i - 7), -1):
        if a_title(toks, k):
            return True
        if toks[k].low in _TITLE_ENDS or not (toks[k].word or toks[k].text == "'"):
            return False
    return False


# After these a place that is also a given name is the place: "near sofia".
_PLACE_BEFORE = {"near", "in", "around", "outside"}
# "to"/"from" after these: "flights to santiago", "directions to victoria".
_TRAVEL = {"flight", "flights", "fly", "flying", "drive", "driving", "directions", "route",
           "train", "trains", "bus", "trip", "travel", "travelling", "traveling", "get",
           "go", "going", "navigate", "moving", "move", "holiday", "ticket", "tickets",
           "ferry", "way", "distance", "far", "miles", "km", "back"}
# "weather for", "time difference with", "time zone of": the place asked about.
_ASKED_ABOUT = {"weather", "forecast", "difference", "time", "zone", "temperature", "news"}


def a_place_cue(toks: tuple[Token, ...], p: int) -> bool:
    """Token p (the word before a name that is also a place) makes it the place."""
    if p < 0:
        return False
    low, before = toks[p].low, toks[p - 1].low if p > 0 else ""
    return low in _PLACE_BEFORE or (low in {"to", "from"} and before in _TRAVEL) or (
        low in {"for", "with", "of", "in"} and before in _ASKED_ABOUT)


# Words after a possessive that leave it without a thing owned: "order from wendy's tonight".
_PHRASE_ENDS = {"for", "and", "or", "at", "in", "on", "near", "to", "tonight", "today",
                "please", "later", "again", "instead", "then",
                # or says what the place does: "is wendy's still doing the four for four"
                "still", "open", "closed", "doing", "serving", "delivering", "nearby", "busy",
                "opening", "closing", "any", "good", "worth"}


def _ends_phrase(toks: tuple[Token, ...], i: int) -> bool:
    return i + 1 >= len(toks) or not toks[i + 1].word or toks[i + 1].low in _PHRASE_ENDS


def brand_end(toks: tuple[Token, ...], i: int) -> int | None:
    """The last token of the brand that starts at token i (capitalised), or None."""
    for phrase in BRANDS_BY_FIRST.get(toks[i].low, ()):
        if not toks[i].cap and len(phrase) < 2 and not (
                phrase[0].endswith("'s") and _ends_phrase(toks, i)):
            continue  # capitalised, or lowercase of two words or more ("trader joe's"),
            # or a possessive one that ends a phrase ("a table at nando's for four")
        k = len(phrase)
        if i + k <= len(toks) and all(
                toks[i + m].low == phrase[m] for m in range(1, k)):
            return i + k - 1
    return None


# "add Harry Potter to my watchlist", "put Mr Muscle on the shopping list": what goes on
# these lists is a thing (not "add Sarah to the group chat" or "to my contacts").
ITEM_LISTS = {"watchlist", "playlist", "wishlist", "queue", "basket", "cart", "trolley",
              "shopping", "grocery", "groceries", "reading", "library", "order", "bag"}
_ITEM_VERBS = {"add", "put", "stick", "pop"}
_LIST_OWNERS = {"my", "the", "our", "this", "your"}
_AFTER_LIST = {"list", "lists", "basket", "cart", "trolley", "queue", "order", "bag", "please",
               "for", "and", "then", "too", "now", "again", "tonight", "today"}


def an_item(toks: tuple[Token, ...], i: int, p: int) -> bool:
    """The name at token i is added to a list of things ("add X to my watchlist") or run
    out of ("we're out of Mr Muscle"; not "out of Sarah's way")."""
    if p > 0 and toks[p].low == "of" and toks[p - 1].low == "out":
        return not toks[i].low.endswith(("'s", "’s"))
    back = next((k for k in range(p, max(-1, p - 3), -1) if not toks[k].word), -1)
    p = next((k for k in range(p, back, -1) if toks[k].low in _ITEM_VERBS), p)
    if p < 0 or toks[p].low not in _ITEM_VERBS:  # "add (sweet) caroline to the playlist"
        return False
    for k in range(i + 1, min(len(toks), i + 8)):
        if toks[k].low in {"to", "on", "onto", "in", "into"}:
            h = k + 2 if k + 2 < len(toks) and toks[k + 1].low in _LIST_OWNERS else k + 1
            if h > k + 1:  # "to my driving playlist", "to the kids' party playlist"
                h = next((m for m in range(h, min(len(toks), h + 3))
                          if toks[m].low in ITEM_LISTS or not toks[m].word), h)
            nxt = toks[h + 1] if h + 1 < len(toks) else None
            return h < len(toks) and toks[h].low in ITEM_LISTS and (
                nxt is None or not nxt.word or nxt.low in _AFTER_LIST)  # not "grocery chat"
        if not toks[k].word:
            return False
    return False


# A work's kind: "the Barefoot Contessa show", "the new zelda game", "the soundtrack from
# Amelie", "Romeo and Juliet the ballet".
WORKS = {"show", "shows", "ballet", "musical", "film", "films", "movie", "movies", "series",
         "soundtrack", "opera", "documentary", "podcast", "sitcom", "cartoon", "novel",
         "game", "games", "trilogy", "franchise", "saga", "episode", "episodes", "season",
         "sequel", "prequel", "remake", "musicals", "play", "books", "book",
         # what is of or to a work: "the story of Jack and the Beanstalk", "the lyrics to
         # Eleanor Rigby", "the cast of Ted Lasso"
         "story", "stories", "tale", "tales", "fairytale", "fable", "rhyme", "poem", "song",
         "songs", "lyrics", "trailer", "cast", "ending", "plot", "chapter", "chapters",
         "audiobook", "theme", "tune", "characters", "sequels"}


def in_a_work(toks: tuple[Token, ...], i: int, last: int) -> bool:
    """The words i..last name a work, not a person: a work's kind follows them ("the
    Barefoot Contessa show", "Romeo and Juliet the ballet.") or a work's part is of them
    ("the soundtrack from Amelie"); not a possessive's ("Tom's podcast"), not a person's
    works ("Will Smith movies"), not a name told something ("tell Anna the film starts")."""
    if toks[last].low.endswith(("'s", "’s")):
        return False
    n = len(toks)
    k = last + 1
    if k + 1 < n and toks[k].low == "the" and toks[k + 1].low in WORKS:
        return k + 2 == n or not toks[k + 2].word  # "Juliet the ballet" ends there
    if k < n and toks[k].low in WORKS and not toks[k].low.endswith("s") \
            and any(x.low == "the" for x in toks[max(0, i - 3):i]) \
            and (k + 1 == n or toks[k + 1].low not in {"about", "with", "by", "host"}):
        return True  # "the Barefoot Contessa show", "the new zelda game"
    p = i - 1
    return p > 0 and toks[p].low in {"from", "of", "to"} and toks[p - 1].low in WORKS
