"""Quick doodles of everyday things (faces, houses, animals, objects), built from parts as stroke lists."""

import numpy as np

# Each kind is a function (rng) -> strokes in unit coordinates (y down); parts vary in size and place, and
# optional details come and go, so that no two doodles of a kind are the same.
PART_JITTER = 0.06  # how far a part's size and place wander, as a share of the drawing


def arc(centre, radii, start: float = 0.0, end: float = 360.0, points: int = 40) -> np.ndarray:
    """Points along an ellipse's arc from `start` to `end` degrees (0 = right, clockwise on screen)."""
    angles = np.radians(np.linspace(start, end, points))
    return np.stack([centre[0] + radii[0] * np.cos(angles), centre[1] + radii[1] * np.sin(angles)], axis=1)


def polyline(*points) -> np.ndarray:
    """A stroke through the given (x, y) points."""
    return np.asarray(points, dtype=np.float64)


def wander(rng: np.random.Generator, scale: float = PART_JITTER) -> float:
    """A small random change in a part's size or place."""
    return float(rng.uniform(-scale, scale))


def draw_face(rng):
    """A round face with two eyes, maybe a nose, and a mouth (smiling, flat or sad)."""
    face = arc((0.5, 0.5), (0.45 + wander(rng), 0.45 + wander(rng)))
    eye_y, eye_gap = 0.38 + wander(rng), 0.16 + wander(rng)
    eyes = [arc((0.5 + side * eye_gap, eye_y), (0.04, 0.05), points=12) for side in (-1, 1)]
    mood = rng.choice([1, 0, -1])
    mouth = (arc((0.5, 0.55), (0.22, 0.15 * mood), 20, 160, 20) if mood else polyline((0.33, 0.7), (0.67, 0.7)))
    nose = [polyline((0.5, 0.45), (0.47, 0.56), (0.52, 0.57))] if rng.random() < 0.5 else []
    return [face, *eyes, mouth, *nose]


def draw_house(rng):
    """A square house with a roof, a door and maybe a window."""
    top = 0.45 + wander(rng)
    walls = polyline((0.1, top), (0.1, 1), (0.9, 1), (0.9, top))
    roof = polyline((0.05, top + 0.02), (0.5, wander(rng)), (0.95, top + 0.02), (0.05, top + 0.02))
    door = polyline((0.42, 1), (0.42, 0.72), (0.58, 0.72), (0.58, 1))
    window = [polyline((0.65, 0.55), (0.8, 0.55), (0.8, 0.68), (0.65, 0.68), (0.65, 0.55))]
    return [walls, roof, door, *(window if rng.random() < 0.7 else [])]


def draw_cat(rng):
    """A cat's head: a round face, pointed ears, eyes and whiskers."""
    head = arc((0.5, 0.58), (0.4, 0.36 + wander(rng)), -60, 240)
    ears = [polyline((0.18, 0.36), (0.2 + wander(rng), 0.02), (0.4, 0.24)),
            polyline((0.6, 0.24), (0.8 + wander(rng), 0.02), (0.82, 0.36))]
    eyes = [arc((0.5 + side * 0.15, 0.52), (0.04, 0.05), points=10) for side in (-1, 1)]
    whiskers = [polyline((0.5 + side * 0.08, 0.68), (0.5 + side * 0.45, 0.62 + tilt))
                for side in (-1, 1) for tilt in (-0.06, 0.06)]
    return [head, *ears, *eyes, *whiskers]


def draw_fish(rng):
    """A fish: a lens-shaped body, a tail and an eye."""
    length = 0.7 + wander(rng)
    body_top = arc((0.4, 0.85), (length / 1.6, 0.6), 215, 325, 20)
    body_bottom = arc((0.4, 0.15), (length / 1.6, 0.6), 35, 145, 20)
    tail_x = float(body_top[-1, 0])
    tail = polyline((tail_x, 0.5), (1.0, 0.3 + wander(rng)), (1.0, 0.7 + wander(rng)), (tail_x, 0.5))
    eye = arc((0.2, 0.45), (0.03, 0.03), points=10)
    return [body_top, body_bottom, tail, eye]


