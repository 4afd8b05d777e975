"""Secrets' vocabulary: the words that name one, and the words around a value that say
whether one is said (copulas, states, clause ends). The rules are credentials.py's."""

from __future__ import annotations

from edge.privacy.numbers import QUANTITY_WORDS

SECRET_WORDS = {"password", "passwords", "passcode", "passphrase", "pin", "cvv", "cvc", "cvv2",
                "csc", "combination", "combo", "passkey", "puk", "password's", "passcode's",
                "pin's", "combination's", "passwd", "pw", "pincode",
                "cid", "cvn",  # the card ID of an Amex, a card verification number
                # German, Spanish, French, Portuguese, Dutch, Swedish, Finnish, Polish,
                # Italian; German compounds are one word ("Türcode")
                "passwort", "kennwort", "contrasena", "clave", "senha", "wachtwoord",
                "losenord", "salasana", "haslo", "geheimzahl", "geheimnummer", "zugangscode",
                "turcode", "tuercode", "torcode", "alarmcode", "sicherheitscode", "codice",
                "contrasenya"}
# "code" or "key" alone is a secret only after one of these ("door code", "network key"),
# or before "for / to / of" one ("the code for the front door").
SECRET_QUALIFIERS = {
    "door", "gate", "alarm", "garage", "security", "access", "lock", "entry", "safe",
    "locker", "lockbox", "keybox", "padlock", "building", "keypad", "verification", "login",
    "sms", "network", "wifi", "wi-fi", "router", "secret", "pin", "unlock", "alarm's",
    "house", "apartment", "flat", "intercom", "buzzer", "mailbox", "storage", "bike", "vault",
    "voicemail", "confirmation", "authentication", "auth", "authenticator", "recovery",
    "backup", "master", "admin", "otp", "2fa", "one-time", "disarm", "arming", "phone",
    "laptop", "computer", "tablet", "ipad", "iphone", "screen", "pass", "activation",
    "product", "license", "licence", "encryption", "private", "api", "code", "front", "back",
    "garage's", "door's", "gate's", "wifi's", "fi", "memorable", "atm", "bank", "banking",
    "card", "debit", "credit", "sim", "wireless", "wpa", "wpa2", "wep", "psk",
    # "the key box code", "the three digit code", "the shed padlock code"
    "box", "key", "keysafe", "digit", "shed", "cellar", "cvv", "cvc", "csc",
    # after "de / do / der" in other languages: "el código de la puerta"
    "puerta", "porta", "porte", "portao", "portail", "portal", "porton", "alarma",
    "alarme", "allarme", "garaje", "garagem", "cancello", "tur", "tor", "wlan", "caja",
    "cofre", "coffre", "cadenas", "candado", "cadeado", "lucchetto", "tresor", "casa",
    "maison", "haus", "entrada", "entree", "portier", "digicode"}
# Words for "code" in other languages: secret only when qualified, like "code".
CODE_WORDS = {"code", "codigo", "codes", "code's", "codigos", "kod", "koodi"}
# "number" is a secret only after these ("security number"); "pin number" is a PIN.
NUMBER_QUALIFIERS = {"pin", "security", "access", "secret", "verification", "confirmation",
                     "digit"}
QUALIFIED = {"key", "word", "number", "keys", "key's", "answer", "information", "info",
             "phrase", *CODE_WORDS}
# "phrase" is a secret only after these ("pass phrase", "recovery phrase"; not "key phrase").
PHRASE_QUALIFIERS = {"pass", "secret", "security", "recovery", "seed", "backup", "memorable",
                     "code", "safe", "wallet", "mnemonic"}
# Prepositions between a code word and what it opens ("the code for the gate").
CODE_PREPOSITIONS = {"for", "to", "of", "on", "de", "del", "da", "do", "du", "des", "der",
                     "di", "fur", "pour", "para", "per", "van", "voor"}
# Things a number opens when said with "is" or "opens with" ("the padlock is 0 0 4 7").
LOCK_NOUNS = {"padlock", "lockbox", "keybox", "keysafe", "keypad", "safe", "lock", "locker",
              "combination"}
# ... and, with "opens with" only, these ("the side gate opens with 4471").
OPENED_NOUNS = {"door", "gate", "garage", "shed", "alarm", "box", "flat", "house"}
OPEN_VERBS = {"open", "opens", "opened", "unlock", "unlocks", "unlocked", "disarm",
              "disarms", "disarmed"}
