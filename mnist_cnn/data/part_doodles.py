"""Doodles of no named kind, put together from random parts: an outline with details inside and things sticking out.

They teach "not a digit" the look of drawings in general (a closed outline with inner details, rays, stems,
legs, handles, groups of small shapes) rather than a list of named things, so that the verdict carries over
to doodles of kinds nobody listed. Every doodle has an outline and at least two more strokes that are not dots:
a loop with one line through it is a slashed zero, and a loop with one tail is a 6 or a 9 (with or without a
speck beside it), so those are never made.
"""

import numpy as np

from mnist_cnn.data.doodles import arc, polyline

# How many parts a doodle has besides its outline (details inside it, parts sticking out of it), and how many
# strokes they make at least.
INNER_PARTS = (0, 5)
OUTER_PARTS = (0, 6)
MIN_EXTRA_STROKES = 2
DOT_SIZE = 0.02  # a stroke no longer than this (unit coordinates) is a dot and does not count
# Share of doodles that are a group of 3 to 5 small closed shapes instead of one outline with parts.
GROUP_SHARE = 0.2
# How far apart a group's shapes are (unit coordinates), and how many random places are tried for them.
GROUP_SPACING = 0.3
GROUP_PLACING_TRIES = 500
OUTLINES = ("ellipse", "blob", "rectangle", "triangle", "polygon", "dome")


def make_outline(name: str, rng: np.random.Generator, centre=(0.5, 0.5), size: float = 0.4) -> np.ndarray:
    """A closed outline of a named sort around `centre`, about `size` in radius (unit coordinates)."""
    width, height = size * rng.uniform(0.6, 1.3), size * rng.uniform(0.6, 1.3)
    if name == "ellipse":
        start = float(rng.uniform(0, 360))
        return arc(centre, (width, height), start, start + 360, 48)
    if name == "blob":
        angles = np.linspace(0, 2 * np.pi, 72)
        bumps = sum(rng.uniform(-0.15, 0.15) * np.sin(angles * lobe + rng.uniform(0, 6)) for lobe in (2, 3, 5))
        radius = 1 + bumps
        return np.stack([centre[0] + width * radius * np.cos(angles), centre[1] + height * radius * np.sin(angles)],
                        axis=1)
    if name == "rectangle":
        left, top, right, bottom = centre[0] - width, centre[1] - height, centre[0] + width, centre[1] + height
        return polyline((left, top), (right, top), (right, bottom), (left, bottom), (left, top))
    if name in ("triangle", "polygon"):
        corners = 3 if name == "triangle" else int(rng.integers(5, 9))
        angles = np.sort(rng.uniform(0, 2 * np.pi / corners, corners) + np.arange(corners) * 2 * np.pi / corners)
        points = np.stack([centre[0] + width * np.cos(angles), centre[1] + height * np.sin(angles)], axis=1)
        return np.vstack([points, points[:1]])
    if name == "dome":
        top = arc(centre, (width, height), 180, 360, 30)
        return np.vstack([top, top[:1]])
    raise ValueError(f"Unknown outline {name!r}; choose one of {', '.join(OUTLINES)}.")


def make_inner_part(rng: np.random.Generator, centre, size: float) -> list[np.ndarray]:
    """One detail inside an outline: a dot, a small ring, a short line, an arc, a zigzag or a few hatches."""
    place = np.asarray(centre) + rng.uniform(-0.55, 0.55, size=2) * size
    small = size * rng.uniform(0.08, 0.25)
    sort = rng.integers(6)
    if sort == 0:
        return [place[None, :] + rng.normal(0, 0.003, size=(2, 2))]
    if sort == 1:
        return [arc(place, (small, small * rng.uniform(0.6, 1.4)), points=16)]
    if sort == 2:
        angle = rng.uniform(0, np.pi)
        step = np.array([np.cos(angle), np.sin(angle)]) * small
        return [np.stack([place - step, place + step])]
    if sort == 3:
        start = float(rng.uniform(0, 360))
        return [arc(place, (small * 1.5, small), start, start + float(rng.uniform(90, 200)), 16)]
    if sort == 4:
        count = int(rng.integers(3, 6))
        along = np.linspace(-small * 1.5, small * 1.5, count)
        return [np.stack([place[0] + along, place[1] + (np.arange(count) % 2 - 0.5) * small], axis=1)]
    return [np.stack([place + [offset, -small], place + [offset + small * 0.6, small]])
            for offset in np.linspace(-small, small, int(rng.integers(2, 5)))]


