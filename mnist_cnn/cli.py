"""Command line: `python -m mnist_cnn train|evaluate|list|architectures` drives the same code as the app."""

import argparse
import sys
import time

from mnist_cnn import config


def print_progress_bar(epoch: int, epochs: int, batch: int, batches: int, logs: dict, started: float) -> None:
    """Draw a one-line terminal progress bar for the current epoch."""
    width = 30
    filled = int(width * batch / batches)
    elapsed = time.perf_counter() - started
    sys.stdout.write(f"\repoch {epoch}/{epochs} [{'#' * filled}{'.' * (width - filled)}] "
                     f"{batch}/{batches} loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0):.4f} "
                     f"{elapsed:5.0f}s")
    sys.stdout.flush()


def make_training_settings(arguments: argparse.Namespace):
    """The TrainingSettings that the train command's arguments describe; ValueError if one is out of bounds.

    The command line is where these settings enter, so they are validated here (train_and_save does not).
    """
    from mnist_cnn.training.settings import TrainingSettings, validate_settings

    settings = TrainingSettings(architecture=arguments.arch, epochs=arguments.epochs,
                                batch_size=arguments.batch_size, learning_rate=arguments.learning_rate,
                                lr_schedule=arguments.lr_schedule, augment=arguments.augment,
                                validation_split=arguments.validation_split,
                                train_subset=arguments.subset, seed=arguments.seed,
                                pen_digit_variants=arguments.pen_digits, outlier_count=arguments.outliers,
                                base_model=arguments.init_from)
    validate_settings(settings)
    return settings


def describe_command() -> str:
    """The command line that is running, as a stage records it."""
    return "python -m mnist_cnn " + " ".join(sys.argv[1:])


def make_terminal_progress(settings, started: float):
    """A TrainingProgress that draws a bar per batch and prints one line per epoch."""
    from mnist_cnn.training.fit import TrainingProgress

    def on_epoch(epoch, logs):
        print(f"\repoch {epoch}/{settings.epochs}: loss {logs['loss']:.4f} acc {logs['accuracy']:.4f} "
              f"val_loss {logs.get('val_loss', float('nan')):.4f} "
              f"val_acc {logs.get('val_accuracy', float('nan')):.4f} ({logs['seconds']:.0f}s)" + " " * 20,
              flush=True)

    return TrainingProgress(
        on_batch=lambda e, b, n, logs: print_progress_bar(e, settings.epochs, b, n, logs, started),
        on_epoch=on_epoch)


def run_train(arguments: argparse.Namespace) -> int:
    """Train (fresh, or continuing --init-from), evaluate on the full test set, and save: train_and_save."""
    from mnist_cnn.store.model_store import ModelStore
    from mnist_cnn.training.run import TrainingHooks, train_and_save

    settings = make_training_settings(arguments)
    hooks = TrainingHooks(progress=make_terminal_progress(settings, time.perf_counter()), name=arguments.name,
                          trained_with=describe_command(), replace_default=arguments.replace_default)
    stored = train_and_save(settings, ModelStore(arguments.models_dir), hooks=hooks)
    print(f"test loss {stored.metadata['test_loss']:.4f}  test accuracy {stored.metadata['test_accuracy']:.4f}")
    print(f"saved {stored.model_path} and {stored.metadata_path.name}")
    return 0


def run_blend(arguments: argparse.Namespace) -> int:
    """Save a model whose weights lie --share of the way from BASE's to TUNED's (as in WiSE-FT), evaluated."""
    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.evaluation.metrics import evaluate_model
    from mnist_cnn.store.model_store import ModelStore, build_metadata
    from mnist_cnn.training.finetune import blend_weights
    from mnist_cnn.training.lineage import build_lineage, make_stage
    from mnist_cnn.training.run import make_recorder

    if not 0 < arguments.share <= 1:
        raise ValueError("--share must be in (0, 1].")
    store = ModelStore(arguments.models_dir)
    base_metadata, tuned_metadata = store.get(arguments.base).metadata, store.get(arguments.tuned).metadata
    if base_metadata.get("architecture") != tuned_metadata.get("architecture"):
        raise ValueError("Only two models of the same architecture can be blended.")
    model = store.load(arguments.tuned)
    model.set_weights(blend_weights(store.load(arguments.base).get_weights(), model.get_weights(), arguments.share))
    _, (x_test, y_test) = load_mnist()
    evaluation = evaluate_model(model, x_test, y_test)
    print(f"test loss {evaluation.mean_loss:.4f}  test accuracy {evaluation.accuracy:.4f}")
    command = describe_command()
    blend = {"base": arguments.base, "tuned": arguments.tuned, "share": arguments.share}
    stage = make_stage("blended", command, {"blend": blend}, 0, 0.0, evaluation.accuracy)
    lineage = build_lineage(tuned_metadata, stage, {}, [])
    metadata = build_metadata(model, tuned_metadata["architecture"], tuned_metadata.get("hyperparameters", {}),
                              lineage.pop("history"), lineage.pop("epoch_seconds"), 0.0, evaluation.mean_loss,
                              evaluation.accuracy, trained_with=command, blend=blend, **lineage,
                              **{key: tuned_metadata[key] for key in ("architecture_spec",) if key in tuned_metadata})
    recorder = make_recorder(store, arguments.tuned, tuned_metadata, x_test, y_test)
    recorder.keep_final(model)  # TUNED's replay, ending on the blend's weights
    stored = store.save(model, metadata, arguments.name, replace_default=arguments.replace_default,
                        snapshots=recorder.to_arrays())
    print(f"saved {stored.model_path} and {stored.metadata_path.name}")
    return 0


