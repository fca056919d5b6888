"""The work a background job does in its worker: training on MNIST, or fine-tuning on My digits; both save a model.

Each work function is work(spec, store, reporter) -> {"model_name", "test_accuracy", "test_loss"}, run where the
job runs (jobs.board_runner.run_job_from_board) and named by its kind in WORK_KINDS. Heavy imports (TensorFlow)
stay inside them.
"""

from functools import partial

from mnist_cnn import config


def make_finetune_settings(**overrides):
    """The Retrain panel's fine-tuning settings (FineTuneSettings' defaults, with the MNIST guard), with overrides."""
    from mnist_cnn.training.settings import FineTuneSettings

    return FineTuneSettings(**{"max_mnist_drop": config.MAX_MNIST_DROP, **overrides})


def read_my_digits(settings, options: dict):
    """(images, labels) to fine-tune on: the newest MAX_FINETUNE_DIGITS drawings of the settings' collection."""
    from mnist_cnn.my_digits.collections import MyDigitsStore

    return MyDigitsStore(options["user_digits_path"]).to_arrays(
        collection=settings.collection, limit=config.MAX_FINETUNE_DIGITS)


def finetune_on_my_digits(my_digits, settings, base_model, data, progress, cancel_event, callbacks):
    """train_and_save's training step for fine-tuning: MNIST + my_digits; refuse an MNIST drop over MAX_MNIST_DROP."""
    from mnist_cnn.training.finetune import finetune_model
    from mnist_cnn.training.run import RunOutcome

    mnist_train, mnist_test = data
    result = finetune_model(base_model, mnist_train, mnist_test, my_digits, settings, progress,
                            cancel_event, callbacks)
    before, after = result.before, result.after
    drop = before["mnist_test_accuracy"] - after["mnist_test_accuracy"]
    if drop > config.MAX_MNIST_DROP:
        raise ValueError(f"Fine-tuning lowered MNIST test accuracy by {100 * drop:.2f} points (the limit is "
                         f"{100 * config.MAX_MNIST_DROP:.1f}); nothing was saved. Try fewer epochs or repeats.")
    report = {"before": before, "after": after, "user_digits": int(len(my_digits[1])),
              "held_out": result.holdout_count, "blend": result.blend}
    return RunOutcome(result.training, after["mnist_test_loss"], after["mnist_test_accuracy"],
                      how="fine-tuned", extra={"collection": settings.collection, "finetune": report})


def describe_outcome(stored) -> dict:
    """A job's outcome, as the worker reports it: the saved model's name and its test-set figures."""
    return {"model_name": stored.name, "test_accuracy": stored.metadata["test_accuracy"],
            "test_loss": stored.metadata["test_loss"]}


def run_training_work(spec, store, reporter) -> dict:
    """Load MNIST, then train (fresh or from spec.settings.base_model), evaluate and save: train_and_save."""
    if spec.settings.architecture_spec is not None:  # a built network's layers, checked again where they are built
        from mnist_cnn.model.layer_spec import validate_spec

        validate_spec(spec.settings.architecture_spec)
    reporter.phase("loading data")
    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.training.run import train_and_save

    data = load_mnist()
    hooks = reporter.training_hooks(store, trained_with="the Retrain panel")
    return describe_outcome(train_and_save(spec.settings, store, data, hooks))


def run_finetune_work(spec, store, reporter) -> dict:
    """Fine-tune spec.settings.base_model on MNIST + the drawings in spec.options['user_digits_path']; save it."""
    reporter.phase("loading data")
    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.training.run import train_and_save

    if not spec.settings.base_model:
        raise ValueError("Fine-tuning needs a model to start from.")
    my_digits = read_my_digits(spec.settings, spec.options)
    data = load_mnist()
    hooks = reporter.training_hooks(store, trained_with="fine-tuning on My digits", name_suffix="-finetuned",
                                    train_step=partial(finetune_on_my_digits, my_digits))
    return describe_outcome(train_and_save(spec.settings, store, data, hooks))


# The kinds of work a job can do (JobSpec.kind), as functions: "spawn" pickles them by module and name.
WORK_KINDS = {"train": run_training_work, "finetune": run_finetune_work}
