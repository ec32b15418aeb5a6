"""Quick Quiz's question bank: (question, four choices, index of the right one).

Kept on the server only: pages receive the questions without their answers.
"""

QUESTIONS: list[tuple[str, tuple[str, str, str, str], int]] = [
    ("Which planet is known as the Red Planet?", ("Venus", "Mars", "Jupiter", "Mercury"), 1),
    ("How many legs does a spider have?", ("6", "8", "10", "12"), 1),
    ("What is the largest ocean on Earth?", ("Atlantic", "Indian", "Arctic", "Pacific"), 3),
    ("Which gas do plants take in from the air to make food?", ("Oxygen", "Nitrogen", "Carbon dioxide", "Helium"), 2),
    ("What is the capital of Japan?", ("Kyoto", "Osaka", "Tokyo", "Sapporo"), 2),
    ("How many minutes are in a full day?", ("1,440", "1,240", "2,400", "960"), 0),
    ("Which instrument has 88 keys?", ("Organ", "Accordion", "Harpsichord", "Piano"), 3),
    ("What is the chemical symbol for gold?", ("Go", "Gd", "Au", "Ag"), 2),
    ("Which is the longest river in South America?", ("Amazon", "Paraná", "Orinoco", "Magdalena"), 0),
    ("How many sides does a hexagon have?", ("5", "6", "7", "8"), 1),
    ("Who painted the Mona Lisa?", ("Michelangelo", "Raphael", "Leonardo da Vinci", "Donatello"), 2),
    ("What is the hardest natural substance?", ("Quartz", "Diamond", "Granite", "Sapphire"), 1),
    ("Which country gifted the Statue of Liberty to the USA?", ("France", "Spain", "United Kingdom", "Italy"), 0),
    ("What is the smallest prime number?", ("0", "1", "2", "3"), 2),
    ("Which animal is the largest mammal?", ("African elephant", "Blue whale", "Giraffe", "Sperm whale"), 1),
    ("In which continent is the Sahara Desert?", ("Asia", "Australia", "Africa", "South America"), 2),
    ("What do bees collect from flowers to make honey?", ("Pollen", "Nectar", "Sap", "Dew"), 1),
    ("How many players does a football (soccer) team have on the pitch?", ("9", "10", "11", "12"), 2),
    ("Which is the closest star to Earth?", ("Sirius", "Proxima Centauri", "The Sun", "Polaris"), 2),
    ("What is the boiling point of water at sea level in °C?", ("90", "100", "110", "120"), 1),
    ("Which language has the most native speakers?", ("English", "Spanish", "Hindi", "Mandarin Chinese"), 3),
    ("What shape is a stop sign in most countries?", ("Circle", "Triangle", "Octagon", "Hexagon"), 2),
    ("Which bird is a universal symbol of peace?", ("Eagle", "Dove", "Swan", "Owl"), 1),
    ("How many continents are there?", ("5", "6", "7", "8"), 2),
    ("What is frozen water called?", ("Steam", "Ice", "Dew", "Fog"), 1),
    ("Which organ pumps blood around the body?", ("Lungs", "Liver", "Heart", "Kidneys"), 2),
    ("What is 7 × 8?", ("54", "56", "58", "64"), 1),
    ("Which metal is liquid at room temperature?", ("Mercury", "Lead", "Tin", "Zinc"), 0),
    ("Which planet has the most famous rings?", ("Mars", "Saturn", "Neptune", "Venus"), 1),
    ("What colour do you get by mixing blue and yellow?", ("Purple", "Orange", "Green", "Brown"), 2),
]