def make_outer_part(rng: np.random.Generator, centre, size: float) -> list[np.ndarray]:
    """One part sticking out of an outline: a ray or leg, a stem with a leaf, a handle loop, an ear or a fork."""
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    root = np.asarray(centre) + direction * size
    length = size * rng.uniform(0.3, 0.9)
    tip = root + direction * length
    sort = rng.integers(5)
    if sort == 0:
        return [np.stack([root, tip])]
    if sort == 1:
        leaf = arc(tip + direction * length * 0.3, (length * 0.35, length * 0.15), points=16)
        return [np.stack([root, tip]), leaf]
    if sort == 2:
        side = np.array([-direction[1], direction[0]]) * length * 0.5
        return [np.stack([root + side, tip, root - side])]
    if sort == 3:
        middle = root + direction * length * 0.5
        start = np.degrees(angle) + 90
        return [arc(middle, (length * 0.5, length * 0.5), start, start + 180, 16)]
    side = np.array([-direction[1], direction[0]]) * length * 0.4
    return [np.stack([root, tip]), np.stack([tip, tip + direction * length * 0.4 + side]),
            np.stack([tip, tip + direction * length * 0.4 - side])]


def make_group(rng: np.random.Generator) -> list[np.ndarray]:
    """Three to five small closed shapes side by side (wheels, eyes, balloons), sometimes joined by a line.

    Never two: two loops one above the other are an 8.
    """
    count = int(rng.integers(3, 6))
    centres = rng.uniform(0.15, 0.85, size=(1, 2))
    for _ in range(GROUP_PLACING_TRIES):  # apart, so that no shape hides another (fewer if there is no room)
        place = rng.uniform(0.15, 0.85, size=(1, 2))
        if np.linalg.norm(centres - place, axis=1).min() > GROUP_SPACING:
            centres = np.vstack([centres, place])
        if len(centres) == count:
            break
    strokes = [make_outline(OUTLINES[int(rng.integers(len(OUTLINES)))], rng, tuple(place), 0.12)
               for place in centres]
    if rng.random() < 0.5:
        strokes.append(polyline(*centres[np.argsort(centres[:, 0])]))
    return strokes


def count_lines(strokes: list[np.ndarray]) -> int:
    """How many of the strokes are more than a dot (a dot beside a 0 or a 6 leaves it a digit)."""
    return sum(float(np.ptp(stroke, axis=0).max()) > DOT_SIZE for stroke in strokes)


def make_part_doodle(rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of one doodle built from random parts, in unit coordinates (y down)."""
    if rng.random() < GROUP_SHARE:
        return make_group(rng)
    centre, size = (0.5, 0.5), 0.35
    strokes = [make_outline(OUTLINES[int(rng.integers(len(OUTLINES)))], rng, centre, size)]
    inner = int(rng.integers(INNER_PARTS[0], INNER_PARTS[1] + 1))
    outer = int(rng.integers(OUTER_PARTS[0], OUTER_PARTS[1] + 1))
    for _ in range(inner):
        strokes.extend(make_inner_part(rng, centre, size))
    for _ in range(outer):
        strokes.extend(make_outer_part(rng, centre, size))
    while count_lines(strokes[1:]) < MIN_EXTRA_STROKES:  # a stem with its leaf is two strokes: an apple
        strokes.extend(make_outer_part(rng, centre, size) if rng.random() < 0.5 else make_inner_part(rng, centre, size))
    return strokes
