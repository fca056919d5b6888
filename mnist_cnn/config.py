"""Paths and limits of the app, in one place (environment variables override the paths)."""

import os
from pathlib import Path

# The project root: the folder that holds app.py, data/ and models/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The bundled MNIST file (Keras layout) and its expected sha256.
DATA_PATH = Path(os.environ.get("MNIST_CNN_DATA", PROJECT_ROOT / "data" / "mnist.npz"))
DATA_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"

# Real pen-drawn digits (UCI pendigits, 30 writers): the bundled copy, else the shared one beside the project.
PENDIGITS_PATHS = tuple(Path(path) for path in (
    os.environ.get("MNIST_CNN_PENDIGITS", PROJECT_ROOT / "data" / "pendigits-train.jsonl.gz"),
    PROJECT_ROOT.parent / "shared" / "data" / "pendigits" / "pendigits-train.jsonl.gz",
))

# Letters as stroke lists (public Hershey fonts) for non-digit drawings; see benchmarks/extract_letter_strokes.py.
LETTER_STROKES_PATH = PROJECT_ROOT / "data" / "letter-strokes.json.gz"

# Where stored models live; the bundled default is `<MODELS_DIR>/<DEFAULT_MODEL_NAME>.keras`.
MODELS_DIR = Path(os.environ.get("MNIST_CNN_MODELS", PROJECT_ROOT / "models"))
DEFAULT_MODEL_NAME = "default"

# Where the user's labelled drawings are kept (SQLite), created on first use.
USER_DATA_DIR = Path(os.environ.get("MNIST_CNN_USER_DATA", PROJECT_ROOT / "user_data"))

# Lessons that check answers (.yaml or .toml files): the shipped ones, and a teacher's folder of more (none if unset).
SHIPPED_LESSONS_DIR = PROJECT_ROOT / "mnist_cnn" / "lessons" / "library"
LESSONS_DIR = Path(os.environ["MNIST_CNN_LESSONS_DIR"]) if os.environ.get("MNIST_CNN_LESSONS_DIR") else None

# What the app reads: a square canvas of CANVAS_SIZE CSS pixels (the Draw page's, and every rendering of pen digits
# and non-digits made to look like it), classified into NUM_CLASSES digits.
CANVAS_SIZE = 300
DEFAULT_PEN_WIDTH = round(0.08 * CANVAS_SIZE)  # the pen a fresh Draw page starts with: 8% of the canvas
NUM_CLASSES = 10

# Bounds on what a training run may ask for (the Retrain panel, the CLI and fine-tuning check the same limits).
MAX_EPOCHS = 30                # a training run: at most this many epochs
MAX_TRAIN_SUBSET = 60_000      # at most the full training set
MIN_TRAIN_SUBSET = 500         # smaller subsets learn nothing worth showing
MAX_BATCH_SIZE = 1024
MAX_UPLOAD_BYTES = 5 * 1024 * 1024   # uploads larger than this are refused
MAX_UPLOAD_PIXELS = 25_000_000       # images whose header claims more pixels than this are refused
MAX_FULL_DECODE_PIXELS = 4_000_000   # larger uploads are decoded at reduced size (and in gray, except JPEG)
MAX_UPLOAD_SIDE = 1000               # decoded uploads are shrunk at once to at most this longest side

# Bounds on the labelled drawings ("My digits") kept on the server.
MAX_COLLECTION_DIGITS = 2_000  # drawings one collection may hold (checked on every save and import)
MAX_COLLECTIONS = 500          # collections one server may hold
MAX_FINETUNE_DIGITS = 1_000    # fine-tuning uses at most this many of a collection's newest drawings
MAX_DIGITS_UPLOAD_MB = 4       # the My digits .npz uploader's own size limit (2,000 digits are ~1.6 MB unpacked)
MAX_NON_DIGIT_FLAGS = 2_000    # "not a digit" flags (It got this wrong) the server keeps, everyone's together
MAX_CHALLENGE_ATTEMPTS = 5_000  # class-challenge attempts the server keeps, everyone's together
MAX_CLASS_VIEW_DRAWINGS = 20_000  # the class view reads at most this many drawings (collection by collection)