def draw_sun(rng):
    """A sun: a circle with rays all round."""
    radius = 0.25 + wander(rng)
    rays = []
    for angle in np.radians(np.arange(0, 360, 360 / int(rng.integers(7, 12))) + rng.uniform(0, 30)):
        direction = np.array([np.cos(angle), np.sin(angle)])
        rays.append(np.stack([0.5 + direction * (radius + 0.07), 0.5 + direction * (radius + 0.22)]))
    return [arc((0.5, 0.5), (radius, radius)), *rays]


def draw_tree(rng):
    """A tree: a trunk under a round, bumpy crown."""
    bumps = int(rng.integers(5, 9))
    angles = np.linspace(0, 2 * np.pi, bumps * 12)
    radius = 0.3 * (1 + 0.12 * np.abs(np.sin(angles * bumps / 2)))
    crown = np.stack([0.5 + radius * np.cos(angles), 0.35 + radius * np.sin(angles)], axis=1)
    trunk = polyline((0.43, 0.64), (0.42, 1), (0.58, 1), (0.57, 0.64))
    return [crown, trunk]


def draw_cup(rng):
    """A cup: an open body, a handle, and maybe steam."""
    body = polyline((0.15, 0.3), (0.2, 0.95), (0.7, 0.95), (0.75, 0.3), (0.15, 0.3))
    handle = arc((0.76, 0.58), (0.16 + wander(rng), 0.14), -80, 80, 20)
    steam = [arc((0.35 + side * 0.15, 0.12), (0.04, 0.1), 90, 450, 30) for side in (0, 1)]
    return [body, handle, *(steam if rng.random() < 0.5 else [])]


def draw_apple(rng):
    """An apple: a round body with a dip at the top, a stem and a leaf."""
    angles = np.linspace(0, 2 * np.pi, 60)
    radius = 0.4 * (1 - 0.12 * np.exp(-((angles - 1.5 * np.pi) ** 2) / 0.1))
    body = np.stack([0.5 + radius * np.cos(angles), 0.58 + radius * np.sin(angles) * (1 + wander(rng))], axis=1)
    stem = polyline((0.5, 0.25), (0.52 + wander(rng), 0.05))
    leaf = [arc((0.65, 0.12), (0.12, 0.05), 0, 360, 20)] if rng.random() < 0.7 else []
    return [body, stem, *leaf]


def draw_mushroom(rng):
    """A mushroom: a domed cap with spots and a stem."""
    cap = np.vstack([arc((0.5, 0.5), (0.45, 0.4 + wander(rng)), 180, 360, 30), [[0.05, 0.5]]])
    stem = polyline((0.38, 0.5), (0.36, 0.95), (0.64, 0.95), (0.62, 0.5))
    spots = [arc((x, 0.3), (0.04, 0.04), points=10) for x in (0.35, 0.62) if rng.random() < 0.7]
    return [cap, stem, *spots]


def draw_key(rng):
    """A key: a round bow, a shaft and teeth."""
    bow = arc((0.2, 0.5), (0.15, 0.15 + wander(rng)))
    shaft = polyline((0.35, 0.5), (0.95, 0.5))
    teeth = [polyline((x, 0.5), (x, 0.62 + wander(rng))) for x in (0.75, 0.85, 0.93)[: int(rng.integers(2, 4))]]
    return [bow, shaft, *teeth]


def draw_car(rng):
    """A car: a body with a cabin and two wheels."""
    body = polyline((0.02, 0.7), (0.02, 0.5), (0.25, 0.48), (0.35, 0.28), (0.7, 0.28), (0.8, 0.48),
                    (0.98, 0.52), (0.98, 0.7), (0.02, 0.7))
    wheels = [arc((x, 0.75), (0.09, 0.09), points=20) for x in (0.25 + wander(rng), 0.75 + wander(rng))]
    return [body, *wheels]


def draw_flower(rng):
    """A flower: petals round a centre, on a stem with a leaf."""
    petals = int(rng.integers(5, 9))
    angles = np.linspace(0, 2 * np.pi, petals * 16)
    radius = 0.1 + 0.14 * np.abs(np.sin(angles * petals / 2))
    head = np.stack([0.5 + radius * np.cos(angles), 0.3 + radius * np.sin(angles)], axis=1)
    stem = polyline((0.5, 0.55), (0.48 + wander(rng), 1.0))
    leaf = arc((0.62, 0.78), (0.12, 0.05), 0, 360, 20)
    return [head, arc((0.5, 0.3), (0.07, 0.07), points=14), stem, leaf]


