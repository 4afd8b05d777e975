"""Word pools for the training data: generic homes, cars, people and things.

None of this is the hand-written test set (tests/data/nlu_testset.jsonl) or its inventory;
the model must understand names it never saw, which is why names become placeholders.
"""

from __future__ import annotations

DEVICES = {
    "light": ["Ceiling Light", "Desk Lamp", "Floor Lamp", "Reading Light", "Hallway Light",
              "Bedside Lamp", "Pendant", "Chandelier", "Night Light", "Strip Lights",
              "Garden Lights", "Wall Sconce", "Vanity Light", "Spotlights", "Accent Lamp",
              "Christmas Lights", "Island Lights", "Stair Lights", "Mirror Light", "Globe"],
    "switch": ["Kettle", "Espresso Machine", "Heater Plug", "Fountain", "Printer",
               "Dehumidifier", "Aquarium Pump", "Air Purifier", "Toaster", "Smart Plug"],
    "fan": ["Tower Fan", "Attic Fan", "Exhaust Fan", "Box Fan", "Ventilator"],
    "cover": ["Garage Door", "Roller Blind", "Patio Shades", "Skylight", "Curtains",
              "Shutters", "Awning", "Gate"],
    "media_player": ["Soundbar", "Living Room TV", "Kitchen Speaker", "Sonos", "Chromecast",
                     "Record Player", "Echo", "Stereo"],
    "climate": ["Thermostat", "Heat Pump", "Air Conditioner", "Radiator", "Boiler"],
    "lock": ["Front Door Lock", "Back Door", "Side Gate Lock"],
    "vacuum": ["Roomba", "Robot Vacuum", "Roborock", "Dusty"],
    "lawn_mower": ["Mower", "Lawn Robot", "Automower"],
    "weather": ["Forecast Home", "Weather Station", "Met Office"],
}
AREAS = ["Kitchen", "Living Room", "Bedroom", "Master Bedroom", "Bathroom", "Garage",
         "Office", "Study", "Hallway", "Dining Room", "Basement", "Attic", "Laundry Room",
         "Nursery", "Guest Room", "Porch", "Patio", "Garden", "Backyard", "Den",
         "Playroom", "Kids Room", "Loft", "Pantry", "Gym", "Library", "Sunroom", "Entryway",
         "Upstairs Bathroom", "Family Room", "Cellar", "Balcony", "Workshop", "Lounge"]
FLOORS = ["upstairs", "downstairs", "first floor", "ground floor", "second floor",
          "basement", "top floor", "main floor"]
LISTS = ["To Do", "Groceries", "Hardware Store", "Packing", "Chores", "Books to Read",
         "Gift Ideas", "Camping", "Costco", "Work Tasks", "Pharmacy", "Movies", "Shopping List"]
CONTACTS = ["Mom", "Dad", "Grandma", "Grandpa", "Alex", "Sam", "Jordan", "Taylor", "Chris",
            "Maria", "Jose", "Wei", "Aisha", "Olga", "Liam", "Noah", "Emma", "Olivia",
            "Sophia", "Mia", "Lucas", "Ethan", "Ava", "Isabella", "Daniel", "Sarah", "Kevin",
            "Rachel", "Mohammed", "Fatima", "Hiroshi", "Yuki", "Carlos", "Lucia", "Pierre",
            "Ingrid", "Dr Smith", "Uncle Bob", "Aunt Linda", "Jessica Brown", "Mike Johnson",
            "the Office", "My Wife", "My Husband", "Sister", "Brother", "the Plumber",
            "Hannah", "Zoe", "Nathan", "Grace", "Ryan", "Chloe", "Jack", "Lily", "Owen",
            "Amelia", "Leo", "Nora", "Isaac", "Ruby", "Caleb", "Stella", "Adrian", "Hazel",
            "Michael", "David", "Linda", "Robert", "Patricia", "Thomas",
            "Nguyen", "Kenji", "Anika", "Ravi", "Sven", "Bjorn", "Chiara", "Mateo", "Amara",
            "Kwame", "Leila", "Omar", "Dmitri", "Ana", "the Doctor", "the School",
            "the Babysitter", "Work", "Customer Service"]