# A noun right after the secret word: the sentence is about that, not a value.
NOT_SECRET_NOUNS = {"field", "manager", "managers", "hint", "reset", "box", "screen", "prompt",
                    "policy", "policies", "requirement", "requirements", "rule", "rules",
                    "strength", "page", "form", "pad", "generator", "length", "expiry",
                    "expiration", "change", "changes", "protection", "protected", "settings",
                    "setting", "option", "options", "app", "feature", "lock", "entry",
                    "attempts", "attempt", "digits", "characters", "letters", "recovery",
                    "sharing", "vault", "holder", "system", "login"}
COPULAS = {"is", "was", ":", "=", "equals", "reads", "it's", "it’s", "its", "that's",
           "be", "'s", "becomes", "now", "-",
           "ist", "lautet", "es", "est", "e", "er", "ar", "jest", "c'est", "sont", "son",
           "sera"}  # "das Passwort ist", "la clave es", "le code est"
SET_COPULAS = {"to", "as", "into"}  # only after one of SET_VERBS ("set the code to 5580")
SET_VERBS = {"set", "change", "changed", "changing", "reset", "update", "updated", "make",
             "made", "switch", "switched", "put", "program", "programmed", "save", "saved",
             "store", "stored", "remember", "record", "note", "keep"}
# Never the first word of a secret: "my password is not working", "... is on the fridge".
NOT_VALUE = {"not", "too", "the", "a", "an", "what", "my", "same", "different", "still", "no",
             "never", "always", "set", "very", "so", "it", "that", "this", "in", "on", "for",
             "of", "be", "being", "been", "usually", "somewhere", "about", "going", "due",
             "at", "from", "under", "below", "above", "there", "here", "asking", "supposed",
             "only", "probably", "like", "something", "which", "where", "how", "why", "when",
             "who", "your", "his", "her", "our", "their", "off", "n't", "isn't", "wasn't",
             "doesn't", "needs", "has", "have", "had", "does", "did", "will", "would",
             "should", "can", "could", "must", "might", "and", "or", "but", "to", "with", "by",
             "as", "if", "then", "any", "some", "all", "each", "every", "another", "other",
             "?", "you", "i", "me", "we", "they", "he", "she", "them", "us", "him", "mine",
             "yours", "inside", "behind", "near", "either", "also", "case", "really",
             "called", "named"}  # "the wifi is called BTHub-5G": its name, not its key
# Words that say what a password is like: a value only as the start of a passphrase
# ("correct horse battery staple"), not alone ("my password is wrong").
STATES = {"wrong", "incorrect", "expired", "weak", "strong", "working", "broken", "reset",
          "changed", "locked", "blocked", "invalid", "required", "needed", "easy", "hard",
          "long", "short", "saved", "stored", "written", "forgotten", "empty", "blank",
          "hidden", "visible", "missing", "compromised", "leaked", "hacked", "stolen",
          "secure", "insecure", "safe", "fine", "good", "bad", "ok", "okay", "outdated",
          "old", "changing", "sensitive", "case-sensitive", "expiring", "printed", "stuck",
          "protected", "necessary", "mandatory", "optional", "shown", "displayed", "showing",
          "unknown", "available", "ready", "done", "gone", "lost", "right", "correct",
          "accepted", "rejected", "declined", "easier", "harder", "longer", "shorter",
          "better", "worse", "more", "less", "taped", "kept", "new", "simple", "obvious",
          "complicated", "complex", "default", "temporary", "encrypted", "fixed",
          "unchanged", "different", "same", "useless", "terrible", "awful", "great",
          "rusty", "jammed", "loose", "open", "closed", "spelled", "spelt"}
AFTER_STATE = {"enough", "again", "now", "too", "already", "though", "anyway", "sometimes",
               "apparently", "today", "right", "still", "yet", "somehow", "lol", "after",
               "until", "since", "out", "up", "down", "next", "last", "soon", "tomorrow",
               "tonight", "yesterday", "every", "by", "from"}
# Between the copula and the value: "the PIN is now 1234", "it's spelled k i w i".
FILLERS = {"now", "actually", "currently", "just", "simply", "still", "literally",
           "spelled", "spelt", "spelling"}
# After a number: its length or a count, not a secret ("four digits long", "100 times").
LENGTH_WORDS = {"digits", "digit", "characters", "character", "letters", "letter",
                "numbers", "long", "chars", "lines"} | QUANTITY_WORDS
CLAUSE_END = {"and", "but", "so", "please", "because", "if", "when", "then", "thanks",
              "thank", "okay", "ok", "right", "for", "to", "on", "in", "at", "which", "that",
              "remember", "save", "don't", "do"}
DETERMINERS = {"my", "the", "our", "your", "his", "her", "their", "a", "new", "old",
               "current"}
# Said before a keypad's digits, not part of them: "star 5 5 2 1", "hash 4471".
KEY_LEADS = {"star", "hash", "pound", "#", "*"}
