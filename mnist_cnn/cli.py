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


def make_training_config(arguments: argparse.Namespace):
    """The TrainingConfig that the train command's arguments describe."""
    from mnist_cnn.training import TrainingConfig

    return TrainingConfig(architecture=arguments.arch, epochs=arguments.epochs,
                          batch_size=arguments.batch_size, learning_rate=arguments.learning_rate,
                          lr_schedule=arguments.lr_schedule, augment=arguments.augment,
                          validation_split=arguments.validation_split,
                          train_subset=arguments.subset, seed=arguments.seed,
                          pen_digit_variants=arguments.pen_digits, outlier_count=arguments.outliers)


def make_terminal_progress(settings, started: float):
    """A TrainingProgress that draws a bar per batch and prints one line per epoch."""
    from mnist_cnn.training import TrainingProgress

    def on_epoch(epoch, logs):
        print(f"\repoch {epoch}/{settings.epochs}: loss {logs['loss']:.4f} acc {logs['accuracy']:.4f} "
              f"val_loss {logs.get('val_loss', float('nan')):.4f} "
              f"val_acc {logs.get('val_accuracy', float('nan')):.4f} ({logs['seconds']:.0f}s)" + " " * 20,
              flush=True)

    return TrainingProgress(
        on_batch=lambda e, b, n, logs: print_progress_bar(e, settings.epochs, b, n, logs, started),
        on_epoch=on_epoch)


def describe_stages(earlier: dict, settings, seconds: float) -> list:
    """The training stages of a model: those of the model it continued (if any), then this run."""
    stages = earlier.get("stages") or ([{key: earlier.get(key) for key in
                                         ("trained_with", "hyperparameters", "training_seconds")}]
                                       if earlier else [])
    command = "python -m mnist_cnn " + " ".join(sys.argv[1:])
    return stages + [{"trained_with": command, "hyperparameters": settings.to_dict(),
                      "training_seconds": round(seconds, 1)}]


def run_train(arguments: argparse.Namespace) -> int:
    """Train (fresh, or continuing --init-from), evaluate on the full test set, and save to the store."""
    from mnist_cnn.data import load_mnist
    from mnist_cnn.evaluation import evaluate_model
    from mnist_cnn.store import ModelStore, build_metadata
    from mnist_cnn.training import train_model

    settings = make_training_config(arguments)
    store = ModelStore(arguments.models_dir)
    initial_model, earlier = None, {}
    if arguments.init_from:  # continue a stored model: it keeps its own architecture
        earlier = store.get(arguments.init_from).metadata
        initial_model = store.load(arguments.init_from)
        settings.architecture = earlier.get("architecture", settings.architecture)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    progress = make_terminal_progress(settings, time.perf_counter())
    result = train_model(x_train, y_train, settings, progress, initial_model=initial_model)
    evaluation = evaluate_model(result.model, x_test, y_test)
    print(f"test loss {evaluation.mean_loss:.4f}  test accuracy {evaluation.accuracy:.4f}")
    stages = describe_stages(earlier, settings, result.training_seconds)
    history = {key: earlier.get("history", {}).get(key, []) + values for key, values in result.history.items()}
    metadata = build_metadata(result.model, settings.architecture, settings.to_dict(), history,
                              earlier.get("epoch_seconds", []) + result.epoch_seconds, result.training_seconds,
                              evaluation.mean_loss, evaluation.accuracy, trained_with=stages[-1]["trained_with"],
                              stages=stages,
                              total_training_seconds=round(sum(s["training_seconds"] or 0 for s in stages), 1))
    stored = store.save(result.model, metadata, arguments.name or store.new_name(settings.architecture),
                        replace_default=arguments.replace_default)
    print(f"saved {stored.model_path} and {stored.metadata_path.name}")
    return 0


def run_evaluate(arguments: argparse.Namespace) -> int:
    """Print a stored model's (or a .keras file's) test loss and accuracy."""
    from pathlib import Path

    from mnist_cnn.data import load_mnist
    from mnist_cnn.evaluation import evaluate_model
    from mnist_cnn.store import ModelStore, load_keras_model

    target = arguments.model or config.DEFAULT_MODEL_NAME
    if target.endswith(".keras"):
        model = load_keras_model(Path(target))
    else:
        model = ModelStore(arguments.models_dir).load(target)
    _, (x_test, y_test) = load_mnist()
    started = time.perf_counter()
    evaluation = evaluate_model(model, x_test, y_test)
    print(f"model {target}: test loss {evaluation.mean_loss:.4f}, test accuracy {evaluation.accuracy:.4f} "
          f"({evaluation.error_count} errors of {len(y_test)}; {time.perf_counter() - started:.1f}s)")
    return 0


def run_list(arguments: argparse.Namespace) -> int:
    """Print the stored models, default first, and any problems found."""
    from mnist_cnn.store import ModelStore

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
    from mnist_cnn.architectures import ARCHITECTURES

    print("| architecture | parameters | description |\n|---|---:|---|")
    for name, architecture in ARCHITECTURES.items():
        print(f"| `{name}` | {architecture.build().count_params():,} | {architecture.description} |")
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser for the three commands."""
    from mnist_cnn.architectures import ARCHITECTURES

    parser = argparse.ArgumentParser(prog="python -m mnist_cnn", description=__doc__)
    parser.add_argument("--models-dir", default=None, help="model store folder (default: models/)")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train an architecture and save it to the store")
    train.add_argument("--arch", default="keras_example", choices=list(ARCHITECTURES))
    train.add_argument("--epochs", type=int, default=15)
    train.add_argument("--batch-size", type=int, default=128)
    train.add_argument("--learning-rate", type=float, default=1e-3)
    train.add_argument("--lr-schedule", choices=["constant", "cosine"], default="constant")
    train.add_argument("--augment", action="store_true", help="rotate, shift, zoom and thicken strokes")
    train.add_argument("--validation-split", type=float, default=0.1)
    train.add_argument("--subset", type=int, default=None, help="train on this many random images")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--pen-digits", type=int, default=0, metavar="N",
                       help="also train on the real pen-drawn digits of the trainable pendigits writers, each "
                            "drawn N times like a canvas drawing (random size, place and pen)")
    train.add_argument("--outliers", type=int, default=0, metavar="N",
                       help="also train on N drawings that are not digits (letters, scribbles, two digits), "
                            "taught to get even probabilities, so that 'not a digit' can be told")
    train.add_argument("--init-from", default=None, help="continue training this stored model")
    train.add_argument("--name", default=None, help="store name (default: architecture-time)")
    train.add_argument("--replace-default", action="store_true", help="allow --name default (maintainers)")
    train.set_defaults(handler=run_train)
    evaluate = commands.add_parser("evaluate", help="print a model's test loss and accuracy")
    evaluate.add_argument("model", nargs="?", help="a stored model name or a .keras path (default: default)")
    evaluate.set_defaults(handler=run_evaluate)
    listing = commands.add_parser("list", help="list the stored models")
    listing.set_defaults(handler=run_list)
    architectures = commands.add_parser("architectures", help="list the architectures (Markdown table)")
    architectures.set_defaults(handler=run_architectures)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run a command; errors become one clear line and exit code 2."""
    from mnist_cnn.data import DataError
    from mnist_cnn.store import ModelStoreError

    arguments = make_parser().parse_args(argv)
    try:
        return arguments.handler(arguments)
    except (DataError, ModelStoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
