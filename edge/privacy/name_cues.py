"""The words around a name that say it is one, when the name alone could be a word.

Lowercase transcripts lose the capital that marks "Mark" or "May" as a name, so names.py
reads the words beside it: a verb that takes a person ("remind tom", "send mark a note"),
a question's subject ("did tom reply"), an introduction ("my name's ravi", "this is ravi
speaking"), a role ("coach brennan"), or a personal attribute after a possessive ("olu's
date of birth").
The titles ("Dr.") and the cues after which any capitalised word is a name ("call
Zbigniew") are here too.
"""

from __future__ import annotations

# A non-place name that is a word before these is a person: "Maria has a cold".
SUBJECT_VERBS = {"has", "had", "can't", "won't", "didn't", "doesn't", "isn't", "wasn't",
                 "lives", "works", "went", "got", "gets", "takes", "took", "uses", "called"}
# "Ama was diagnosed", "Sam is allergic": a state only a person is in.
STATE_VERBS = {"diagnosed", "allergic", "prescribed", "admitted", "discharged", "pregnant",
               "born", "married", "engaged", "hospitalised", "hospitalized"}
# A kinship word before a name, as a title: "uncle femi", "auntie Bisi", "cousin Tunde".
KIN_TITLES = {"uncle", "auntie", "aunty", "aunt", "cousin", "grandma", "grandpa", "granny",
              "nana", "nanna", "grandad", "granddad", "nan"}
# After these a lowercase given name that is also a word is a name: "remind tom", "tell
# may" (not "thanks will do", "hi may I ask").
LOWER_CUES = {"call", "ring", "phone", "text", "message", "tell", "ask", "remind", "email",
              "invite", "ping", "facetime", "dm", "whatsapp", "skype", "contact", "texted",
              "messaged", "emailed", "told", "asked", "called", "named", "meet"}
# "send mark a reminder", "give will the keys": a name between these and a determiner.
GIVING_VERBS = {"send", "give", "show", "pass", "forward", "bring", "buy", "lend", "pay",
                "get", "wish", "tell", "remind", "ask"}
DETERMINERS = {"a", "an", "the", "my", "some", "this", "that", "your", "his", "her", "our",
               "their", "back"}
# "did tom reply", "has mark called": a question's subject between these two.
AUXILIARIES = {"did", "does", "has", "have", "had", "will", "would", "can", "could",
               "should", "is", "was", "when's", "where's"}
BASE_VERBS = {"reply", "replied", "respond", "responded", "answer", "answered", "call",
              "called", "text", "texted", "say", "said", "send", "sent", "get", "got", "come",
              "coming", "arrive", "arrived", "pick", "leave", "left", "finish", "finished",
              "see", "seen", "read", "pay", "paid", "email", "emailed", "message", "ring",
              "write", "sign", "signed", "book", "booked", "confirm", "confirmed", "cancel",
              "cancelled", "ever", "already", "still", "remember", "know", "want", "need",
              "like", "take", "took", "make", "made", "land", "landed", "home"}
# After these the next word is a person's name whatever it is: "my name's ravi".
INTRO_CUES = {"name's", "named", "called"}
NOT_AFTER_INTRO = {"not", "spelled", "spelt", "written", "wrong", "on", "in", "missing",
                   "listed", "correct", "right", "too", "also", "still", "just", "pronounced",
                   "short", "long", "the", "a", "an", "my", "your", "so", "because", "for",
                   "off", "out", "up", "back", "me", "you", "him", "her", "it", "them", "us"}
# A role before a name: "coach brennan", "Captain Okafor", "nurse joy" (the name only).
ROLES = {"coach", "captain", "officer", "nurse", "pastor", "rabbi", "imam", "reverend",
         "judge", "senator", "president", "detective", "sergeant", "sgt", "agent", "chef",
         "teacher", "principal", "professor", "general", "colonel", "major", "governor",
         "mayor", "minister", "sheikh", "father", "brother", "sister", "saint"}
# A possessive before these is a person's: "olu's date of birth", "jake's number".
ATTRIBUTES = {"birthday", "dob", "date", "phone", "number", "address", "email", "password",
              "pin", "medication", "medications", "meds", "allergy", "allergies",
              "prescription", "appointment", "diagnosis", "surgery", "insulin", "inhaler",
              "passport", "mobile", "cell", "landline", "flat", "apartment", "house", "place",
              "contact", "details"}
BIRTH = {"birthday", "dob", "date"}  # "date" only in "date of birth"
# A given name may stand before another ("martin luther king", "mary anne"), not these.
NOT_BEFORE_NAME = {"will", "may", "can", "must", "mark", "bill", "pat", "sue", "grant",
                   "hope", "faith", "joy", "page", "art", "rob", "bob", "jack", "chase",
                   "drew", "guy", "major", "general", "dean", "rich", "sunny", "summer"}
