"""The words a demo catalog is made of: departments, product families, materials and sizes.

Pure data, English and German. Every product name is ``material + noun + size``
in English and ``noun + size, material`` in German, so a few hundred words make
tens of thousands of distinct, plausible B2B articles.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    """What an article is made of, and the surface finish that goes with it."""

    en: str
    de: str
    finish_en: str
    finish_de: str
    price_factor: float
    tag: str


@dataclass(frozen=True)
class Family:
    """A kind of article (the third level of the category tree)."""

    plural: str  # the category name
    en: str
    de: str
    materials: tuple[str, ...]
    sizes: str
    standard: str
    base_cents: float  # price of one piece of the smallest size in the cheapest material
    packs: tuple[int, ...]
    use_en: str
    use_de: str
    weight: int  # how common the family is in a catalog


MATERIALS: dict[str, Material] = {
    "a2": Material("stainless steel A2", "Edelstahl A2", "plain", "blank", 1.6, "stainless"),
    "a4": Material("stainless steel A4", "Edelstahl A4", "plain", "blank", 2.2, "stainless"),
    "zinc": Material("steel 8.8", "Stahl 8.8", "zinc plated", "galvanisch verzinkt", 1.0, "steel"),
    "black": Material("steel 10.9", "Stahl 10.9", "black oxide", "brüniert", 1.2, "steel"),
    "brass": Material("brass", "Messing", "natural", "natur", 2.6, "brass"),
    "nylon": Material("polyamide", "Polyamid", "natural", "natur", 0.8, "plastic"),
    "crv": Material("chrome vanadium steel", "Chrom-Vanadium-Stahl", "chrome plated", "verchromt",
                    1.0, "chrome-vanadium"),
    "s2": Material("S2 tool steel", "S2-Werkzeugstahl", "phosphated", "phosphatiert", 1.3, "tool-steel"),
    "hss": Material("HSS-G", "HSS-G", "ground", "geschliffen", 1.0, "hss"),
    "hssco": Material("HSS-Co 5%", "HSS-Co 5 %", "amber", "bernsteinfarben", 1.9, "cobalt"),
    "carbide": Material("tungsten carbide", "Hartmetall", "ground", "geschliffen", 2.4, "carbide"),
    "aluminium": Material("aluminium", "Aluminium", "anodised", "eloxiert", 1.2, "aluminium"),
    "copper": Material("copper", "Kupfer", "bare", "blank", 1.0, "copper"),
    "pvc": Material("PVC", "PVC", "grey", "grau", 1.0, "pvc"),
    "rubber": Material("rubber", "Gummi", "black", "schwarz", 1.3, "rubber"),
    "nitrile": Material("nitrile", "Nitril", "blue", "blau", 1.0, "nitrile"),
    "pu": Material("PU-coated nylon", "PU-beschichtetes Nylon", "grey", "grau", 1.4, "coated"),
    "leather": Material("leather", "Leder", "natural", "natur", 2.0, "leather"),
    "pc": Material("polycarbonate", "Polycarbonat", "clear", "klar", 1.0, "polycarbonate"),
    "abs": Material("ABS", "ABS", "white", "weiß", 1.0, "abs"),
    "polyester": Material("polyester", "Polyester", "high-visibility yellow", "warngelb", 1.0,
                          "polyester"),
    "silicone": Material("silicone", "Silikon", "transparent", "transparent", 1.0, "silicone"),
    "pu_foam": Material("polyurethane", "Polyurethan", "beige", "beige", 1.0, "polyurethane"),
    "ptfe": Material("PTFE", "PTFE", "white", "weiß", 1.0, "ptfe"),
    "steel": Material("steel", "Stahl", "powder coated", "pulverbeschichtet", 1.0, "steel"),
}

FASTENER = ("a2", "a4", "zinc", "black")
NUTS = ("a2", "a4", "zinc", "brass")

# Department -> group -> families (one row per family).
DEPARTMENTS: dict[str, dict[str, tuple[Family, ...]]] = {
    "Fasteners": {
        "Bolts and screws": (
            Family("Hex bolts", "hex bolt", "Sechskantschraube", FASTENER, "thread_length",
                   "DIN 933", 4, (50, 100, 200), "for machine building and steel construction",
                   "für Maschinenbau und Stahlbau", 9),
            Family("Socket cap screws", "socket cap screw", "Zylinderschraube mit Innensechskant",
                   FASTENER, "thread_length", "ISO 4762", 5, (50, 100, 200),
                   "for tight spaces and countersunk holes", "für enge Einbauräume", 8),
            Family("Countersunk screws", "countersunk screw", "Senkschraube mit Innensechskant",
                   FASTENER, "thread_length", "ISO 10642", 5, (50, 100),
                   "for flush surfaces", "für bündige Oberflächen", 5),
            Family("Set screws", "set screw", "Gewindestift mit Innensechskant", FASTENER,
                   "thread_length", "DIN 913", 3, (100, 200), "for shaft collars and hubs",
                   "für Stellringe und Naben", 3),
        ),
        "Nuts": (
            Family("Hex nuts", "hex nut", "Sechskantmutter", NUTS, "thread", "DIN 934", 2,
                   (100, 200, 500), "for through-bolt joints", "für Durchsteckverbindungen", 7),
            Family("Lock nuts", "lock nut", "Sicherungsmutter mit Klemmteil", NUTS, "thread",
                   "DIN 985", 3, (100, 200), "for joints under vibration",
                   "für Verbindungen unter Vibration", 4),
            Family("Wing nuts", "wing nut", "Flügelmutter", NUTS, "thread", "DIN 315", 6, (50, 100),
                   "for joints opened by hand", "für werkzeuglos lösbare Verbindungen", 2),
        ),
        "Washers": (
            Family("Flat washers", "flat washer", "Unterlegscheibe", NUTS, "thread", "DIN 125", 1,
                   (200, 500, 1000), "to spread the clamping load", "zur Verteilung der Klemmkraft", 6),
            Family("Fender washers", "fender washer", "Karosseriescheibe", NUTS, "thread", "DIN 9021",
                   1.5, (100, 200), "for thin sheet and soft materials",
                   "für dünne Bleche und weiche Werkstoffe", 3),
        ),
        "Anchors and rods": (
            Family("Threaded rods", "threaded rod", "Gewindestange", FASTENER, "thread", "DIN 976",
                   120, (1, 5, 10), "1 m long, cut to length on site", "1 m lang, vor Ort ablängbar", 3),
            Family("Nylon wall plugs", "wall plug", "Spreizdübel", ("nylon",), "plug", "", 2,
                   (50, 100, 200), "for solid brick and concrete", "für Vollziegel und Beton", 4),
        ),
    },
    "Hand tools": {
        "Wrenches": (
            Family("Combination wrenches", "combination wrench", "Ringmaulschlüssel", ("crv",), "wrench",
                   "DIN 3113", 450, (1,), "with 15° offset ring end", "mit 15° gekröpftem Ringende", 4),
            Family("Torque wrenches", "torque wrench", "Drehmomentschlüssel", ("crv",), "torque",
                   "ISO 6789", 6900, (1,), "with audible release", "mit hörbarer Auslösung", 2),
        ),
        "Screwdrivers and bits": (
            Family("Screwdriver bits", "screwdriver bit", "Schrauberbit", ("s2",), "bit", "ISO 1173",
                   90, (10, 25), "with 1/4 inch hex shank", "mit 1/4-Zoll-Sechskantschaft", 4),
            Family("Hex key sets", "hex key set", "Winkelschlüsselsatz", ("crv", "s2"), "set", "ISO 2936",
                   900, (1,), "with ball end", "mit Kugelkopf", 2),
        ),
        "Pliers": (
            Family("Combination pliers", "combination pliers", "Kombizange", ("crv",), "pliers",
                   "DIN ISO 5746", 1400, (1,), "with two-component handles",
                   "mit Zweikomponenten-Griffen", 2),
            Family("Side cutters", "side cutter", "Seitenschneider", ("crv",), "pliers",
                   "DIN ISO 5749", 1300, (1,), "for soft and hard wire", "für weichen und harten Draht", 2),
        ),
        "Measuring tools": (
            Family("Tape measures", "tape measure", "Rollbandmaß", ("abs",), "tape", "EC class II",
                   600, (1,), "with magnetic hook", "mit Magnethaken", 2),
            Family("Spirit levels", "spirit level", "Wasserwaage", ("aluminium",), "level", "", 1500,
                   (1,), "with three vials", "mit drei Libellen", 2),
        ),
    },
    "Power tool accessories": {
        "Drill bits": (
            Family("Twist drill bits", "twist drill bit", "Spiralbohrer", ("hss", "hssco"), "drill",
                   "DIN 338", 60, (1, 10), "for steel and non-ferrous metals",
                   "für Stahl und NE-Metalle", 6),
            Family("Masonry drill bits", "masonry drill bit", "Steinbohrer", ("carbide",), "drill", "",
                   120, (1, 5), "for brick, concrete and stone", "für Ziegel, Beton und Stein", 3),
        ),
        "Cutting and grinding": (
            Family("Cutting discs", "cutting disc", "Trennscheibe", ("steel",), "disc", "EN 12413",
                   120, (10, 25), "for stainless steel, 1 mm thin", "für Edelstahl, 1 mm dünn", 4),
            Family("Flap discs", "flap disc", "Fächerschleifscheibe", ("steel",), "disc", "EN 13743",
                   250, (10,), "grit 80 for deburring", "Körnung 80 zum Entgraten", 2),
        ),
    },
    "Electrical": {
        "Cables": (
            Family("Installation cables", "installation cable NYM-J", "Mantelleitung NYM-J", ("pvc",),
                   "cable", "VDE 0250", 90, (1,), "for fixed indoor installation",
                   "für die feste Verlegung im Innenbereich", 4),
            Family("Rubber cables", "rubber cable H07RN-F", "Gummischlauchleitung H07RN-F", ("rubber",),
                   "cable", "VDE 0282", 160, (1,), "for site and outdoor use",
                   "für Baustelle und Außenbereich", 2),
        ),
        "Cable management": (
            Family("Cable ties", "cable tie", "Kabelbinder", ("nylon",), "tie", "UL 62275", 3,
                   (100, 500), "UV resistant", "UV-beständig", 5),
            Family("Heat shrink tubing", "heat shrink tube", "Schrumpfschlauch", ("pvc",), "shrink", "",
                   60, (10, 50), "shrink ratio 2:1", "Schrumpfrate 2:1", 2),
        ),
        "Circuit protection": (
            Family("Circuit breakers", "circuit breaker", "Leitungsschutzschalter", ("abs",), "breaker",
                   "EN 60898", 700, (1, 12), "breaking capacity 6 kA", "Schaltvermögen 6 kA", 3),
            Family("Wire connectors", "lever wire connector", "Hebelklemme", ("pc",), "poles",
                   "EN 60998", 45, (50, 100), "for solid and stranded wire",
                   "für ein- und feindrähtige Leiter", 3),
        ),
    },
    "Safety": {
        "Hand protection": (
            Family("Disposable gloves", "disposable glove", "Einmalhandschuh", ("nitrile",), "glove",
                   "EN ISO 374-1", 9, (100,), "powder-free", "puderfrei", 4),
            Family("Work gloves", "work glove", "Arbeitshandschuh", ("pu", "leather"), "glove",
                   "EN 388", 250, (1, 12), "with good grip", "mit guter Griffigkeit", 3),
        ),
        "Eye and ear protection": (
            Family("Safety glasses", "safety glasses", "Schutzbrille", ("pc",), "lens", "EN 166", 450,
                   (1, 10), "with anti-fog coating", "mit Antibeschlag-Beschichtung", 2),
            Family("Ear plugs", "ear plug", "Gehörschutzstöpsel", ("pu_foam",), "snr", "EN 352-2",
                   25, (50, 200), "single use", "zum Einmalgebrauch", 2),
        ),
        "Workwear": (
            Family("Safety shoes", "safety shoe S3", "Sicherheitsschuh S3", ("leather",), "shoe",
                   "EN ISO 20345", 6900, (1,), "with composite toe cap", "mit Kunststoffkappe", 2),
            Family("High-visibility vests", "high-visibility vest", "Warnweste", ("polyester",),
                   "clothing", "EN ISO 20471", 400, (1, 10), "class 2", "Klasse 2", 2),
        ),
    },
    "Plumbing": {
        "Fittings": (
            Family("Press fittings", "press fitting elbow 90°", "Pressfitting Winkel 90°", ("copper",),
                   "pipe", "DVGW W 534", 450, (1, 10), "for drinking water and heating",
                   "für Trinkwasser und Heizung", 3),
            Family("Threaded fittings", "threaded fitting", "Gewindefitting", ("brass",), "inch",
                   "EN 10226-1", 300, (1, 10), "with tapered thread", "mit kegeligem Gewinde", 3),
        ),
        "Valves": (
            Family("Ball valves", "ball valve", "Kugelhahn", ("brass",), "inch", "EN 13828", 900, (1,),
                   "with lever handle", "mit Hebelgriff", 2),
        ),
        "Sealing": (
            Family("Thread sealing tape", "thread sealing tape", "Gewindedichtband", ("ptfe",), "tape_ptfe",
                   "EN 751-3", 90, (1, 10), "for metal threads", "für Metallgewinde", 2),
            Family("O-rings", "O-ring", "O-Ring", ("rubber", "silicone"), "oring", "ISO 3601", 8,
                   (50, 100), "NBR 70 Shore A", "NBR 70 Shore A", 2),
        ),
    },
    "Adhesives and sealants": {
        "Sealants": (
            Family("Silicone sealants", "sanitary silicone", "Sanitärsilikon", ("silicone",), "volume",
                   "ISO 11600", 450, (1, 12), "mould resistant", "schimmelbeständig", 2),
            Family("Expanding foam", "expanding foam", "PU-Montageschaum", ("pu_foam",), "volume", "",
                   600, (1, 12), "for gaps around windows and doors", "für Fugen an Fenstern und Türen", 2),
        ),
    },
}

COLLECTIONS = ("Bestsellers", "New arrivals", "Trade packs", "Clearance", "Eco line")
COLLECTIONS_DEPARTMENT = "Collections"

BRAND_STEMS = (
    "Kraft", "Nord", "Stahl", "Fix", "Titan", "Berg", "Alpen", "Rhein", "Hansa", "Meister",
    "Ferro", "Volt", "Aqua", "Secur", "Ortho", "Prima", "Delta", "Falk", "Greif", "Linde",
)
BRAND_ENDINGS = ("werk", "tec", "fix", "line", "tools", "pro", "max", "bau", "form", "tex", "on", "ar")
BRAND_FORMS = ("", " Industrial", " Professional", " Systems")
