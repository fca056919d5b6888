"""The fine-tuning work of a background job: MNIST plus the user's drawings, with a guard on MNIST accuracy."""

from pathlib import Path

# Fine-tuning may lower MNIST test accuracy by at most this much (0.002 = 0.2 points). The fine-tuned weights are
# blended back towards the base model's until it holds; if even a small blend does not, nothing is kept.
MAX_MNIST_DROP = 0.002


def make_finetune_settings(**overrides):
    """The Retrain panel's fine-tuning settings (FineTuneConfig's defaults, with the MNIST guard), with overrides."""
    from mnist_cnn.finetune import FineTuneConfig

    return FineTuneConfig(**{"max_mnist_drop": MAX_MNIST_DROP, **overrides})


def make_finetune_config(spec):
    """The FineTuneConfig of a job spec (its epochs, batch size, rate, augmentation, seed and options)."""
    from mnist_cnn.finetune import FineTuneConfig

    options = {key: spec.options[key] for key in ("user_repeats", "mnist_images", "holdout_fraction")
               if key in spec.options}
    return FineTuneConfig(epochs=spec.epochs, batch_size=spec.batch_size, learning_rate=spec.learning_rate,
                          augment=spec.augment, seed=spec.seed, max_mnist_drop=MAX_MNIST_DROP, **options)


def read_user_digits(options: dict):
    """(images, labels) to fine-tune on: the newest MAX_FINETUNE_DIGITS drawings of the job's collection."""
    from mnist_cnn import config
    from mnist_cnn.user_digits import DEFAULT_COLLECTION, UserDigitStore

    return UserDigitStore(Path(options["user_digits_path"])).to_arrays(
        collection=options.get("collection", DEFAULT_COLLECTION), limit=config.MAX_FINETUNE_DIGITS)


def run_finetune_work(spec, store, reporter) -> dict:
    """Fine-tune spec.base_model_name on MNIST + the drawings in spec.options['user_digits_path']; save it."""
    reporter.phase("loading data")
    from mnist_cnn.data import load_mnist
    from mnist_cnn.finetune import finetune_model
    from mnist_cnn.store import build_metadata

    if not spec.base_model_name:
        raise ValueError("Fine-tuning needs a model to start from.")
    mnist_train, mnist_test = load_mnist()
    collection = spec.options.get("collection", "default")
    user_digits = read_user_digits(spec.options)
    base = store.get(spec.base_model_name)
    architecture = base.metadata.get("architecture", spec.architecture)
    settings = make_finetune_config(spec)
    reporter.phase("training")
    result = finetune_model(store.load(spec.base_model_name), architecture, mnist_train, mnist_test, user_digits,
                            settings, reporter.training_progress(), reporter.cancel_event)
    before, after = result.before, result.after
    drop = before["mnist_test_accuracy"] - after["mnist_test_accuracy"]
    if drop > MAX_MNIST_DROP:
        raise ValueError(f"Fine-tuning lowered MNIST test accuracy by {100 * drop:.2f} points (the limit is "
                         f"{100 * MAX_MNIST_DROP:.1f}); nothing was saved. Try fewer epochs or repeats.")
    training = result.training
    metadata = build_metadata(training.model, architecture, settings.to_dict(), training.history,
                              training.epoch_seconds, training.training_seconds, after["mnist_test_loss"],
                              after["mnist_test_accuracy"], trained_with="fine-tuning on My digits",
                              base_model=spec.base_model_name, collection=collection,
                              finetune={"before": before, "after": after, "user_digits": int(len(user_digits[1])),
                                        "held_out": result.holdout_count, "blend": result.blend})
    stored = reporter.save(store, training.model, metadata, store.new_name(f"{architecture}-finetuned"))
    return {"model_name": stored.name, "test_accuracy": after["mnist_test_accuracy"],
            "test_loss": after["mnist_test_loss"]}
