"""How much of this virtual machine's CPU time its host took for others (steal), from /proc/stat.

Machines here vary 2-6x in speed from hour to hour; steal is the measured part of that: the share of the time
the machine's cores were ready to run but the hypervisor ran someone else."""

from pathlib import Path

STAT_PATH = Path("/proc/stat")
# A timing taken while the host took more than STEAL_LIMIT of the CPU ran on less than the 2-core machine the
# targets are stated for: the benchmarks that judge a target measure it again, up to MAX_TRIES in all, report
# every try, and count only a try within the limit.
STEAL_LIMIT = 0.10
MAX_TRIES = 3
STEAL_FIELD = 7  # user nice system idle iowait irq softirq steal guest guest_nice (after "cpu")
COUNTED_FIELDS = 8  # guest time is already counted in user time


def read_cpu_ticks(stat_text: str | None = None) -> tuple[int, int] | None:
    """(steal, total) clock ticks of all cores since boot, or None where /proc/stat is unavailable."""
    try:
        text = stat_text if stat_text is not None else STAT_PATH.read_text()
    except OSError:
        return None
    line = next((line for line in text.splitlines() if line.startswith("cpu ")), None)
    if line is None:
        return None
    fields = [int(field) for field in line.split()[1:COUNTED_FIELDS + 1]]
    if len(fields) <= STEAL_FIELD:
        return None
    return fields[STEAL_FIELD], sum(fields)


def measure_steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share (0-1) of the CPU time between two readings that the host took; None if unknown."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def describe_steal(share: float | None) -> str:
    """'host steal 12%' (of all cores' time), or '' when unknown."""
    return "" if share is None else f"host steal {share:.0%}"


def had_the_whole_machine(figures: dict) -> bool:
    """Whether the host left a measurement its cores: its "steal_share" within STEAL_LIMIT (or unknown)."""
    return figures.get("steal_share") is None or figures["steal_share"] <= STEAL_LIMIT


def measure_on_whole_machine(measure) -> list[dict]:
    """Tries of measure() (it returns a dict; "steal_share" is added) until one had the whole machine."""
    tries = []
    while len(tries) < MAX_TRIES and not any(map(had_the_whole_machine, tries)):
        before = read_cpu_ticks()
        figures = measure()
        tries.append({**figures, "steal_share": measure_steal_share(before, read_cpu_ticks())})
    return tries


def keep_counted_try(tries: list[dict], figure_keys: tuple[str, ...]) -> dict:
    """The try that counts: the one within the steal limit, else the one with the least steal.

    The others ride along in its "other_tries" (their figure_keys and steal), so a report can show them all."""
    counted = next((figures for figures in tries if had_the_whole_machine(figures)),
                   min(tries, key=lambda figures: figures.get("steal_share") or 0.0))
    others = [{key: figures.get(key) for key in figure_keys + ("steal_share",)}
              for figures in tries if figures is not counted]
    return {**counted, "other_tries": others}


def judge_target(figures: dict, met: bool) -> str:
    """A target's verdict on the try that counts: "met", "NOT met", or not judged when the host took cores."""
    if not had_the_whole_machine(figures):
        return f"not judged: host steal above {STEAL_LIMIT:.0%} in every try"
    return "met" if met else "NOT met"


def describe_tries(figures: dict, key: str, label: str) -> str:
    """'; host steal 4%' plus a note when above the limit, and the other tries' `label` figure and steal."""
    text = f"; {describe_steal(figures['steal_share'])}" if figures.get("steal_share") is not None else ""
    if not had_the_whole_machine(figures):
        text += f" (above {STEAL_LIMIT:.0%}: not counted)"
    if figures.get("other_tries"):
        text += "; other tries: " + ", ".join(
            f"{label} {other[key]:.0f} ms at {describe_steal(other['steal_share']) or 'unknown steal'}"
            for other in figures["other_tries"])
    return text
