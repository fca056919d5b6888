"""Why an uploaded model was refused: ValueError subclasses whose message is shown to the student as it is."""


class ModelExchangeError(ValueError):
    """An uploaded file is not a usable model; the message says why."""


class UploadBusyError(ModelExchangeError):
    """Another uploaded model is being checked on this server: one at a time."""


class UploadsDisabledError(ModelExchangeError):
    """This server does not take model uploads (its Keras is too old to load untrusted files safely)."""
