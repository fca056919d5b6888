"""The fine-tuning work of a background job: MNIST plus the user's drawings, with a guard on MNIST accuracy."""

from pathlib import Path

# Fine-tuning may lower MNIST test accuracy by at most this much (0.002 = 0.2 points). The fine-tuned weights are
# blended back towards the base model's until it holds; if even a small blend does not, nothing is kept.
MAX_MNIST_DROP = 0.002


def make_finetune_settings(**overrides):
    """The Retrain panel's fine-tuning settings (FineTuneSettings' defaults, with the MNIST guard), with overrides."""
    from mnist_cnn.training.settings import FineTuneSettings

    return FineTuneSettings(**{"max_mnist_drop": MAX_MNIST_DROP, **overrides})


def read_my_digits(settings, options: dict):
    """(images, labels) to fine-tune on: the newest MAX_FINETUNE_DIGITS drawings of the settings' collection."""
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MyDigitsStore

    return MyDigitsStore(Path(options["user_digits_path"])).to_arrays(
        collection=settings.collection, limit=config.MAX_FINETUNE_DIGITS)


def make_finetune_run(my_digits):
    """A training step for train_and_save that fine-tunes on MNIST + my_digits and refuses a large MNIST drop."""
    from mnist_cnn.training.finetune import finetune_model
    from mnist_cnn.training.run import RunOutcome

    def run(settings, base_model, data, progress, cancel_event, callbacks):
        mnist_train, mnist_test = data
        result = finetune_model(base_model, mnist_train, mnist_test, my_digits, settings, progress,
                                cancel_event, callbacks)
        before, after = result.before, result.after
        drop = before["mnist_test_accuracy"] - after["mnist_test_accuracy"]
        if drop > MAX_MNIST_DROP:
            raise ValueError(f"Fine-tuning lowered MNIST test accuracy by {100 * drop:.2f} points (the limit is "
                             f"{100 * MAX_MNIST_DROP:.1f}); nothing was saved. Try fewer epochs or repeats.")
        report = {"before": before, "after": after, "user_digits": int(len(my_digits[1])),
                  "held_out": result.holdout_count, "blend": result.blend}
        return RunOutcome(result.training, after["mnist_test_loss"], after["mnist_test_accuracy"],
                          how="fine-tuned", extra={"collection": settings.collection, "finetune": report})

    return run


def run_finetune_work(spec, store, reporter) -> dict:
    """Fine-tune spec.settings.base_model on MNIST + the drawings in spec.options['user_digits_path']; save it."""
    reporter.phase("loading data")
    from mnist_cnn.data.mnist import load_mnist

    if not spec.settings.base_model:
        raise ValueError("Fine-tuning needs a model to start from.")
    my_digits = read_my_digits(spec.settings, spec.options)
    return reporter.run_and_save(spec, store, load_mnist(), trained_with="fine-tuning on My digits",
                                 run=make_finetune_run(my_digits), name_suffix="-finetuned")
