"""Size ranges of the product families: label (English, German), attributes, price factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class Size(NamedTuple):
    """One size of a family: how it reads in names and what it adds to the attributes."""

    en: str
    de: str
    attributes: dict[str, Any]
    price_factor: float


THREADS = (3, 4, 5, 6, 8, 10, 12, 16, 20, 24)
LENGTHS = (6, 8, 10, 12, 16, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100, 120, 150, 200)
INCHES = ('1/4"', '3/8"', '1/2"', '3/4"', '1"', '1 1/4"', '1 1/2"', '2"')


def _same(label: str, attributes: dict[str, Any], factor: float) -> Size:
    return Size(label, label, attributes, factor)


def _thread_length() -> list[Size]:
    return [
        _same(f"M{d} x {length}", {"thread_size": f"M{d}", "length_mm": length},
              (d / 3) ** 2 * length / 10)
        for d in THREADS for length in LENGTHS if 2 * d <= length <= 10 * d
    ]


def _graded(values: tuple[Any, ...], unit: str, key: str, step: float = 0.15) -> list[Size]:
    return [
        _same(f"{value}{unit}", {key: value}, 1 + step * index) for index, value in enumerate(values)
    ]


def _cable() -> list[Size]:
    return [
        _same(f"{cores} mm², {length} m", {"conductors": cores, "length_m": length},
              length * float(cores.split("G")[0]) * float(cores.split("G")[1]) / 4)
        for cores in ("3G1.5", "3G2.5", "5G1.5", "5G2.5", "5G4", "5G6")
        for length in (10, 25, 50, 100)
    ]


def _tie() -> list[Size]:
    return [
        _same(f"{length} x {width} mm", {"length_mm": length, "width_mm": width}, length * width / 500)
        for length, width in ((100, 2.5), (140, 3.6), (200, 4.8), (300, 4.8), (370, 7.6), (540, 9))
    ]


def _breaker() -> list[Size]:
    return [
        Size(f"{curve}{amps} A, {poles}-pole", f"{curve}{amps} A, {poles}-polig",
             {"rated_current_a": amps, "trip_curve": curve, "poles": poles}, poles * (1 + amps / 40))
        for curve in ("B", "C") for amps in (6, 10, 13, 16, 20, 25, 32) for poles in (1, 3)
    ]


def _glove() -> list[Size]:
    return [Size(f"size {size}", f"Größe {size}", {"size": str(size)}, 1.0) for size in range(7, 12)]


def _shoe() -> list[Size]:
    return [Size(f"size {size}", f"Größe {size}", {"size": str(size)}, 1.0) for size in range(38, 48)]


def _clothing() -> list[Size]:
    return [Size(f"size {size}", f"Größe {size}", {"size": size}, 1.0)
            for size in ("S", "M", "L", "XL", "XXL", "3XL")]


def _lens() -> list[Size]:
    return [
        Size(f"{en} lens", f"Scheibe {de}", {"lens": en}, factor)
        for en, de, factor in (("clear", "klar", 1.0), ("tinted", "getönt", 1.1),
                               ("yellow", "gelb", 1.1), ("mirrored", "verspiegelt", 1.4))
    ]


def _inch() -> list[Size]:
    return [_same(label, {"thread_size": label}, 1 + 0.45 * index) for index, label in enumerate(INCHES)]


def _set() -> list[Size]:
    return [Size(f"{count}-piece", f"{count}-teilig", {"pieces": count}, count / 6)
            for count in (6, 9, 10, 12, 18)]


def _pliers() -> list[Size]:
    return _graded((160, 180, 200, 250), " mm", "length_mm")


def _volume() -> list[Size]:
    return _graded((290, 310, 500, 750), " ml", "volume_ml", 0.4)


SCHEMES: dict[str, Callable[[], list[Size]]] = {
    "thread_length": _thread_length,
    "thread": lambda: [_same(f"M{d}", {"thread_size": f"M{d}"}, (d / 3) ** 1.5) for d in THREADS],
    "plug": lambda: _graded((5, 6, 8, 10, 12, 14), " mm", "diameter_mm", 0.4),
    "wrench": lambda: _graded(tuple(range(6, 33)), " mm", "size_mm", 0.08),
    "torque": lambda: [_same(f"{low}-{high} Nm", {"torque_nm": f"{low}-{high}"}, 1 + high / 200)
                       for low, high in ((2, 25), (5, 60), (20, 100), (40, 200), (60, 340))],
    "bit": lambda: [_same(label, {"drive": label}, 1.0)
                    for label in ("PH1", "PH2", "PH3", "PZ1", "PZ2", "PZ3", "T20", "T25", "T30", "T40")],
    "set": _set,
    "pliers": _pliers,
    "tape": lambda: _graded((3, 5, 8, 10), " m", "length_m", 0.3),
    "level": lambda: _graded((40, 60, 80, 100, 120, 200), " cm", "length_cm", 0.3),
    "drill": lambda: _graded(tuple(x / 2 for x in range(2, 27)), " mm", "diameter_mm", 0.12),
    "disc": lambda: _graded((115, 125, 150, 180, 230), " mm", "diameter_mm", 0.35),
    "cable": _cable,
    "tie": _tie,
    "shrink": lambda: _graded((1.6, 2.4, 3.2, 4.8, 6.4, 9.5, 12.7), " mm", "diameter_mm", 0.2),
    "breaker": _breaker,
    "poles": lambda: [Size(f"{p}-conductor", f"{p}-Leiter", {"conductors": p}, p / 2) for p in (2, 3, 5)],
    "glove": _glove,
    "lens": _lens,
    "snr": lambda: _graded((33, 35, 37, 39), " dB SNR", "snr_db", 0.1),
    "shoe": _shoe,
    "clothing": _clothing,
    "pipe": lambda: _graded((12, 15, 18, 22, 28, 35, 42, 54), " mm", "diameter_mm", 0.4),
    "inch": _inch,
    "tape_ptfe": lambda: _graded(("12 m x 12 mm", "25 m x 19 mm"), "", "dimensions", 1.0),
    "oring": lambda: [_same(f"{inner} x {cross} mm", {"inner_diameter_mm": inner, "cross_section_mm": cross},
                            1 + inner / 20)
                      for inner in (6, 10, 16, 20, 25, 32, 40) for cross in (1.5, 2, 3)],
    "volume": _volume,
}


def sizes_of(scheme: str) -> list[Size]:
    """Return the sizes of a scheme, smallest (and cheapest) first."""
    return SCHEMES[scheme]()
