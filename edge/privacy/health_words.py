"""The health detector's vocabulary: who a term is said of (person words, pets, titles),
what goes with a term (organs, modifiers, "disease" after it), and what says a term is
something else (a figure of speech, a topic, an everyday complaint). The rules are
health.py's."""

from __future__ import annotations

from edge.privacy.name_things import PETS

# Ordinary words too: health only right after a word that says someone has it ("he's
# blind", "I had surgery", "she's in rehab"), never "my blind is stuck".
WEAK_TERMS = {"blind", "deaf", "mute", "anxiety", "mono", "shingles", "surgery", "radiation",
              "rehab", "therapy", "wheelchair", "operation", "allergies", "allergy",
              "paralysis", "insulin-dependent", "seizure", "infection", "infections",
              "stammer", "stutter", "detox", "counselling", "counseling", "therapist",
              "crutches", "ventilator", "scan", "psychiatrist", "psychologist"}
ASSERTING = {"have", "has", "had", "having", "got", "gotten", "getting", "with", "from", "on",
              "in", "for", "after", "since", "need", "needs", "needed", "undergoing",
              "undergo", "undergone", "scheduled", "recovering", "is", "'s", "am", "'m", "are",
              "was", "were", "been", "be", "going", "went", "gone", "legally", "partially",
              "completely", "totally", "born", "he's", "she's", "i'm", "i've", "uses", "use",
              "using", "severe", "bad", "major", "minor", "knee", "hip", "back", "heart",
              "eye", "brain", "shoulder", "spinal", "cataract", "emergency", "bypass",
              "they're", "we're", "you're", "seasonal", "food", "nut", "peanut",
              # a form's label: "allergies: tree nut allergy", "diagnosis: ..."
              "allergies", "diagnosis", "condition", "conditions", "medications",
              "history", "requires", "required", "seeing", "sees", "saw"}
# Someone is in the sentence: the user, or a person they speak of.
PERSON_WORDS = {"i", "i'm", "i've", "i'd", "me", "my", "mine", "im", "ive", "he", "she", "he's",
                "she's", "his", "her", "him", "we", "we're", "our", "us", "they", "they're",
                "their", "them", "son", "daughter", "wife", "husband", "partner", "mother",
                "father", "mum", "mom", "dad", "grandmother", "grandfather", "grandma",
                "grandpa", "brother", "sister", "kid", "kids", "child", "baby", "friend",
                "boyfriend", "girlfriend", "uncle", "aunt", "cousin", "patient", "nephew",
                "niece", "grandson", "granddaughter", "stepdad", "stepmom", "stepmum",
                "fiance", "fiancee", "roommate", "flatmate", "coworker", "colleague", "boss",
                "neighbour", "neighbor", "nan", "nana", "gran", "granny", "papa", "mama",
                "mommy", "daddy", "toddler", "twins", "stepson", "stepdaughter", "auntie",
                "son's", "daughter's", "wife's", "husband's", "mom's", "dad's", "mum's",
                "he'd", "she'd", "he'll", "she'll", "i'll", "hers", "himself", "herself",
                "myself", "grandad", "granddad", "infant", "newborn", "teenager",
                # grandparents' other names, in English and others ("pop's tablets")
                "pop", "pops", "gramps", "grandpop", "poppa", "nanna", "grammy", "gramma",
                "grampa", "mamaw", "papaw", "oma", "opa", "nonna", "nonno", "abuela",
                "abuelo", "bubbe", "zayde"}
# A title or a role says a person is meant: "Mr Osei has hypertension", "the resident's".
TITLES = {"mr", "mrs", "ms", "miss", "dr", "resident", "client", "carer", "caregiver",
           "pupil", "student", "inlaws", "in-laws"}
# Health only after "on": "I'm on the pill", "dad's on oxygen".
AFTER_ON = {("the", "pill"), ("oxygen",)}
# An order to the user about a medicine: "take two puffs of Symbicort".
IMPERATIVES = {"take", "inject", "refill", "reorder", "renew", "collect", "apply"}
# The nearest of these before the term says whose it is: a pet's or no one's in particular.
NOT_A_PERSON = {"dog", "dogs", "cat", "cats", "puppy", "kitten", "pet", "pets", "horse",
                 "rabbit", "hamster", "parrot", "bird", "fish", "cow", "pig", "someone",
                 "somebody", "anyone", "anybody", "people", "person", "everyone", "everybody",
                 "patients", "adults", "children", "seniors", "women", "men", "athletes",
                 "dog's", "cat's", "plant", "plants", "tree", "trees", "tomatoes", "roses",
                 "labrador", "spaniel", "terrier", "retriever", "poodle", "collie",
                 "dachshund", "beagle", "greyhound", "whippet", "pug", "bulldog", "tabby",
                 # things that "need a detox" or "have a virus"
                 "laptop", "computer", "phone", "car", "inbox", "wardrobe", "garden"} | PETS
GENERIC = {"someone", "somebody", "anyone", "anybody", "people", "person", "everyone",
            "everybody", "patients", "adults", "children", "seniors", "women", "men",
            "athletes"}
