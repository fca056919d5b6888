"""Take a model home (a zip of its .keras file and metadata) and bring your own: judged from its config first, then
tried in a separate, limited process, and stored under a reserved name if the store has room."""

import functools
import io
import json
import re
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np

from mnist_cnn import config
from mnist_cnn.evaluation.metrics import make_evaluation
from mnist_cnn.store.files import write_temporary
from mnist_cnn.store.model_store import ModelStore, StoredModel, build_metadata
from mnist_cnn.store.upload_config import ModelSize, ModelTooLargeError, judge_keras_file
from mnist_cnn.store.upload_errors import ModelExchangeError, UploadBusyError, UploadsDisabledError

# Uploaded models: at most this many bytes (the server's upload limit).
MAX_MODEL_BYTES = config.MAX_UPLOAD_BYTES
# The architecture name recorded for uploaded models.
UPLOADED_ARCHITECTURE = "uploaded"
# One upload is checked at a time in this server; a second one meanwhile is refused at once (not queued).
UPLOAD_LOCK = threading.Lock()

__all__ = ["ModelExchangeError", "UploadBusyError", "UploadsDisabledError", "export_model_zip", "import_model"]


def export_model_zip(stored: StoredModel) -> bytes:
    """A zip holding the stored model's NAME.keras and NAME.json, as bytes for a download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(stored.model_path, f"{stored.name}.keras")
        archive.writestr(f"{stored.name}.json", json.dumps(stored.metadata, indent=2))
    return buffer.getvalue()


def parse_version(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string: '3.12.1' -> (3, 12, 1), '3.13.0.dev2025' -> (3, 13, 0)."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
    return tuple(int(part) for part in match.groups() if part is not None) if match else (0,)


def find_keras_problem(version: str) -> str | None:
    """Why uploads are off with this Keras version (older than config.MIN_UPLOAD_KERAS_VERSION), or None."""
    if parse_version(version) >= parse_version(config.MIN_UPLOAD_KERAS_VERSION):
        return None
    return (f"Model uploads are off on this server: its Keras is {version}, older than "
            f"{config.MIN_UPLOAD_KERAS_VERSION}, which closes known ways for a model file to run code despite "
            "safe mode (CVE-2025-1550, CVE-2025-8747, CVE-2025-9906, CVE-2025-12058). Ask whoever runs the server "
            "to upgrade Keras.")


@functools.cache
def describe_uploads_off() -> str | None:
    """Why this server takes no model uploads (checked once), or None when it takes them."""
    import keras

    return find_keras_problem(keras.__version__)


def unpack_upload(data: bytes) -> bytes:
    """The .keras bytes of an upload: a .keras file itself, or the one inside a zip made by export_model_zip."""
    if len(data) > MAX_MODEL_BYTES:
        raise ModelExchangeError(f"The file has {len(data) / 2**20:.1f} MB; the limit is "
                                 f"{MAX_MODEL_BYTES / 2**20:.0f} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "config.json" in names:
            return data  # a .keras file
        inner = [name for name in names if name.endswith(".keras") and "/" not in name]
        if len(inner) != 1:
            raise ModelExchangeError("The zip holds no .keras model (or more than one).")
        if archive.getinfo(inner[0]).file_size > MAX_MODEL_BYTES:
            raise ModelExchangeError(f"The model inside the zip is larger than {MAX_MODEL_BYTES / 2**20:.0f} MB.")
        with archive.open(inner[0]) as member:
            keras_bytes = member.read(MAX_MODEL_BYTES + 1)  # bounded, whatever the header claims
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
        raise ModelExchangeError("This is not a Keras model: a .keras file is a zip archive, and this is "
                                 "not one (or it is damaged).") from None
    if len(keras_bytes) > MAX_MODEL_BYTES:
        raise ModelExchangeError(f"The model inside the zip is larger than {MAX_MODEL_BYTES / 2**20:.0f} MB.")
    return keras_bytes


# The time stamp ModelStore.new_name and reserve_name end a name with: -YYYYmmdd-HHMMSS, maybe -n.
STORE_TIME_STAMP = re.compile(r"-\d{8}-\d{6}(-\d+)?$")


def make_upload_stem(filename: str) -> str:
    """The store-name prefix for an uploaded file: 'uploaded-<its stem, letters, digits, - and _ only>'.

    A model downloaded from a store is named '<architecture>-<UTC time>[-n]': its time is dropped, so the stored
    name carries one time stamp (the upload's), not two.
    """
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(filename).stem).strip("-_")
    stem = STORE_TIME_STAMP.sub("", stem)[:40].strip("-_") or "model"
    return f"uploaded-{stem}"


def check_saved_model(path: Path) -> ModelSize:
    """Refuse the model file the checking process saved unless it is within MAX_STORED_MODEL_BYTES and still
    passes the judge (the process handled an untrusted file); its size."""
    try:
        size = path.stat().st_size
    except OSError:
        raise ModelExchangeError("Checking the model ended without saving it; it was refused.") from None
    if size > config.MAX_STORED_MODEL_BYTES:
        raise ModelTooLargeError(f"The model takes {size / 2**20:.1f} MB once saved; the limit is "
                                 f"{config.MAX_STORED_MODEL_BYTES / 2**20:.0f} MB.")
    return judge_keras_file(path.read_bytes())


def try_and_store(store: ModelStore, keras_bytes: bytes, filename: str, test_images: np.ndarray,
                  test_labels: np.ndarray) -> StoredModel:
    """Try the model in the checking process (which saves it again in a private folder), then copy what it saved
    into the store under a reserved name, with its evaluation; nothing is left behind if anything fails."""
    from mnist_cnn.jobs.upload_runner import run_upload_check
    from mnist_cnn.store.evaluation_file import keep_evaluation

    with tempfile.TemporaryDirectory(prefix="mnist-cnn-upload-") as folder:
        saved = Path(folder) / "checked.keras"
        evaluation = make_evaluation(run_upload_check(keras_bytes, test_images, saved), test_labels)
        size = check_saved_model(saved)
        store.check_room()  # again: a job may have finished meanwhile
        metadata = build_metadata(size.parameters, UPLOADED_ARCHITECTURE, {}, {}, [], 0.0, evaluation.mean_loss,
                                  evaluation.accuracy, uploaded_from=Path(filename).name[:100])
        store.directory.mkdir(parents=True, exist_ok=True)
        name = store.reserve_name(make_upload_stem(filename))
        try:
            finished = write_temporary(store.directory, ".keras", lambda temporary: shutil.copyfile(saved, temporary))
            stored = store.install(finished, metadata, name)
        except BaseException:
            store.paths(name)[1].unlink(missing_ok=True)  # the reservation (install removes its own file)
            raise
    try:
        keep_evaluation(stored.model_path, evaluation, stored.metadata["file_sha256"], test_images, test_labels)
    except OSError:
        pass  # only a cache: the Test-set explorer computes it again
    return stored


def import_model(store: ModelStore, data: bytes, filename: str, test_images: np.ndarray,
                 test_labels: np.ndarray) -> StoredModel:
    """Judge an uploaded model from its config, try it in a limited process, measure it on the test set and store
    it; ModelExchangeError (or the store's StoreFullError) with a clear message when it is refused."""
    problem = describe_uploads_off()
    if problem:
        raise UploadsDisabledError(problem)
    keras_bytes = unpack_upload(data)
    judge_keras_file(keras_bytes)
    if not UPLOAD_LOCK.acquire(blocking=False):
        raise UploadBusyError("Another model is being checked on this server; try again in a minute.")
    try:
        store.check_room()  # StoreFullError: the same message a training job gets
        return try_and_store(store, keras_bytes, filename, test_images, test_labels)
    finally:
        UPLOAD_LOCK.release()
