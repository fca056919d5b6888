"""Streamlit glue for uploaded pictures: each upload is decoded once, by its file id, and kept small."""

import numpy as np
import streamlit as st

from mnist_cnn.inputs.uploads import UploadError, decode_upload

# Session-state key of the last decoded upload: {"file_id", "image", "error"} (one per session).
DECODED_UPLOAD_KEY = "decoded_upload"


def decode_uploaded_file(upload) -> np.ndarray:
    """The upload's picture, at most config.MAX_UPLOAD_SIDE px; decoded once per file, not on every rerun.

    Raises UploadError (remembered too, so a bad file is not decoded again either).
    """
    cached = st.session_state.get(DECODED_UPLOAD_KEY)
    if cached is None or cached["file_id"] != upload.file_id:
        try:
            cached = {"file_id": upload.file_id, "image": decode_upload(upload.getvalue()), "error": None}
        except UploadError as error:
            cached = {"file_id": upload.file_id, "image": None, "error": str(error)}
        st.session_state[DECODED_UPLOAD_KEY] = cached
    if cached["error"] is not None:
        raise UploadError(cached["error"])
    return cached["image"]
