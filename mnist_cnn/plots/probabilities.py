"""The probability chart every page shows: ten HTML bars, the prediction (and the true digit) highlighted.

Light for a browser to redraw on every stroke.

A Vega-Lite chart of the same bars cost the browser about as much as the rest of a stroke's answer together
(measured with Chromium's Performance metrics); ten styled boxes cost next to nothing.
"""

import html

import numpy as np

from mnist_cnn.config import NUM_CLASSES

# Colours: the predicted digit, the true digit (when known and different), every other digit.
PREDICTION_COLOUR = "#e4572e"
TRUE_COLOUR = "#17becf"
OTHER_COLOUR = "#9aa5b1"


def check_probabilities(probabilities) -> np.ndarray:
    """The ten probabilities as floats (10,); ValueError for any other shape or for values outside [0, 1]."""
    values = np.asarray(probabilities, dtype=float).reshape(-1)
    if values.shape != (NUM_CLASSES,):
        raise ValueError(f"expected {NUM_CLASSES} probabilities, got shape {np.shape(probabilities)}")
    if not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1 + 1e-6:
        raise ValueError("probabilities must be finite numbers between 0 and 1")
    return values


def make_bar(digit: int, probability: float, colour: str, height: int, is_true: bool) -> str:
    """One column: the percentage, a bar of the probability's height, the digit (underlined if it is the true one)."""
    bar_height = max(1, round(probability * height))
    label_style = "font-weight:700;text-decoration:underline;" if is_true else ""
    return (f'<div title="{digit}: {probability:.2%}" style="flex:1;display:flex;flex-direction:column;'
            f'align-items:center;justify-content:flex-end;min-width:0">'
            f'<span style="font-size:11px;opacity:.8">{probability:.0%}</span>'
            f'<div style="width:70%;height:{bar_height}px;background:{colour};border-radius:2px 2px 0 0"></div>'
            f'<span style="font-size:13px;{label_style}">{digit}</span></div>')


def make_probability_bars(probabilities, true_digit: int | None = None, height: int = 150) -> str:
    """HTML of ten bars, the predicted digit in orange and the true digit (if given and different) in teal."""
    values = check_probabilities(probabilities)
    if true_digit is not None and not 0 <= int(true_digit) < NUM_CLASSES:
        raise ValueError(f"the true digit must be 0-9, not {true_digit!r}")
    top = int(values.argmax())
    bars = []
    for digit, probability in enumerate(values):
        is_true = true_digit is not None and digit == int(true_digit)
        colour = PREDICTION_COLOUR if digit == top else TRUE_COLOUR if is_true else OTHER_COLOUR
        bars.append(make_bar(digit, float(probability), colour, height, is_true))
    summary = html.escape(", ".join(f"{digit}: {probability:.0%}" for digit, probability in enumerate(values)))
    legend = "orange: the prediction" + (" · teal, underlined: the true digit" if true_digit is not None else "")
    return (f'<div role="img" aria-label="Probability of each digit: {summary}" '
            f'style="display:flex;align-items:flex-end;gap:2px;height:{height + 36}px">{"".join(bars)}</div>'
            f'<div style="font-size:11px;opacity:.7;margin-top:2px">Probability of each digit ({legend})</div>')