def draw_star(rng):
    """A five-pointed star in one stroke."""
    angles = np.pi / 2 + np.arange(6) * 4 * np.pi / 5 + wander(rng)
    return [np.stack([0.5 + 0.5 * np.cos(angles), 0.5 - 0.5 * np.sin(angles)], axis=1)]


def draw_umbrella(rng):
    """An umbrella: a canopy with a scalloped edge and a hooked handle."""
    canopy = arc((0.5, 0.45), (0.45, 0.35 + wander(rng)), 180, 360, 30)
    scallops = np.vstack([arc((0.5 + offset, 0.45), (0.15, 0.06), 180, 0, 10) for offset in (-0.3, 0.0, 0.3)])
    handle = np.vstack([polyline((0.5, 0.45), (0.5, 0.88)), arc((0.42, 0.88), (0.08, 0.08), 0, 180, 10)])
    return [canopy, scallops[::-1], handle]


def draw_glasses(rng):
    """A pair of glasses: two lenses and a bridge."""
    radius = 0.18 + wander(rng)
    return [arc((0.28, 0.5), (radius, radius)), arc((0.72, 0.5), (radius, radius)),
            polyline((0.28 + radius, 0.48), (0.5, 0.42), (0.72 - radius, 0.48))]


def draw_envelope(rng):
    """An envelope: a rectangle with its flap's V."""
    bottom = 0.75 + wander(rng)
    return [polyline((0, 0.2), (1, 0.2), (1, bottom), (0, bottom), (0, 0.2)),
            polyline((0, 0.2), (0.5, 0.55 + wander(rng)), (1, 0.2))]


def draw_stick_figure(rng):
    """A person as a stick figure: head, body, arms and legs."""
    spread = 0.25 + wander(rng)
    return [arc((0.5, 0.15), (0.13, 0.13)), polyline((0.5, 0.28), (0.5, 0.65)),
            polyline((0.5 - spread, 0.35 + wander(rng)), (0.5, 0.42), (0.5 + spread, 0.35 + wander(rng))),
            polyline((0.5 - spread, 1), (0.5, 0.65), (0.5 + spread, 1))]


def draw_boat(rng):
    """A sailing boat: a hull, a mast and a sail."""
    hull = polyline((0, 0.7), (0.2, 0.92), (0.8, 0.92), (1, 0.7), (0, 0.7))
    mast = polyline((0.5, 0.7), (0.5, 0.02))
    sail = polyline((0.5, 0.05), (0.5 + 0.35 + wander(rng), 0.62), (0.5, 0.62))
    return [hull, mast, sail]


def draw_lightning(rng):
    """A lightning bolt's zigzag outline."""
    shift = wander(rng)
    return [polyline((0.55, 0), (0.25, 0.5 + shift), (0.5, 0.5 + shift), (0.35, 1), (0.8, 0.4 + shift),
                     (0.55, 0.4 + shift), (0.75, 0), (0.55, 0))]


# The doodle kinds, by name. Those in HELD_OUT_DOODLES are never trained on (outliers.py keeps them for
# measurement only); the others may be, beside part_doodles' doodles of no named kind.
DOODLES = {"face": draw_face, "house": draw_house, "cat": draw_cat, "fish": draw_fish, "sun": draw_sun,
           "tree": draw_tree, "cup": draw_cup, "apple": draw_apple, "mushroom": draw_mushroom, "key": draw_key,
           "car": draw_car, "flower": draw_flower, "star": draw_star, "umbrella": draw_umbrella,
           "glasses": draw_glasses, "envelope": draw_envelope, "stick figure": draw_stick_figure,
           "boat": draw_boat, "lightning": draw_lightning}

HELD_OUT_DOODLES = ("sun", "apple", "key", "star", "umbrella", "glasses", "boat", "lightning")


def make_doodle(name: str, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of one doodle of a named kind, in unit coordinates (y down)."""
    if name not in DOODLES:
        raise ValueError(f"Unknown doodle {name!r}; choose one of {', '.join(DOODLES)}.")
    return DOODLES[name](rng)
