"""The How-it-decided page's maps: computed once per model file, digit, class and weights, then read from the cache."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn.explain.attribution import METHODS, Attribution, compute_attributions
from mnist_cnn.explain.sanity import RANK_CORRELATION_THRESHOLD, compare_attributions, get_randomised_model
from mnist_cnn.store.model_store import StoredModel
from ui.state import file_hash, load_model_cached

# What each method measures, by name (mnist_cnn.explain.attribution.METHODS), for the line under the maps.
MEASURES = {method.name: method.measures for method in METHODS}


@st.cache_data(max_entries=32, show_spinner="Computing the five maps…")
def compute_attributions_cached(model_path: str, model_hash: str, image: np.ndarray, class_index: int,
                                randomised: bool) -> list[Attribution]:
    """Every method's map for the model file (or its randomised copy), kept with the time it took then."""
    model = load_model_cached(model_path, model_hash)
    return compute_attributions(get_randomised_model(model) if randomised else model, image, class_index)


def read_attributions(stored: StoredModel, image: np.ndarray, class_index: int, randomised: bool = False):
    """The cached maps of the stored model (or its randomised copy) for one digit and class."""
    return compute_attributions_cached(str(stored.model_path), file_hash(stored), image, int(class_index),
                                       randomised)


def describe_cost(attribution: Attribution) -> str:
    """'170 forward and 0 backward passes, 58 ms' (or why the method does not apply)."""
    if attribution.values is None:
        return f"not available: {attribution.note}"
    return (f"{attribution.forward_passes} forward and {attribution.backward_passes} backward "
            f"pass{'' if attribution.backward_passes == 1 else 'es'}, {attribution.milliseconds:.0f} ms")


def show_method_lines(attributions: list[Attribution]) -> None:
    """One line per method: what it measures, and what it cost (computed when the map was made)."""
    st.markdown("\n".join(f"- **{attribution.method}**: {MEASURES.get(attribution.method, '')} "
                          f"*Cost: {describe_cost(attribution)}.*" for attribution in attributions))


def show_sanity_verdict(trained: list[Attribution], randomised: list[Attribution]) -> None:
    """The sanity check's table (rank correlation, SSIM, changed or not) and one sentence on what it means."""
    results = compare_attributions(trained, randomised)
    st.dataframe(pd.DataFrame({
        "Method": [result.method for result in results],
        "Rank correlation": [round(result.rank_correlation, 2) for result in results],
        "SSIM": [round(result.ssim, 2) for result in results],
        "With random weights": ["changed" if result.changed else "barely changed" for result in results],
    }), hide_index=True, width="content")
    changed = [result.method for result in results if result.changed]
    kept = [result.method for result in results if not result.changed]
    st.markdown(f"**Changed with random weights:** {', '.join(changed) or 'none'}. "
                f"**Barely changed:** {', '.join(kept) or 'none'}.")
    st.caption(f"Both rows show the same architecture; the second has every weight drawn afresh (a fixed seed), "
               f"the model itself untouched. A map counts as changed when the rank correlation of its magnitudes "
               f"with the trained map (all 784 pixels, Spearman) is below {RANK_CORRELATION_THRESHOLD}; SSIM "
               f"compares their structure (1 = identical). A map that barely changes cannot be explaining what "
               f"the network learned: it mostly shows where the ink is (Adebayo et al., 'Sanity Checks for "
               f"Saliency Maps', 2018).")