def read_npz_pair(path: str, images_key: str, labels_key: str):
    """(uint8 images (n, 28, 28), labels (n,)) from an MNIST-layout .npz; ValueError with a clear message."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as archive:
            if images_key not in archive.files or labels_key not in archive.files:
                raise ValueError(f"{path} has no {images_key}/{labels_key} arrays (it has: "
                                 f"{', '.join(archive.files) or 'none'}).")
            images, labels = archive[images_key], archive[labels_key]
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} cannot be read as an .npz file: {error}") from error
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{path}: {images_key} must be uint8 of shape (n, 28, 28), not {images.dtype} "
                         f"{images.shape}.")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{path}: {labels_key} must be a vector of {len(images)} labels, not {labels.shape}.")
    if len(labels) == 0:
        raise ValueError(f"{path}: {images_key} is empty.")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: {labels_key} must be integers 0-9.")
    return images, labels.astype(np.int64)


def evaluate_personal(model, personal_path: str, x_test, y_test):
    """Loss and accuracy on (x_test, y_test) after instant adaptation to personal_path's x_train/y_train."""
    import numpy as np

    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.evaluation.metrics import Evaluation
    from mnist_cnn.my_digits.personalise import build_adapter, compute_reference, predict_personal

    personal_x, personal_y = read_npz_pair(personal_path, "x_train", "y_train")
    (mnist_x, mnist_y), _ = load_mnist()
    adapter = build_adapter(model, personal_x, personal_y, compute_reference(model, mnist_x, mnist_y))
    probabilities = predict_personal(model, adapter, x_test)  # (n, 10)
    losses = -np.log(np.clip(probabilities[np.arange(len(y_test)), y_test], 1e-7, 1.0))
    return Evaluation(y_test, probabilities, probabilities.argmax(axis=1), losses), adapter.size


def run_evaluate(arguments: argparse.Namespace) -> int:
    """Print a model's loss and accuracy on MNIST's test set or --data, optionally after --personal adaptation."""
    import json
    from pathlib import Path

    from mnist_cnn.data.mnist import compute_sha256, load_mnist
    from mnist_cnn.evaluation.metrics import evaluate_model
    from mnist_cnn.store.evaluation_file import keep_evaluation
    from mnist_cnn.store.model_store import ModelStore, load_keras_model

    if arguments.data:  # checked before the model is loaded, so a bad file fails at once
        x_test, y_test = read_npz_pair(arguments.data, "x_test", "y_test")
    else:
        _, (x_test, y_test) = load_mnist()
    target = arguments.model or config.DEFAULT_MODEL_NAME
    if target.endswith(".keras"):
        model = load_keras_model(Path(target))
    else:
        model = ModelStore(arguments.models_dir).load(target)
    started = time.perf_counter()
    personal_count = None
    if arguments.personal:
        evaluation, personal_count = evaluate_personal(model, arguments.personal, x_test, y_test)
    else:
        evaluation = evaluate_model(model, x_test, y_test)
    seconds = time.perf_counter() - started
    if not (arguments.data or arguments.personal or target.endswith(".keras")):
        model_path = ModelStore(arguments.models_dir).get(target).model_path
        path = keep_evaluation(model_path, evaluation, compute_sha256(model_path), x_test, y_test)
        print(f"kept the evaluation in {path}")
    adapted = f" adapted to {personal_count} drawings of {arguments.personal}" if arguments.personal else ""
    print(f"model {target}{adapted}: test loss {evaluation.mean_loss:.4f}, test accuracy {evaluation.accuracy:.4f} "
          f"({evaluation.error_count} errors of {len(y_test)}; {seconds:.1f}s)")
    if arguments.json:
        print(json.dumps({"model": target, "data": arguments.data or "mnist", "personal": arguments.personal,
                          "personal_count": personal_count, "accuracy": evaluation.accuracy,
                          "loss": evaluation.mean_loss, "count": int(len(y_test)),
                          "errors": evaluation.error_count, "seconds": round(seconds, 3)}))
    return 0