# Bounds on a training job started from the UI (with MAX_EPOCHS, MIN/MAX_TRAIN_SUBSET and MAX_BATCH_SIZE).
MIN_BATCH_SIZE = 8
MIN_LEARNING_RATE = 1e-5
MAX_LEARNING_RATE = 0.05
MAX_VALIDATION_SPLIT = 0.45   # at most this share of the training images is held out for validation
MAX_PEN_DIGIT_VARIANTS = 10    # each pen-drawn digit is added at most this many times
MAX_OUTLIER_COUNT = 100_000    # at most this many non-digit drawings are added
MAX_FINETUNE_EPOCHS = 10       # fine-tuning: at most this many epochs
MAX_FINETUNE_LEARNING_RATE = 0.01  # fine-tuning adjusts the weights: a lower ceiling than training's
MAX_USER_REPEATS = 500         # fine-tuning shows each of the user's drawings at most this many times
# Fine-tuning may lower MNIST test accuracy by at most this much (0.002 = 0.2 points). The fine-tuned weights are
# blended back towards the base model's until it holds; if even a small blend does not, nothing is kept.
MAX_MNIST_DROP = 0.002
MAX_JOB_SECONDS = 30 * 60      # a job still running after this long is cancelled
MAX_STORED_MODELS = 30         # a job may not start when the store holds this many trained models
# The job queue (mnist_cnn/jobs/board.py): at most JOB_SLOTS jobs run at once (per engine, across all replicas);
# further starts wait in the queue, at most MAX_QUEUED_JOBS_PER_SESSION of one browser tab queued or running.
JOB_SLOTS = max(1, int(os.environ.get("MNIST_CNN_JOB_SLOTS", "1")))
MAX_QUEUED_JOBS_PER_SESSION = 2
JOB_HEARTBEAT_SECONDS = 1.0    # a running job's server (or runner) writes a sign of life this often
JOB_STALE_SECONDS = 15         # a running job with no sign of life for this long is marked failed, its slot freed

# Per-epoch snapshots of a training run (the Training page's replay), kept next to the model in the store.
SNAPSHOT_TEST_DIGITS = 2_000   # each epoch is measured on this many test digits (the first ones: fixed)
MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024  # per model: every epoch of a MAX_EPOCHS run fits; more are thinned out

# Bounds on a model uploaded on the Training page, judged from its config.json before Keras builds anything. The six
# architectures need at most 232K parameters, 22M FLOPs and 50K numbers in a layer's output per image; each cap
# admits about four times that, and checking one upload on the 10,000 test digits stays within a minute or two.
MAX_UPLOAD_PARAMETERS = 1_000_000        # weights and statistics (4 MB in float32: about what a 5 MB upload holds)
MAX_UPLOAD_FLOPS = 100_000_000           # floating-point operations per image (a multiply-add counts two)
MAX_UPLOAD_ACTIVATION = 200_000          # numbers in the largest layer output (or the input), per image
MAX_UPLOAD_CONFIG_BYTES = 1024 * 1024    # the .keras's config.json (the six architectures' take about 15 KB)
MAX_UPLOAD_UNPACKED_BYTES = 32 * 1024 * 1024  # every member of the .keras unpacked (weights plus optimizer state)
MAX_STORED_MODEL_BYTES = 16 * 1024 * 1024     # the model file as stored (saved again without optimizer state)
# The process that loads, checks and evaluates an upload (one at a time per server, on idle CPU only): killed after
# MAX_UPLOAD_CHECK_SECONDS; it may grow by at most MAX_UPLOAD_CHECK_MEMORY_BYTES of address space beyond what
# TensorFlow takes when it starts (about 2.4 GB of address space, 0.9 GB resident).
MAX_UPLOAD_CHECK_SECONDS = 180
MAX_UPLOAD_CHECK_MEMORY_BYTES = 1536 * 1024 * 1024
UPLOAD_EVALUATION_BATCH_SIZE = 100       # test digits per forward pass while checking (bounds activation memory)
# Uploads are off where the installed Keras is older than this: 3.12.1 closes the known safe-mode bypasses
# (CVE-2025-1550, fixed in 3.9; CVE-2025-8747 and CVE-2025-9906, 3.11; CVE-2025-12058, 3.12).
MIN_UPLOAD_KERAS_VERSION = "3.12.1"

