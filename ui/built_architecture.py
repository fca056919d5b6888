"""The Retrain panel's built architecture: the layer list sent from the Build page (or the active model's)."""

import streamlit as st

from mnist_cnn.model.architectures import ARCHITECTURES
from mnist_cnn.model.built_network import BUILT_ARCHITECTURE
from mnist_cnn.model.layer_spec import SpecError, measure_spec, summarise_spec, validate_spec
from ui.state import active_stored_model


def read_built_spec() -> list | None:
    """The layer list this session sent to the Retrain panel, if any."""
    return st.session_state.get("built_spec")


def list_panel_architectures() -> list[str]:
    """The panel's architectures: the six presets, and "built" once a layer list was sent."""
    options = [*ARCHITECTURES, *([BUILT_ARCHITECTURE] if read_built_spec() else [])]
    if st.session_state.get("retrain_architecture") not in options:
        st.session_state["retrain_architecture"] = options[0] if "keras_example" not in options else "keras_example"
    return options


def count_built_parameters() -> dict:
    """{"built": its parameter count} when a layer list was sent, else {}."""
    spec = read_built_spec()
    return {BUILT_ARCHITECTURE: measure_spec(spec).parameters} if spec else {}


def describe_built() -> str:
    """The panel's words on the built network: what it is and where it came from."""
    return f"Your network from the Build page: {summarise_spec(read_built_spec())}."


def use_active_models_layers(spec: list) -> None:
    """Button callback: the active model's layer list becomes the panel's built architecture, and is chosen."""
    st.session_state["built_spec"] = spec
    st.session_state["retrain_architecture"] = BUILT_ARCHITECTURE


def offer_active_models_layers() -> None:
    """For a built active model: a button that trains its layer list again from scratch."""
    active = active_stored_model()
    spec = active.metadata.get("architecture_spec") if active is not None else None
    if spec is None or spec == read_built_spec():
        return
    try:
        spec = validate_spec(spec)
    except SpecError:
        return  # a damaged list: nothing to offer (the model itself still works on every page)
    st.button("Train the active model's network again", key="retrain_use_active_layers", icon=":material/replay:",
              on_click=use_active_models_layers, args=(spec,), width="stretch",
              help=f"{active.name} was built on the Build page; this trains its layers afresh as 'built'.")