# Short terms that are ordinary words or abbreviations too ("add", "ms", "als", "std"):
# only as an acronym (two capitals or more: "MS", "PrEP"). The others ("ptsd", "cpap") are
# health in any case, as a lowercase transcript writes them, as it does "ivf" and "hrt".
ACRONYMS = {"add", "ms", "als", "aids", "std", "sti", "af", "pe", "tia", "prep"}
# Weak terms that a possessive says are someone's: "my anxiety's been bad", "her surgery"
# (not "my blind", a window's).
OWNED = {"anxiety", "surgery", "therapy", "rehab", "seizure", "seizures", "allergies",
          "allergy", "infection", "infections", "radiation", "shingles", "paralysis",
          "operation", "counselling", "counseling", "therapist", "stammer", "stutter",
          "scan", "crutches", "ventilator", "psychiatrist", "psychologist"}
PRONOUNS = {"his", "her", "him", "he", "she", "their", "them", "they", "he's", "she's"}
# "prostate cancer", "knee surgery": the organ goes with the condition.
ORGANS = {"prostate", "breast", "lung", "skin", "bowel", "colon", "pancreatic", "ovarian",
          "gastric", "cardiac", "pulmonary",
          "cervical", "liver", "brain", "bone", "blood", "throat", "kidney", "bladder",
          "stomach", "testicular", "thyroid", "heart", "colorectal", "uterine", "mouth",
          "knee", "hip", "back", "spinal", "spine", "shoulder", "eye", "ear", "cataract",
          "neck", "foot", "ankle", "wrist", "hand", "bypass", "dental", "gum", "head",
          "mental", "womb", "ovary", "adrenal", "pancreas", "esophageal", "oesophageal",
          "chest", "urinary", "tract", "yeast", "sinus", "wound",
          # what an allergy is to: "a peanut allergy"
          "food", "nut", "nuts", "peanut", "peanuts", "shellfish", "egg", "dairy", "milk",
          "gluten", "wheat", "soy", "penicillin", "latex", "bee", "wasp", "pollen", "dust",
          "seasonal", "cat", "dog", "sesame", "fish", "drug", "tree", "sting", "stings",
          "insect", "alcohol", "opioid", "gambling", "cocaine", "heroin", "nicotine"}
# Before a term, and part of it: "type 2 diabetes", "stage 3 lung cancer", "severe asthma".
MODIFIERS = {"severe", "chronic", "acute", "mild", "moderate", "terminal", "advanced",
              "early", "early-onset", "late-stage", "juvenile", "postpartum", "postnatal",
              "clinical", "seasonal", "gestational", "rheumatoid", "metastatic", "aggressive",
              "rare", "secondary", "bad", "major", "minor", "inoperable", "benign",
              "malignant", "high-functioning", "recurring", "persistent", "serious",
              "life-threatening", "non-hodgkin's", "hodgkin's", "small", "cell", "stage",
              "type", "grade", "insulin-dependent", "borderline", "manic", "full-blown", "onset",
              "bilateral"}
# After a term, and part of it: "Parkinson's disease", "hepatitis B", "diabetes type 2".
AFTER = {"disease", "syndrome", "disorder", "attack", "attacks", "failure", "infection",
         "deficiency", "positive", "type", "a", "b", "c", "1", "2", "tablets", "pills",
         "injections", "shots", "medication", "meds", "treatment", "treatments", "patch", "therapy",
         "therapies", "spectrum", "cream", "gel", "ointment", "capsules", "injection", "inhaler",
         "patches", "drops", "prescription", "dose", "infusion", "infusions", "implant", "coil",
         "acid", "machine", "machines", "pump", "mask", "allergy", "allergies", "intolerance",
         "dependence", "dependency", "withdrawal", "scan", "scans", "results", "pill", "surgery",
         "surgeries", "operation", "procedure", "tablet", "capsule", "jab", "jabs",
         "vaccine", "vaccination", "implants", "recovery"}
# Where a term is treated: "cancer clinic" is a place, "my HIV clinic" someone's.
CARE_PLACES = {"clinic", "ward", "unit", "centre", "center", "hospital", "specialist",
               "doctor", "nurse", "appointment", "appointments", "team", "consultant"}
# A care place ("the lupus clinic") is the speaker's own with these in the sentence.
ATTENDING = {"remind", "reminder", "appointment", "appointments", "appt", "booked", "book",
             "rebook", "reschedule", "cancel", "calendar", "schedule", "attend", "due"}
# A term before these is something else: "lithium battery", "cancer research".
NOT_AFTER = {"battery", "batteries", "ion", "research", "charity", "charities", "fundraiser",
              "awareness", "society", "foundation", "walk", "run", "month", "day", "sign",
              "season", "drink", "drinks", "beverage", "beverages", "beer", "beers", "wine",
              "cocktail", "cocktails", "mine", "mines", "stocks", "shares", "ward", "unit",
              "clinic", "centre", "center", "hospital", "specialist", "doctor", "nurse",
              "ribbon", "relief", "stories", "story", "documentary", "song", "movie", "film",
              "book", "tv", "date", "dates", "spot", "spots", "side", "corner", "test",
              "tasting", "trust", "themed", "free", "proof", "related", "friendly", "safe",
              "style", "like"}