# Bounds on what one visitor can do to a shared class server (issue 27). Per-session limits count per browser tab;
# server-wide ones are shared by every session, so a script that opens many sessions cannot go past them.
MIN_TEACHER_PASSWORD_LENGTH = 8            # a shorter configured password keeps teacher mode locked for everyone
# After a wrong teacher password the next guess from ANY session waits: the first wait, doubled with each further
# wrong guess up to the longest, and back to the first after a right guess or a quiet period without wrong ones.
TEACHER_GUESS_FIRST_WAIT_SECONDS = 1.0
TEACHER_GUESS_LONGEST_WAIT_SECONDS = 30.0
TEACHER_GUESS_QUIET_SECONDS = 10 * 60
MAX_SAVES_PER_MINUTE = 30                  # drawings one session may save a minute (a student saves a few)
MAX_IMPORTS_PER_HOUR = 10                  # .npz imports one session may make an hour (each adds up to 2,000)
MAX_NEW_COLLECTIONS_PER_SESSION_HOUR = 3   # collections one session may create an hour
# Collections the whole server creates per window: a class creating theirs at once fits; a flood of sessions does
# not fill MAX_COLLECTIONS (it takes hours, and empty collections give their room back, below).
MAX_NEW_COLLECTIONS_PER_WINDOW = 40
NEW_COLLECTIONS_WINDOW_SECONDS = 10 * 60
EMPTY_COLLECTION_GRACE_SECONDS = 30 * 60   # at MAX_COLLECTIONS, an empty collection older than this gives its room
MAX_JOB_STARTS_PER_SESSION = 1             # jobs one session may start per window (an unlocked teacher: no limit)
JOB_START_WINDOW_SECONDS = 5 * 60
# Uploads Streamlit keeps in memory: per session, past these the session's oldest uploads are dropped (its newest
# is always kept); all sessions together, past the last a new upload is refused (HTTP 503).
MAX_UPLOADED_FILES_PER_SESSION = 8
MAX_UPLOADED_BYTES_PER_SESSION = 20 * 1024 * 1024
MAX_UPLOADED_BYTES_HELD = 200 * 1024 * 1024

# Bounds on a network built on the Build page (mnist_cnn/model/layer_spec.py): its layer list is untrusted input,
# checked where it is edited, where a job starts and again in the worker. The six architectures take at most 14 rows,
# 232K parameters and 22M FLOPs; the caps admit about twice that, so a built network trains within the job time limit.
MAX_BUILT_LAYERS = 24                  # rows in a built layer list (the output layer, dense 10, is added to them)
MAX_BUILT_PARAMETERS = 1_000_000       # weights and statistics of the whole network
MAX_BUILT_FLOPS = 50_000_000           # floating-point operations per image (a multiply-add counts two)
MAX_BUILT_ACTIVATION = 200_000         # numbers in any one layer's output, per image
MAX_BUILT_FILTERS = 256                # filters in one conv layer
MAX_BUILT_KERNEL = 7                   # a conv kernel's side
MAX_BUILT_STRIDE = 3                   # a conv's stride
MAX_BUILT_POOL = 4                     # a max pooling window's side
MAX_BUILT_UNITS = 1024                 # units in one dense layer
MAX_BUILT_DROPOUT = 0.9                # the highest dropout rate
