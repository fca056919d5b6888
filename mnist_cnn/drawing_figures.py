"""Pictures for the Draw page: enlarged preprocessing steps and the saliency overlay (plain RGB arrays)."""

import cv2
import numpy as np
from matplotlib import colormaps

from mnist_cnn.images import fit_into_square

# Size in pixels of each preprocessing step as shown, and of the saliency overlay.
STEP_DISPLAY_SIZE = 112
OVERLAY_DISPLAY_SIZE = 224
# The colour map of the saliency heatmap, and how strongly it covers the digit where it is hottest.
HEATMAP_COLORMAP = "jet"
HEATMAP_OPACITY = 0.6


def make_step_gallery(steps: dict) -> list[tuple[str, np.ndarray]]:
    """(caption, enlarged image) for every preprocessing step, in order."""
    return [(name, fit_into_square(image, STEP_DISPLAY_SIZE)) for name, image in steps.items()]


def make_saliency_overlay(model_input: np.ndarray, heatmap: np.ndarray,
                          size: int = OVERLAY_DISPLAY_SIZE) -> np.ndarray:
    """(size, size, 3) uint8: the 28x28 digit in gray with the heatmap in colour on top, hot where it matters."""
    digit = np.clip(np.asarray(model_input, dtype=np.float32).reshape(28, 28), 0, 1)
    heat = np.clip(np.asarray(heatmap, dtype=np.float32).reshape(28, 28), 0, 1)
    digit = cv2.resize(digit, (size, size), interpolation=cv2.INTER_NEAREST)
    heat = cv2.resize(heat, (size, size), interpolation=cv2.INTER_LINEAR)
    colours = colormaps[HEATMAP_COLORMAP](heat)[:, :, :3].astype(np.float32)  # (size, size, 3)
    base = np.repeat(digit[:, :, np.newaxis] * 0.8, 3, axis=2)
    weight = (HEATMAP_OPACITY * heat)[:, :, np.newaxis]
    blended = base * (1.0 - weight) + colours * weight
    return np.clip(blended * 255.0, 0, 255).astype(np.uint8)


# Bar colours of the probability chart (the same as mnist_cnn.charts): the predicted digit, the others.
PREDICTION_COLOUR = "#e4572e"
OTHER_COLOUR = "#9aa5b1"


def make_probability_spec(probabilities: np.ndarray, height: int = 200) -> dict:
    """A Vega-Lite spec of the ten probabilities, the top one highlighted (built as a dict: no Altair cost).

    The probabilities are written into the spec as an expression over a generated 0..9 sequence, not as a
    table: Streamlit would convert a table to Arrow (pandas) on every stroke, several milliseconds each.
    """
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    if probabilities.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got shape {probabilities.shape}")
    top = int(probabilities.argmax())
    values = "[" + ",".join(f"{float(probability):.6g}" for probability in probabilities) + "]"
    encoding = {
        "x": {"field": "digit", "type": "nominal", "sort": None, "title": "digit", "axis": {"labelAngle": 0}},
        "y": {"field": "probability", "type": "quantitative", "scale": {"domain": [0, 1]},
              "title": "probability"},
    }
    return {
        "data": {"sequence": {"start": 0, "stop": 10, "as": "digit"}},
        "transform": [{"calculate": f"{values}[datum.digit]", "as": "probability"},
                      {"calculate": f"datum.digit === {top} ? 'prediction' : 'other'", "as": "role"}],
        "height": height,
        "layer": [
            {"mark": {"type": "bar"},
             "encoding": {**encoding,
                          "color": {"field": "role", "type": "nominal", "legend": None,
                                    "scale": {"domain": ["prediction", "other"],
                                              "range": [PREDICTION_COLOUR, OTHER_COLOUR]}},
                          "tooltip": [{"field": "digit", "type": "nominal"},
                                      {"field": "probability", "type": "quantitative", "format": ".2%"}]}},
            {"mark": {"type": "text", "dy": -6, "fontSize": 11},
             "encoding": {**encoding, "text": {"field": "probability", "type": "quantitative", "format": ".0%"},
                          "color": {"value": "#333"}}},
        ],
    }


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 gray (H, W) or RGB (H, W, 3) image (sent as they are: no re-encoding later)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 gray or RGB image, got {image.dtype} {image.shape}")
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("the image could not be encoded as PNG")
    return encoded.tobytes()