TITLES = {"mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "sir", "dame",
          "mx", "mister", "lady", "lord", "aunt", "uncle", "auntie", "aunty"}
# After these a capitalised word is a name whatever it is ("call Zbigniew"), and a name
# that is also a word or a place is a name ("call Sydney").
CUES = {"call", "ring", "phone", "text", "message", "tell", "ask", "remind", "email", "invite",
        "named", "called", "meet", "meeting", "dear", "hi", "hello", "thank", "thanks",
        "visit", "visiting", "i'm", "partner", "friend", "colleague", "neighbour", "neighbor",
        "cousin", "nephew", "niece", "name's", "congratulate", "with", "told", "asked",
        "texted", "messaged", "emailed", "pinged", "facetime", "dm", "whatsapp", "skype",
        "contact"}
# A place-like name before these is a person: "Jordan said he'd be late".
PERSON_VERBS = {"said", "says", "told", "tells", "asked", "asks", "texted", "called", "emailed",
                "messaged", "replied", "wrote", "thinks", "promised", "mentioned", "forgot",
                "agreed", "wants", "wanted", "needs", "likes", "loves", "hates", "sent"}
# The capitalised word after these is part of a place: "San Francisco", "New Orleans".
PLACE_PREFIXES = {"san", "santa", "los", "las", "new", "fort", "saint", "st", "port", "mount",
                  "lake", "el", "la", "le", "palo", "sao", "rio", "buenos", "costa", "puerto",
                  "des", "de", "baton", "corpus", "salt", "east", "west", "north", "south",
                  # streets named first by their type: "Via Roma", "Rue Lepic", "Jalan Ampang"
                  "via", "rue", "calle", "avenida", "rua", "piazza", "viale", "corso", "carrer",
                  "paseo", "jalan", "strada", "rambla", "avinguda", "calzada"}
# After these only a place or a month can be a name ("call Sydney", "text Jordan"): "visit",
# "with" or "to" before one means the place.
COMMS_CUES = {"call", "ring", "phone", "text", "message", "tell", "ask", "remind", "email",
              "invite", "named", "called", "dear", "hi", "hello", "thank", "thanks", "told",
              "asked", "texted", "messaged", "emailed", "congratulate", "i'm", "name's",
              "partner", "friend", "colleague", "neighbour", "neighbor", "cousin", "nephew",
              "niece", "ping", "pinged", "let", "facetime", "dm", "whatsapp", "skype",
              "contact"}
# Lowercase words inside a surname: "Pieter van der Berg", "Ana de la Cruz".
SURNAME_PARTICLES = {"van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del",
                     "della", "dos", "das", "bin", "binti", "ibn", "al", "el", "ter", "ten"}
# Surnames in the census lists that are words a sentence goes on with: "remind mark to".
FUNCTION_WORDS = {"to", "do", "so", "in", "on", "by", "be", "am", "as", "at", "if", "or",
                   "of", "and", "but", "for", "the", "then", "than", "when", "all", "any",
                   "more", "most", "about", "after", "again", "back", "down", "up", "out",
                   "off", "over", "here", "there", "now", "how", "who", "why", "what", "with",
                   "from", "into", "will", "can", "may", "might", "must", "not", "no", "yes",
                   "his", "her", "that", "this", "too", "very", "just", "also", "still"}
# Chat shorthand and other languages' little words: unknown to the English list, no surname.
NOT_SURNAMES = {"pls", "plz", "thx", "asap", "lol", "btw", "omg", "tmrw", "tmr", "rn", "que",
                 "und", "ist", "les", "des", "por", "para", "con", "una", "per", "che", "non",
                 "est", "pour", "avec", "dans", "sur", "het", "een", "ich", "mit", "auf",
                 "nicht", "bitte", "esta", "heute", "morgen", "mañana", "manana", "aujourd",
                 "demain", "hoy", "domani", "oggi", "xx", "xxx", "xo", "congrats", "gonna",
                 "wanna", "gotta", "hiya", "bday", "hbd", "luv", "xoxo", "tho", "cuz", "coz",
                 "abt", "msg", "txt", "yep", "nope", "innit", "ta", "ty", "np", "idk"}
# Lowercase prefixes that still start a place ("new", "east", "la" are words or articles).
LOWER_PLACE_PREFIXES = {"san", "santa", "los", "las", "fort", "saint", "st", "port", "mount",
                         "lake", "sao", "rio", "puerto"}
# Landmark words that are never surnames, whatever the gazetteer says.
STRONG_LANDMARKS = {"street", "day", "station", "airport", "university", "road", "avenue",
                     "springs", "falls"}
