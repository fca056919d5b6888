"""Doodles built from parts: every outline closes, every doodle has an outline and at least two more parts."""

import numpy as np
import pytest

from mnist_cnn.data import part_doodles


@pytest.mark.parametrize("name", part_doodles.OUTLINES)
def test_every_outline_is_closed(name):
    outline = part_doodles.make_outline(name, np.random.default_rng(0))
    assert outline.ndim == 2 and outline.shape[1] == 2 and len(outline) >= 4
    assert np.linalg.norm(outline[0] - outline[-1]) < 1e-6 or name == "ellipse"
    if name == "ellipse":  # an arc of 360 degrees from a random start
        assert np.linalg.norm(outline[0] - outline[-1]) < 1e-3


def test_unknown_outlines_are_refused():
    with pytest.raises(ValueError, match="Unknown outline"):
        part_doodles.make_outline("cloud", np.random.default_rng(0))


def is_closed(stroke: np.ndarray) -> bool:
    """Whether a stroke ends where it starts."""
    return len(stroke) > 3 and np.linalg.norm(stroke[0] - stroke[-1]) < 1e-3


@pytest.mark.parametrize("seed", range(200))
def test_a_doodle_is_never_a_loop_with_at_most_one_line_and_specks(seed):
    strokes = part_doodles.make_part_doodle(np.random.default_rng(seed))
    lines = [stroke for stroke in strokes[1:] if np.ptp(stroke, axis=0).max() > part_doodles.DOT_SIZE]
    outlines = [stroke for stroke in strokes if is_closed(stroke)]
    assert len(lines) >= 2 or len(outlines) >= 3  # beside the outline, two strokes that are not dots (or a group)
    assert all(stroke.ndim == 2 and stroke.shape[1] == 2 and len(stroke) >= 2 for stroke in strokes)
    assert all(np.isfinite(stroke).all() for stroke in strokes)


def test_groups_keep_their_shapes_apart():
    rng = np.random.default_rng(5)
    for _ in range(20):
        strokes = part_doodles.make_group(rng)
        outlines = [stroke for stroke in strokes if is_closed(stroke)]
        centres = np.array([(stroke.min(axis=0) + stroke.max(axis=0)) / 2 for stroke in outlines])
        distances = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(len(centres)) * 9
        assert len(outlines) >= 3 and distances.min() > 0.15


def test_doodles_vary_with_the_seed():
    first, second = (part_doodles.make_part_doodle(np.random.default_rng(seed)) for seed in (0, 1))
    assert len(first) != len(second) or not all(a.shape == b.shape and np.allclose(a, b)
                                                for a, b in zip(first, second))


def test_groups_are_placed_whatever_the_seed():
    """Placing a group's shapes apart always ends (a crowded square gets fewer shapes, never fewer than three)."""
    rng = np.random.default_rng(11)
    for _ in range(1500):
        assert sum(is_closed(stroke) for stroke in part_doodles.make_group(rng)) >= 3


def test_dots_do_not_count_as_lines():
    dot = np.array([[0.5, 0.5], [0.501, 0.502]])
    line = np.array([[0.1, 0.1], [0.3, 0.4]])
    assert part_doodles.count_lines([dot, line, dot]) == 1
