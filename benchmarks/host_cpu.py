"""How much of this virtual machine's CPU time its host took for others (steal), from /proc/stat.

Machines here vary 2-6x in speed from hour to hour; steal is the measured part of that: the share of the time
the machine's cores were ready to run but the hypervisor ran someone else."""

from pathlib import Path

STAT_PATH = Path("/proc/stat")
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