PLACES = ["Home", "Work", "the Office", "the Gym", "the Airport", "School", "Grandma's House",
          "the Train Station", "Central Park", "the Mall", "the Beach", "Downtown",
          "the Hospital", "the Library", "the Stadium", "the Nearest Gas Station",
          "a Coffee Shop", "the Supermarket", "Walmart", "Costco", "the Pharmacy",
          "the Zoo", "the Museum", "Main Street", "123 Oak Street", "the Dentist",
          "the Kids School", "the Hotel", "Union Station", "the Harbor", "the Cabin",
          "Boston", "San Francisco", "Chicago", "the Ski Resort", "the Vet", "Mom's Place",
          "17 Birch Lane", "1600 Pennsylvania Avenue", "Fifth Avenue", "Times Square",
          "the Golden Gate Bridge", "Heathrow", "JFK", "the Closest Starbucks", "IKEA",
          "Target", "Home Depot", "the Post Office", "City Hall", "the Park", "the Lake",
          "Seattle", "Denver", "Austin", "the Campground", "the Marina", "Pier 39",
          "the Farmers Market", "the Bank", "the Bakery", "the Cinema", "Oak Avenue",
          "Maple Drive", "221B Baker Street", "the Convention Center"]
ITEMS = ["milk", "eggs", "bread", "butter", "paper towels", "toilet paper", "apples",
         "bananas", "coffee", "orange juice", "dish soap", "cat food", "dog food", "rice",
         "pasta", "tomatoes", "onions", "garlic", "cheese", "yogurt", "chicken breasts",
         "olive oil", "batteries", "light bulbs", "trash bags", "shampoo", "toothpaste",
         "cereal", "flour", "sugar", "lettuce", "avocados", "ice cream", "beer", "wine",
         "call the bank", "pay rent", "mow the lawn", "book flights", "fix the fence",
         "water the plants", "screws", "duct tape", "sunscreen", "a birthday card",
         "peanut butter", "almond milk", "frozen peas", "diapers", "wrapping paper"]
SEARCH = ["Taylor Swift", "Bohemian Rhapsody", "the Beatles", "jazz", "Abbey Road",
          "lo-fi beats", "Hamilton", "Stranger Things", "the news", "classical music",
          "Daft Punk", "Hotel California", "my workout playlist", "Adele", "Miles Davis",
          "The Office", "Frozen", "rain sounds", "BBC Radio 4", "Kind of Blue",
          "Beyonce", "Shape of You", "Pink Floyd", "Dark Side of the Moon", "Coldplay",
          "the Lion King", "relaxing piano", "Ed Sheeran", "Inception", "Radiohead"]
MESSAGES = ["dinner is ready", "time to leave", "the movie is starting", "come downstairs",
            "we are leaving in five minutes", "it is bedtime", "the guests are here",
            "turn off your screens", "lunch is on the table", "take out the trash",
            "someone is at the door", "homework time", "wake up"]
TIMER_NAMES = ["pizza", "pasta", "eggs", "laundry", "tea", "cookies", "nap", "oven",
               "roast", "homework", "parking"]

# Stand-ins for real things in the near misses (questions about, not commands to, devices).
THINGS = ["LED lights", "the thermostat", "smart bulbs", "a ceiling fan", "the dishwasher",
          "the garage door", "a robot vacuum", "the television", "a space heater",
          "the refrigerator", "solar panels", "the router", "light bulbs", "the microwave",
          "smart plugs", "the air conditioner", "the heat pump", "the washing machine",
          "a lawn mower", "the speaker", "the lights", "my phone", "the car", "the timer"]
