"""Write measured figures into README.md between marker comments, so that no figure there is typed by hand."""

import json
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def replace_section(text: str, name: str, body: str) -> str:
    """Replace what lies between `<!-- NAME: start -->` and `<!-- NAME: end -->` with body; ValueError if absent."""
    pattern = re.compile(rf"(<!-- {re.escape(name)}: start -->\n).*?(<!-- {re.escape(name)}: end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"README has no '{name}' section markers.")
    return pattern.sub(lambda match: match.group(1) + body.rstrip("\n") + "\n" + match.group(2), text)


def describe_stage(stage: dict) -> str:
    """'1542 s; test accuracy 99.41% after it': a stage's seconds, and its model's accuracy when recorded."""
    text = f"{stage['training_seconds']:.0f} s"
    if stage.get("test_accuracy") is not None:
        text += f"; test accuracy {stage['test_accuracy']:.2%} after it"
    return text


def make_training_record(metadata: dict) -> str:
    """The bundled model's lineage as Markdown: each CLI stage with its seconds, totals and its test figures."""
    stages = metadata.get("stages") or []
    lines = [f"Trained in {len(stages)} stages with the CLI (from `models/default.json`; each stage ran in a "
             f"scratch store and the result was copied into `models/`):", ""]
    lines += [f"{number}. `{stage['trained_with']}` ({describe_stage(stage)})"
              for number, stage in enumerate(stages, start=1)]
    total = sum(stage["training_seconds"] for stage in stages)
    lines += ["", f"Its record: `{metadata['architecture']}`, {metadata['parameter_count']:,} parameters, "
                  f"{total / 60:.0f} minutes of training in all (on a shared 2-core machine), test accuracy "
                  f"**{metadata['test_accuracy']:.2%}** (test loss {metadata['test_loss']:.4f}) on the full "
                  f"10,000-image test set."]
    return "\n".join(lines)


def update_readme(readme: Path, table: str) -> None:
    """Put the benchmark table and the bundled model's training record into the README."""
    metadata = json.loads((PROJECT_ROOT / "models" / "default.json").read_text())
    text = replace_section(readme.read_text(), "make bench", table)
    text = replace_section(text, "training record", make_training_record(metadata))
    readme.write_text(text)
