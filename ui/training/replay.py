"""The Training page's replay: a stored model's learning, epoch by epoch, from its per-epoch snapshots."""

import numpy as np
import streamlit as st

from mnist_cnn.explain.feature_maps import compute_feature_maps, list_feature_layers
from mnist_cnn.explain.kernels import list_conv_layers, read_conv_weights, select_kernels
from mnist_cnn.plots.explorer import make_confusion_chart
from mnist_cnn.plots.network import make_feature_map_grid, make_kernel_grid
from mnist_cnn.plots.replay import make_replay_accuracy_chart
from mnist_cnn.store.model_store import StoredModel
from mnist_cnn.training.snapshots import SnapshotError, build_epoch_model, load_snapshots
from ui.display import show_figure
from ui.state import file_hash, get_store, hash_model_file, load_model_cached, test_set_or_message


@st.cache_resource(max_entries=4, show_spinner="Reading the snapshots…")
def load_snapshots_cached(snapshot_path: str, snapshot_hash: str):
    """A model's snapshots, read once per file content; never mutate what this returns."""
    return load_snapshots(snapshot_path)


@st.cache_resource(max_entries=16, show_spinner="Building the model of that epoch…")
def build_epoch_model_cached(model_path: str, model_hash: str, snapshot_path: str, snapshot_hash: str,
                             epoch: int):
    """The model as it was after one epoch, built once per model, snapshot file and epoch; never mutate it."""
    model = load_model_cached(model_path, model_hash)
    return build_epoch_model(model, load_snapshots_cached(snapshot_path, snapshot_hash), epoch)


def hash_snapshot_file(path) -> str:
    """A snapshot file's sha256, cached on its modification time and size."""
    status = path.stat()
    return hash_model_file(str(path), status.st_mtime_ns, status.st_size)


def choose_replay_image():
    """(image (28, 28) in [0, 1], caption): the current drawing, else the first test digit (None if neither)."""
    drawing = st.session_state.get("drawing_input")
    if drawing is not None:
        return np.asarray(drawing, dtype="float32").reshape(28, 28), "your drawing"
    x_test, _ = test_set_or_message()
    if x_test is None:
        return None, ""
    return x_test[0].astype("float32") / 255.0, "test digit #0 (draw a digit on the Draw page to see yours)"


def choose_epoch(name: str, epochs: list) -> int:
    """The replayed epoch: a slider over the snapshot epochs (the last one at first)."""
    if len(epochs) == 1:
        st.caption(f"One snapshot was kept: after epoch {epochs[0]}.")
        return epochs[0]
    return st.select_slider("Epoch", epochs, value=epochs[-1], key=f"training_replay_epoch_{name}",
                            help="The weights after this epoch: its kernels, feature maps, accuracy and mistakes.")


def show_epoch(model, history: dict, snapshots, epoch: int) -> None:
    """The replayed epoch's accuracy marker, confusion matrix, first-layer kernels and feature maps."""
    position = snapshots.position(epoch)
    accuracy = float(snapshots.accuracies[position])
    st.markdown(f"After epoch **{epoch}**: test accuracy **{accuracy:.2%}** on the first "
                f"{snapshots.test_digits:,} test digits.")
    left, right = st.columns(2)
    left.altair_chart(make_replay_accuracy_chart(history, snapshots.epochs, snapshots.accuracies, epoch),
                      width="stretch", alt=f"Line chart of accuracy per epoch, epoch {epoch} marked")
    with right:
        st.altair_chart(make_confusion_chart(snapshots.confusions[position], size=300),
                        alt=f"Confusion matrix after epoch {epoch}: true digit by predicted digit, counts written in")
    kernels_column, maps_column = st.columns(2)
    conv_layers = list_conv_layers(model)
    if conv_layers:
        weights = read_conv_weights(model, conv_layers[0].name)
        with kernels_column:
            show_figure(make_kernel_grid(select_kernels(weights.kernel, 0), f"{weights.name} kernels after epoch "
                                         f"{epoch}", annotate=weights.kernel.shape[-1] <= 16),
                        alt=f"The kernels of {weights.name} after epoch {epoch}, as small grids of weights")
    image, caption = choose_replay_image()
    layers = list_feature_layers(model)
    if image is not None and layers:
        maps = compute_feature_maps(model, image, [layers[0].output_layer])[layers[0].output_layer]
        with maps_column:
            show_figure(make_feature_map_grid(maps, f"{layers[0].name} feature maps"),
                        alt=f"The feature maps of {layers[0].name} after epoch {epoch}, one per channel")
            st.caption(f"Input: {caption}.")


def show_replay(stored: StoredModel, history: dict) -> None:
    """The replay of stored's learning, or one line on why there is none and how to get one."""
    snapshot_path = get_store().snapshot_path(stored.name)
    if not snapshot_path.exists():
        st.caption(f"**{stored.name}** has no per-epoch snapshots (it was uploaded, or trained before replays were "
                   "recorded). Train a model from the **Retrain** panel in the sidebar to replay its learning "
                   "epoch by epoch.")
        return
    try:
        snapshot_hash = hash_snapshot_file(snapshot_path)
        snapshots = load_snapshots_cached(str(snapshot_path), snapshot_hash)
        epoch = choose_epoch(stored.name, snapshots.epochs.tolist())
        model = build_epoch_model_cached(str(stored.model_path), file_hash(stored), str(snapshot_path),
                                         snapshot_hash, epoch)
    except (SnapshotError, OSError) as error:
        st.warning(f"The replay of **{stored.name}** is unavailable: {error}")
        return
    show_epoch(model, history, snapshots, epoch)
