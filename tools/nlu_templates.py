# ruff: noqa: E501  (templates are data: one spoken pattern per line reads best unbroken)
"""Training templates Tandem adds to home-assistant-intents (hassil template syntax).

`(a|b)` alternatives, `[x]` optional, `{slot}` filled from tools/nlu_vocab.py:
{name} device, {area}, {floor}, {list}, {contact}, {destination}, {item}, {search_query},
{message}, {thing}, {num} a number, {dur} a timer duration, {pct} a percentage.
"""

from __future__ import annotations

EXTRA_INTENTS: dict[str, list[str]] = {
    "NavigateTo": [
        "(navigate|navigation|drive|route|directions|get directions) to {destination}",
        "(take|get|bring) me to {destination}",
        "take me {destination}",
        "(start|begin) navigation to {destination}",
        "(find|show me) [the] (route|way|directions) to {destination}",
        "how do i get to {destination}",
        "(lets|let us) (go|drive|head) to {destination}",
        "i (want|need|would like) to (go|drive|get) to {destination}",
        "(set|change) [the] destination to {destination}",
        "{destination} (navigation|directions)",
        "navigate [me] [to] {destination} [now]",
        "(head|go|drive) to {destination}",
        "guide me to {destination}",
        "(navigate|drive|go) home",
        "take me home",
        "(set|put) {destination} (as|in) [the] (destination|navigation|gps|sat nav)",
        "plot a (route|course) to {destination}",
        "(what is|whats) the (fastest|quickest|best) (route|way) to {destination}",
    ],
    "CallContact": [
        "(call|phone|ring|dial) {contact}",
        "(call|phone|ring|dial) {contact} (now|on (mobile|speaker)|for me)",
        "give {contact} a (call|ring)",
        "(make|place|start) a [phone] call to {contact}",
        "(get|put) {contact} on the (phone|line)",
        "i (want|need|would like) to (call|talk to|speak to|speak with) {contact}",
        "(facetime|video call) {contact}",
        "(call|ring) {contact} back",
        "(connect|dial) me (to|with) {contact}",
        "(lets|let us) call {contact}",
        "phone call (to|with) {contact}",
        "{contact} call",
        "call {contact} on (her|his|their) (cell|mobile|work) [phone]",
        "(start|begin) a call with {contact}",
    ],
    "ReadMessages": [
        "(read|play) [me] [my] [new|latest|recent|unread] (messages|texts|text messages|sms)",
        "(read|play) [me] [my] [new|latest|last|recent] (message|text)",
        "(do i have|are there|any) [new|unread] (messages|texts)",
        "(check|show) [my] (messages|texts|inbox)",
        "what (messages|texts) (do i have|did i get|came in)",
        "(read|play) [me] [my] (messages|texts) from {contact}",
        "did {contact} (text|message) me",
        "(what did|what has) {contact} (say|said|text|texted|write|written)",
        "(read|play) [the] [new] (message|text) [i just got|i got]",
        "any new (messages|texts|mail) [for me]",
        "(read|play) (them|it) [out] [to me] [please]",
        "(can you|could you) read [out] my (messages|texts)",
        "(read|check) my [unread] (notifications|whatsapp|whatsapp messages|imessages)",
    ],
}