def run_list(arguments: argparse.Namespace) -> int:
    """Print the stored models, default first, and any problems found."""
    from mnist_cnn.store.model_store import ModelStore

    models, problems = ModelStore(arguments.models_dir).scan()
    for stored in models:
        meta = stored.metadata
        accuracy = meta.get("test_accuracy")
        print(f"{stored.name:40s} {meta.get('architecture', '?'):28s} "
              f"{'' if accuracy is None else f'{accuracy:.4f}':8s} {meta.get('parameter_count', '?'):>8} params"
              f"{'  (default)' if stored.is_default else ''}")
    for problem in problems:
        print(f"skipped {problem.name}: {problem.message}", file=sys.stderr)
    return 0


def run_architectures(arguments: argparse.Namespace) -> int:
    """Print every registered architecture with its parameter count and description."""
    from mnist_cnn.model.architectures import ARCHITECTURES

    print("| architecture | parameters | description |\n|---|---:|---|")
    for name, architecture in ARCHITECTURES.items():
        print(f"| `{name}` | {architecture.build().count_params():,} | {architecture.description} |")
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser for the three commands."""
    from mnist_cnn.model.architectures import ARCHITECTURES
    from mnist_cnn.training.settings import LR_SCHEDULES, TrainingSettings

    parser = argparse.ArgumentParser(prog="python -m mnist_cnn", description=__doc__)
    parser.add_argument("--models-dir", default=None, help="model store folder (default: models/)")
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = TrainingSettings()
    train = commands.add_parser("train", help="train an architecture and save it to the store")
    train.add_argument("--arch", default=defaults.architecture, choices=list(ARCHITECTURES))
    train.add_argument("--epochs", type=int, default=defaults.epochs, help=f"1 to {config.MAX_EPOCHS}")
    train.add_argument("--batch-size", type=int, default=defaults.batch_size,
                       help=f"{config.MIN_BATCH_SIZE} to {config.MAX_BATCH_SIZE}")
    train.add_argument("--learning-rate", type=float, default=defaults.learning_rate,
                       help=f"{config.MIN_LEARNING_RATE:g} to {config.MAX_LEARNING_RATE:g}")
    train.add_argument("--lr-schedule", choices=list(LR_SCHEDULES), default=defaults.lr_schedule)
    train.add_argument("--augment", action="store_true", default=defaults.augment,
                       help="rotate, shift, zoom and thicken strokes")
    train.add_argument("--validation-split", type=float, default=defaults.validation_split,
                       help=f"0 to {config.MAX_VALIDATION_SPLIT}")
    train.add_argument("--subset", type=int, default=defaults.train_subset, help="train on this many random images")
    train.add_argument("--seed", type=int, default=defaults.seed)
    train.add_argument("--pen-digits", type=int, default=defaults.pen_digit_variants, metavar="N",
                       help="also train on the real pen-drawn digits of the trainable pendigits writers, each "
                            "drawn N times like a canvas drawing (random size, place and pen)")
    train.add_argument("--outliers", type=int, default=defaults.outlier_count, metavar="N",
                       help="also train on N drawings that are not digits (letters, scribbles, two digits), "
                            "taught to get even probabilities, so that 'not a digit' can be told")
    train.add_argument("--init-from", default=None, help="continue training this stored model")
    train.add_argument("--name", default=None, help="store name (default: architecture-time)")
    train.add_argument("--replace-default", action="store_true", help="allow --name default (maintainers)")
    train.set_defaults(handler=run_train)
    blend = commands.add_parser("blend", help="save a weight-space blend of two stored models of one architecture")
    blend.add_argument("base", help="the model the blend starts from")
    blend.add_argument("tuned", help="the model it moves towards (its lineage is kept)")
    blend.add_argument("--share", type=float, required=True, help="how far towards TUNED, in (0, 1]")
    blend.add_argument("--name", required=True, help="store name of the result")
    blend.add_argument("--replace-default", action="store_true", help="allow --name default (maintainers)")
    blend.set_defaults(handler=run_blend)
    evaluate = commands.add_parser("evaluate", help="print a model's test loss and accuracy "
                                      "(and keep a stored model's evaluation beside it, for the app)")
    evaluate.add_argument("model", nargs="?", help="a stored model name or a .keras path (default: default)")
    evaluate.add_argument("--data", default=None, help="an MNIST-layout .npz: evaluate on its x_test/y_test "
                                                       "(uint8 28x28, model-input form) instead of MNIST's")
    evaluate.add_argument("--personal", default=None, help="an MNIST-layout .npz: adapt instantly to its "
                                                           "x_train/y_train (e.g. a My digits export) first")
    evaluate.add_argument("--json", action="store_true", help="also print one JSON object as the last line")
    evaluate.set_defaults(handler=run_evaluate)
    listing = commands.add_parser("list", help="list the stored models")
    listing.set_defaults(handler=run_list)
    architectures = commands.add_parser("architectures", help="list the architectures (Markdown table)")
    architectures.set_defaults(handler=run_architectures)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run a command; errors become one clear line and exit code 2."""
    from mnist_cnn.data.mnist import DataError
    from mnist_cnn.store.model_store import ModelStoreError

    arguments = make_parser().parse_args(argv)
    try:
        return arguments.handler(arguments)
    except (DataError, ModelStoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