# A term after these is a figure of speech: "my coffee addiction", "so depressed that".
NOT_BEFORE = {"coffee", "caffeine", "chocolate", "sugar", "phone", "shopping", "tv", "netflix",
               "media", "candy", "tea", "screen", "internet", "so", "bit", "little", "kinda",
               "pretty", "feeling", "feel", "feels", "felt", "super", "sooo", "too", "game",
               "gaming", "cheese", "pizza", "swimming", "swim", "rowing", "golf", "tennis",
               "paddle", "brush", "master", "genius", "winning", "key", "debt", "career",
               "careers", "financial", "massage", "sports", "relationship", "marriage",
               "couples", "juice", "digital", "body", "security", "barcode",
               "document", "qr", "price", "dating"}
# "a book on diabetes", "a talk on cancer": the topic, not anyone's condition.
TOPICS = {"book", "books", "article", "articles", "talk", "talks", "documentary", "podcast",
           "podcasts", "info", "information", "research", "lecture", "course", "seminar",
           "study", "studies", "paper", "papers", "video", "videos", "show", "report",
           "news", "facts", "webinar", "class", "essay", "episode", "film", "movie"}
# A question about a condition in general: "can I get diabetes from sugar?"
HYPOTHETICAL = {"if", "whether", "unless", "get", "catch", "cause", "causes", "caused",
                 "causing", "prevent", "prevents", "avoid", "treat", "cure", "develop",
                 "risk", "risks", "symptoms", "signs", "chance", "chances", "contagious",
                 "spread", "about"}
QUESTION_OPENERS = {"can", "could", "does", "do", "is", "are", "will", "would", "should",
                     "what", "how", "why", "when", "which", "who", "where", "what's", "how's",
                     "might", "may", "tell", "explain"}
# Everyday complaints: not health data even after "suffering from".
EVERYDAY = {"headache", "headaches", "cold", "colds", "a", "the", "cough", "hangover",
            "tired", "tiredness", "jet", "lag", "sunburn", "hiccups", "stress", "sore",
            "runny", "stuffy", "sniffles", "bit", "little", "boredom", "heat", "nerves",
            "traffic", "flu", "fever", "rash", "bruise", "cut",
            "toothache", "cramp", "cramps", "stitch", "blister", "nosebleed", "indigestion",
            "heartburn", "hay", "some", "mild", "slight", "stiff", "aching",
            "writer's", "block", "fomo", "lack", "work", "it", "this", "that", "them",
            "mondays", "mornings", "exercise", "cleaning", "people", "homework", "chores",
            "you", "me", "him", "her", "us", "hard", "too", "much"}
LEADS = {("diagnosed", "with"), ("diagnosed", "as"), ("suffers", "from"),
          ("suffering", "from"), ("suffered", "from"), ("suffer", "from"),
          ("treated", "for"), ("treatment", "for"), ("positive", "for"), ("allergic", "to"),
          ("allergy", "to"), ("allergies", "to"), ("intolerant", "to"), ("recovering", "from"),
          ("living", "with"), ("battling", "with"), ("struggling", "with"),
          ("medication", "for"), ("meds", "for"), ("tablets", "for"), ("pills", "for")}
LEAD_STOP = {"last", "yesterday", "today", "tonight", "this", "in", "at", "when", "and", "but",
              "so", "after", "before", "since", "by", "two", "three", "recently", "years",
              "months", "weeks", "ago", "for", "which", "that", "who", "because", "please",
              "is", "was", "are", "were", "has", "had", "the", "my", "his", "her", "remind", "can",
              "could", "should", "will", "now", "again", "too", "as",
              "though", "or", "to", "every", "each", "daily"}
BODY_PARTS = {"arm", "leg", "wrist", "ankle", "hip", "collarbone", "nose", "finger", "toe",
              "rib", "ribs", "back", "neck", "jaw", "elbow", "knee", "shoulder", "foot",
              "hand", "pelvis", "skull", "spine", "acl", "meniscus", "ligament", "tendon",
              "achilles", "thumb", "kneecap", "shin", "femur", "tibia"}
# Organs taken out: "I had my gallbladder removed", "her tonsils out".
REMOVABLE = {"gallbladder", "gall", "tonsils", "appendix", "adenoids", "spleen", "kidney",
             "ovaries", "ovary", "uterus", "womb", "thyroid", "prostate", "wisdom", "breast",
             "breasts", "colon", "bowel", "lung", "cervix", "testicle", "eye"}
# A capitalised subject before these says a person is meant: "Pita is on blood thinners".
SUBJECT_VERBS = {"has", "had", "is", "was", "takes", "took", "needs", "uses", "gets", "got",
                 "'s", "’s", "suffers", "started", "starts", "finished", "broke", "tested",
                 "went", "goes", "can't", "cannot", "must", "should"}
# Between a treatment and what it treats: "physiotherapy for the torn ACL".
FOR_JOIN = {"for", "after", "from"}
JOIN_DETERMINERS = {"the", "a", "an"}  # not "an EpiPen for her bee sting allergy"
