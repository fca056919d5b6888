"""The probability chart every page shows: ten bars, the predicted digit (and the true one, if known) highlighted."""

import numpy as np

# Bar colours: the predicted digit, the true digit (when it is known and not the prediction), the others.
PREDICTION_COLOUR = "#e4572e"
TRUE_DIGIT_COLOUR = "#17becf"
OTHER_COLOUR = "#9aa5b1"


def make_probability_spec(probabilities: np.ndarray, true_digit: int | None = None, height: int = 200) -> dict:
    """A Vega-Lite spec of the ten probabilities, the top one highlighted (built as a dict: no Altair cost).

    The probabilities are written into the spec as an expression over a generated 0..9 sequence, not as a
    table: Streamlit would convert a table to Arrow (pandas) on every stroke, several milliseconds each.
    """
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    if probabilities.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got shape {probabilities.shape}")
    top = int(probabilities.argmax())
    true = -1 if true_digit is None else int(true_digit)
    values = "[" + ",".join(f"{float(probability):.6g}" for probability in probabilities) + "]"
    role = f"datum.digit === {top} ? 'prediction' : (datum.digit === {true} ? 'true digit' : 'other')"
    encoding = {
        "x": {"field": "digit", "type": "nominal", "sort": None, "title": "digit", "axis": {"labelAngle": 0}},
        "y": {"field": "probability", "type": "quantitative", "scale": {"domain": [0, 1]},
              "title": "probability"},
    }
    return {
        "data": {"sequence": {"start": 0, "stop": 10, "as": "digit"}},
        "transform": [{"calculate": f"{values}[datum.digit]", "as": "probability"},
                      {"calculate": role, "as": "role"}],
        "height": height,
        "layer": [
            {"mark": {"type": "bar"},
             "encoding": {**encoding,
                          "color": {"field": "role", "type": "nominal", "legend": None,
                                    "scale": {"domain": ["prediction", "true digit", "other"],
                                              "range": [PREDICTION_COLOUR, TRUE_DIGIT_COLOUR, OTHER_COLOUR]}},
                          "tooltip": [{"field": "digit", "type": "nominal"},
                                      {"field": "probability", "type": "quantitative", "format": ".2%"}]}},
            {"mark": {"type": "text", "dy": -6, "fontSize": 11},
             "encoding": {**encoding, "text": {"field": "probability", "type": "quantitative", "format": ".0%"},
                          "color": {"value": "#333"}}},
        ],
    }