# Paraphrases Home Assistant lacks, for intents people say in many ways.
PARAPHRASES: dict[str, list[str]] = {
    "HassTurnOn": [
        "(power|fire|light) up [the] {name}",
        "(activate|enable|start) [the] {name}",
        "(i need|i want|lets have|lets get|give me) [the] {name} on",
        "(get|put|set|make) [the] {name} on",
        "{name} on [now]",
        "[the] {name} (needs|should) (to be|be) on",
        "(can we|could we) (have|get) [the] {name} on",
        "(lights|light) on [in] [the] {area}",
        "(turn|switch|put) the {area} (lights|lamps|light) on",
        "(turn|switch|put) on (all|every) (light|lights|lamps) in [the] {area}",
        "(let there be light|lights on) [in the {area}]",
        "(bring|crank|turn) up the (lights|light) in [the] {area}",
        "(start|run|turn on) the {name} [in the {area}]",
        "(can you|could you) (turn|switch) [the] {name} on",
        "(would you|will you) (turn|switch) on [the] {name}",
        "(turn|switch) on the (fan|fans|tv|television|switch) in [the] {area}",
        "{area} (lights|lamps|fan|tv) on",
        "it is (too dark|dark) in [the] {area} turn on the (lights|lamp)",
    ],
    "HassTurnOff": [
        "(power|shut) (down|off) [the] {name}",
        "(deactivate|disable|stop|kill|cut) [the] {name}",
        "(i need|i want|lets have|lets get) [the] {name} off",
        "(get|put|set|make) [the] {name} off",
        "{name} off [now]",
        "[the] {name} (needs|should) (to be|be) off",
        "(lights|light) off [in] [the] {area}",
        "(turn|switch|put|shut) the {area} (lights|lamps|light) off",
        "(turn|switch|shut) off (all|every) (light|lights|lamps) in [the] {area}",
        "(kill|cut) the (lights|light) in [the] {area}",
        "(can you|could you) (turn|switch|shut) [the] {name} off",
        "(would you|will you) (turn|switch|shut) off [the] {name}",
        "(turn|switch|shut) off the (fan|fans|tv|television|switch) in [the] {area}",
        "{area} (lights|lamps|fan|tv) off",
        "(no more|enough) (light|lights) in [the] {area}",
        "(lights|everything) off [everywhere] [please]",
    ],
    "HassLightSet": [
        "(dim|brighten) [the] {name} to {pct}",
        "(set|put|change|make) [the] {name} [brightness] (to|at) {pct}",
        "{name} (to|at) {pct} [brightness]",
        "(dim|lower) the (lights|lamps|light) in [the] {area} [to {pct}]",
        "(make|turn) [the] {name} (red|blue|green|purple|white|yellow|orange|pink)",
        "(change|set) [the] {area} (lights|lamps) to (red|blue|green|purple|white|warm white)",
        "(set|put) [the] {area} (lights|lamps) (to|at) {pct}",
        "(brightness|dim) [of] [the] {name} {pct}",
        "(half|full|max|maximum) brightness (on|for) [the] {name}",
    ],
    "HassStartTimer": [
        "(set|start|make|create|put on) a {dur} timer",
        "(set|start) [a] timer (for|of) {dur}",
        "timer (for|of) {dur}",
        "{dur} timer",
        "(remind|tell|alert|ping) me in {dur}",
        "(countdown|count down) [from] {dur}",
        "(wake|buzz) me in {dur}",
        "(i need|give me|can i have|can i get) a {dur} timer",
        "(start|set) (a|the) {timer_name} timer for {dur}",
        "{dur} (on the clock|countdown|please)",
        "(set|start) a timer (for|of) {dur} for [the] {timer_name}",
    ],
    "HassCancelTimer": [
        "(kill|stop|cancel|delete|remove|end|turn off|get rid of|scrap|ditch) (the|my) [{dur}] timer",
        "(never mind|forget) the timer",
        "(stop|silence|shut off) the (timer|alarm|beeping)",
        "timer (off|cancel|stop)",
        "(i dont need|no need for) the timer [anymore]",
    ],
    "HassTimerStatus": [
        "how (much|long) (time|) (is|do i have) (left|remaining) [on the timer]",
        "(whats|check) [the] (status|time left) (of|on) (my|the) timer",
        "how long (until|till) the timer (goes off|is done|rings)",
        "(timer status|time remaining)",
        "is (my|the) timer (still running|done)",
    ],
    "HassSetVolume": [
        "(set|put|change|turn) [the] (volume|sound|loudness) (to|at) {num} [percent]",
        "volume (to|at) {num} [percent]",
        "volume {num}",
        "(make|set) it {num} percent [volume]",
        "(adjust|change) the volume to {num}",
    ],
    "HassSetVolumeRelative": [
        "(turn|crank|bump|pump) (it|the volume|the sound|the music) (up|down) [a (bit|little|notch)]",
        "(louder|quieter|softer)",
        "(make it|a bit|a little) (louder|quieter|softer)",
        "(raise|lower|increase|decrease|reduce) the (volume|sound)",
        "volume (up|down) [by {num} [percent]]",
        "(its|it is) too (loud|quiet)",
    ],
    "HassGetCurrentTime": [
        "(what|whats) the time",
        "(what time|which time) is it [now|right now|currently]",
        "(do you know|can you tell me|tell me) [what] the time [is]",
        "(time|the time) [please|check]",
        "(whats|what is) the (current|exact) time",
        "(what|whats) time (have we got|do we have)",
        "how late is it",
    ],
    "HassGetCurrentDate": [
        "(what|whats) (the date|todays date|the date today)",
        "(what|which) day is (it|today)",
        "(what|whats) day of the (week|month) is it",
        "(do you know|can you tell me|tell me) [what] (the date|todays date|what day it is)",
        "(date|the date|todays date) [please]",
        "(what|whats) is the date",
        "(is it|is today) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    ],
    "HassGetWeather": [
        "(how is|hows|whats|what is) the weather [like] [today|outside|now]",
        "(is it|will it) (going to|gonna) (rain|snow) [today]",
        "(do i need|should i take) an umbrella [today]",
        "(whats|what is) the (forecast|weather forecast) [for today]",
        "(how|what) (hot|cold|warm) is it outside",
        "(weather|forecast) [please|today]",
        "(is it|will it be) (sunny|cloudy|windy|cold|hot) [outside|today]",
        "(whats|what is) the temperature outside",
    ],
    "HassMediaPause": [
        "(pause|stop|hold) (it|the music|the song|this|playback|the movie|the show)",
        "(pause|stop) [the] (music|media|tv) in [the] {area}",
        "(pause|hold on|hang on)",
        "(freeze|halt) (the|this) (music|movie|video)",
    ],
    "HassMediaUnpause": [
        "(resume|continue|unpause|restart) (it|the music|the song|playback|the movie|the show)",
        "(keep|carry on) playing",
        "(play|start) (it|the music) again",
        "(resume|continue) [the] (music|media|tv) in [the] {area}",
    ],
    "HassMediaNext": [
        "(skip|next) [this] [song|track|one]",
        "(play|go to) the next (song|track|episode|one)",
        "(skip|next) (song|track) in [the] {area}",
        "(i dont like this|not this) (song|one) skip [it]",
    ],
    "HassMediaPrevious": [
        "(previous|last|prior) (song|track|one)",
        "(go|skip) back [a (song|track)]",
        "(play|replay) the (previous|last) (song|track) [again]",
        "(play|start) (that|this) (song|track) again",
    ],
    "HassMediaSearchAndPlay": [
        "(play|put on|listen to) [some] {search_query}",
        "(play|put on) [the] (song|album|artist|playlist|movie|show|podcast) {search_query}",
        "(i want to hear|i wanna hear|lets hear|lets listen to) {search_query}",
        "(play|put on) {search_query} (on|in) [the] ({name}|{area})",
        "(can you|could you) play {search_query}",
    ],
    "HassMediaPlayerMute": [
        "(mute|silence) (it|the tv|the music|the sound|everything|the {name})",
        "(turn|switch) the sound off",
        "(sound|audio) off",
    ],
    "HassMediaPlayerUnmute": [
        "(unmute|restore the sound on) (it|the tv|the music|the sound|the {name})",
        "(turn|switch) the sound (back on|on)",
        "(sound|audio) on",
    ],
    "HassShoppingListAddItem": [
        "(add|put|stick) {item} (on|to) [the|my] (shopping|grocery) list",
        "(we|i) need [more|some] {item}",
        "(we are|were|im|i am) (out of|running low on) {item}",
        "(remember|remind me) to (buy|get) {item}",
        "(add|put|stick) {item} (to|on) [the|my] list",
        "(we|i) need {item} (put|add) (it|them) (on|to) [the|my] (shopping|grocery) list",
        "{item} (on|to) the shopping list",
    ],
    "HassListAddItem": [
        "(add|put|write|stick) {item} (on|to|in) [the|my] {list} [list]",
        "{list} [list] add {item}",
        "(add|put) {item} (on|to) [the|my] {list}",
    ],
    "HassClimateSetTemperature": [
        "(set|put|change|turn) [the] (heat|heating|thermostat|temperature|ac|air conditioning) (to|at) {num} [degrees]",
        "(make|set) it {num} degrees [in [the] {area}]",
        "(heat|cool) [the] {area} to {num} [degrees]",
        "{num} degrees [in [the] {area}] [please]",
        "(i want|i would like) it (at|to be) {num} degrees [in [the] {area}]",
    ],
    "HassClimateGetTemperature": [
        "(how|what) (warm|cold|hot) is it (in|inside) [the] {area}",
        "(whats|what is) the (temperature|temp) (in|inside) [the] {area}",
        "(whats|what is) the (indoor|inside|house) (temperature|temp)",
        "(is it|how) (warm|cold) in (here|the house)",
        "(whats|what is) the thermostat (at|set to|reading)",
    ],
    "HassGetState": [
        "(is|are) [the] {name} (on|off|open|closed|locked|unlocked|running)",
        "(did i|did we) (leave|forget) [the] {name} (on|open|unlocked)",
        "(which|what) (lights|lamps|devices|doors|windows) are (on|open|unlocked)",
        "(are|is) (any|all) [of the] (lights|lamps|doors|windows) (on|open|locked) [in [the] {area}]",
        "(whats|what is) the (status|state) of [the] {name}",
        "(check|tell me) if [the] {name} is (on|off|open|closed|locked)",
    ],
    "HassSetPosition": [
        "(open|close|raise|lower) [the] {name} (to|by) {pct}",
        "(set|put|move) [the] {name} (to|at) {pct}",
        "(set|put) the (blinds|shades|curtains|shutters) in [the] {area} to {pct}",
        "{name} (to|at) {pct}",
    ],
    "HassFanSetSpeed": [
        "(set|put|turn|change) [the] {name} [speed] (to|at) {pct}",
        "(set|put) the fan [speed] in [the] {area} to {pct}",
        "fan (speed|to) {pct}",
    ],
    "HassNevermind": [
        "(never mind|forget it|forget about it|cancel that|scratch that|nothing)",
        "(never mind|forget it) (then|please|sorry|i got it)",
        "(oops|sorry) (never mind|wrong|nothing)",
    ],
    "HassVacuumStart": [
        "(start|run) the (vacuum|robot vacuum|vacuum cleaner)",
        "(vacuum|clean) the (house|floors|floor|apartment) [now]",
        "(send|get) the {name} (cleaning|to clean|to work)",
    ],
    "HassVacuumReturnToBase": [
        "(send|bring) the (vacuum|{name}) (home|back|to (the|its) (dock|base|charger))",
        "(dock|park) the (vacuum|{name})",
    ],
    "HassLawnMowerStartMowing": [
        "(start|run) the (lawn mower|mower|robot mower)",
        "(mow|cut) the (lawn|grass) [now]",
    ],
    "HassLawnMowerDock": [
        "(send|bring) the (mower|lawn mower|{name}) (home|back|to the dock)",
        "(stop mowing|park the mower|dock the mower)",
    ],
}

# Requests that belong to the cloud, written for Tandem. Near misses mention devices,
# areas, contacts, places, numbers or command words but ask something else.
CLOUD_TEMPLATES: list[str] = [
    "why (do|does|would) {thing} (flicker|buzz|hum|stop working|turn off by (itself|themselves)|keep beeping)",
    "(who|when) (invented|designed|created|made) {thing}",
    "how (does|do) {thing} work",
    "(how|what is the best way) to (fix|repair|clean|install|reset|replace) {thing}",
    "(what|which) (is|are) the best {thing} to buy",
    "how much (power|electricity|energy) (does|do) {thing} use",
    "is it (safe|bad|ok) to leave {thing} on (overnight|all day|all night)",
    "(tell me|teach me) about {thing}",
    "(write|compose) a (poem|song|story|haiku|limerick) about {thing}",
    "(can|should) i (recycle|paint|repair) {thing}",
    "how (long|many years) do {thing} last",
    "(what|how) (temperature|setting) should i (set|keep) the thermostat at (at night|in winter|in summer)",
    "(how many|how much) (minutes|seconds|hours) (are|is) in {num} (hours|days|weeks)",
    "what (time|hour) (does|do) {destination} (open|close)",
    "what time is it in (tokyo|london|new york|sydney|paris|india)",
    "(is|was) {contact} (famous|married|a good name)",
    "(who is|who was|tell me about) {contact}",
    "remind me to (call|text) {contact} (tomorrow|later|at {num})",
    "(how far|how long) (is it|does it take) to (get to|drive to) {destination}",
    "(what is|whats) the history of {destination}",
    "(whats|what is) the (population|capital|weather history) of (france|texas|japan|canada)",
    "(set up|schedule|plan) a meeting with {contact} (tomorrow|next week)",
    "(send|write) an email to {contact} (about|saying) (the|our) (project|meeting|trip)",
    "(what|whats) on my (calendar|schedule|agenda) [today|tomorrow]",
    "(whats|what is) on my {list} [list]",
    "how many (lights|devices|rooms) should a {area} have",
    "(what|which) color (should|do) i paint (the|my) {area}",
    "(ideas|tips) for (decorating|organizing|cleaning) (the|my) {area}",
    "how do i (turn on|turn off|set up) (dark mode|bluetooth|wifi|do not disturb) on my (phone|laptop|iphone)",
    "how do (you|i) turn (on|off) {thing}",
    "(explain|describe) how (a timer|volume|brightness|a thermostat|navigation) works",
    "what is {num} (times|plus|minus|divided by) {num}",
    "(convert|how much is) {num} (dollars|euros|miles|kilometers|pounds|ounces) (to|in) (euros|dollars|kilometers|miles|kilograms|grams)",
    "(translate|how do you say) (good morning|thank you|turn on the light|where is the station) (in|into) (spanish|french|german|japanese)",
    "(summarize|summarise|explain) (the news|this article|quantum computing|the french revolution)",
    "(recommend|suggest) (a|some) (movie|movies|book|books|restaurant|podcast|recipe) [for tonight]",
    "(play|lets play) a (game|trivia game|word game) with me",
    "(tell me|say) a (joke|fun fact|riddle|story)",
    "(what|which) (song|movie|show) is (this|that|playing)",
    "who (sings|wrote|directed) {search_query}",
    "(when|where) (was|is|did) {search_query} (released|recorded|born|made)",
    "what (happened|is happening) (today|in the news|this week)",
    "why is (the sky blue|the ocean salty|the grass green|water wet)",
    "(what|how) should i (cook|make|eat) for (dinner|lunch|breakfast)",
    "how (long|many minutes) (do|should) i (boil|bake|cook|roast) (an egg|eggs|chicken|rice|pasta|a turkey)",
    "(is|are) {item} (healthy|good for you|bad for dogs|gluten free)",
    "how many calories (are|is) in {item}",
    "(what can i|how do i) (make|cook) with {item}",
    "(what|how) (is|was) the (score|result) of the (game|match) [last night]",
    "(whats|what is) the (meaning|definition) of (life|serendipity|entropy|the word light)",
    "(open|close) the (pod bay doors|app|browser|door to my heart)",
    "(turn|switch) (my life|this around|the page|the tables)",
    "(how do|can) i (lock|unlock) my (phone|computer|account)",
    "what does (turn off|switch on|dim) mean",
    "(help me|can you help me) (write|plan|understand|decide) (a letter|a trip|my taxes|something)",
    "(i feel|im feeling|i am) (sad|bored|tired|happy|lonely) [today]",
    "(what do you think about|whats your opinion on) (ai|politics|the weather|music|my idea)",
    "(can|could) you (explain|tell me) why {thing} (is|are) (so expensive|popular|dangerous)",
    "(does|do) {thing} (use a lot of power|need wifi|work without internet)",
    "(what is|whats) the difference between {thing} and {thing}",
    "who (is|was) the (president|king|queen|prime minister) of (france|the united states|england|canada)",
    "how (old|tall|big|far) is (the moon|the eiffel tower|mount everest|the sun)",
    "(write|draft) a (message|text|note) to {contact} (saying|about) {message}",
    "(what|which) (lights|bulbs|fans) (are|is) (best|most efficient|cheapest)",
    "(should i|can i) turn off (the heating|the router|my computer|the lights) (at night|when i leave)",
    "(is it|is it a good idea) (better|cheaper) to leave the lights on or turn them off",
    "(what|how) (was|is) the weather [like] in (1900|the ice age|ancient rome|the past)",
    "(who|what) is {destination}",
    "(call|phone) (of duty|center jobs|me (maybe|later|a taxi|an uber))",
    "(what|why) (is|are) (call|phone) (centers|plans|numbers) (so expensive|used for)",
    "how (do|can) (i|you) (navigate|get around) (the website|this app|life|london)",
    "(read|recommend) (a|me a) (book|story|poem|article) (about|on) {thing}",
    "(what|which) (messages|texts) (should i|can i) send (to|for) (a birthday|my boss|a friend)",
    "(play|lets play) (chess|twenty questions|a game|hide and seek)",
]

# Open prompts, written for Tandem, besides the chatterbot corpus.
CLOUD_PROMPTS: list[str] = """\
what's the capital of australia
how do vaccines work
tell me something interesting
what should I name my dog
how do I get rid of ants in the kitchen
can you help me with my homework
who won the world cup in 2018
what is the speed of light
explain machine learning to a five year old
write a short story about a dragon
what are the symptoms of the flu
how do I make sourdough bread
what is the tallest building in the world
give me a workout plan
how do I tie a tie
what's a good gift for my mom
how many planets are in the solar system
what is photosynthesis
do you like music
what's your favorite color
are you a robot
can you dream
what's the best way to learn spanish
how do I change a flat tire
what's the weather going to be like on mars
who painted the mona lisa
what's the square root of 144
how do I reset my router
plan a three day trip to rome
what is the stock market doing today
what's bitcoin worth
can you recommend a good book
how do I meditate
what does a project manager do
what's the difference between a virus and bacteria
why do cats purr
how do airplanes fly
what is the best programming language
how does wifi work
write me a haiku about autumn
what rhymes with orange
how much water should I drink a day
what year did the titanic sink
what's the longest river in the world
help me write a cover letter
what are some good names for a band
tell me about the roman empire
is coffee bad for you
how do I make a budget
what is love
what's the meaning of life
should I buy an electric car
how do solar panels work
what's the best time to visit japan
how do I fall asleep faster
why is my internet slow
what is the population of tokyo
who is the richest person in the world
can dogs eat chocolate
how do I unclog a drain
what is inflation
explain the theory of relativity
what's a black hole
how long does it take to get to the moon
what is the best smartphone
how do I learn to code
what's trending on twitter
compose an email to my boss asking for a day off
what's the difference between weather and climate
how do I cook quinoa
what does dna stand for
why do we dream
tell me a bedtime story
how many languages are there in the world
what should I watch tonight
who wrote pride and prejudice
what is the fastest animal
how do I improve my credit score
is it going to be a good year
what is the boiling point of water
how are you doing today
what can you tell me about elephants
sing me a song
what's your name
how old are you
do you have feelings
let's talk about philosophy
what is quantum physics
can you keep a secret
I had a rough day
what's the best pizza topping
give me a motivational quote
how do I say hello in japanese
who was albert einstein
what's the time complexity of quicksort
how do I fix a leaky faucet
why do leaves change color
what is the gdp of germany
is pluto a planet
what's the best way to save money
how do I get my kids to sleep
what should I get my wife for our anniversary
how does the electoral college work
what's the difference between a crocodile and an alligator
suggest a name for my startup
how do I grow tomatoes
when is the next full moon
what does the fox say
how many ounces in a cup
why is the ocean blue
what is the best way to clean a cast iron pan
recommend a podcast about history
who discovered penicillin
how hot is the sun
are aliens real
what happened in 1969
tell me about yourself
what is chatgpt
how do I write a resume
what causes earthquakes
what are the rules of chess
what's the best way to travel in europe
how do I make my plants grow faster
""".splitlines()

# Non-English commands and questions: the cloud (and its language model) handles them.
FOREIGN: list[str] = """\
allume la lumière de la cuisine
quelle heure est-il
schalte das licht im wohnzimmer aus
wie spät ist es
enciende las luces de la cocina
qué hora es
pon un temporizador de diez minutos
accendi la luce in cucina
che ore sono
liga a luz da sala
zet de lampen in de keuken aan
hoe laat is het
włącz światło w kuchni
включи свет на кухне
который час
台所の電気をつけて
今何時ですか
打开厨房的灯
现在几点
부엌 불 켜줘
मुझे समय बताओ
أطفئ الأنوار
spiel musik im wohnzimmer
appelle maman
ruf mama an
llama a mamá
navigiere nach hause
emmène-moi au travail
""".splitlines()
