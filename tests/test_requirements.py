"""The lock files: they satisfy the ranges, `make test` installs them, and `make bench` names their versions."""

import re
from importlib.metadata import version
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from benchmarks.run_benchmarks import MEASURED_PACKAGES, describe_versions

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_names_each_measured_package_with_its_installed_version():
    described = describe_versions()
    for name in MEASURED_PACKAGES:
        assert f"{name} {version(name)}" in described
    assert {"opencv-python-headless", "numpy", "streamlit"} <= set(MEASURED_PACKAGES)


def read_lock(path: Path) -> dict[str, str]:
    """Package -> pinned version for this Python, from a lock file (lines "name==version[ ; marker]")."""
    locked = {}
    for name, pinned, marker in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(?: ; (.+))?$", path.read_text(),
                                           re.MULTILINE):
        if not marker or Marker(marker).evaluate():
            locked[name] = pinned
    return locked


def test_the_installed_versions_are_the_locked_ones():
    locked = read_lock(PROJECT_ROOT / "requirements.lock")
    for name in MEASURED_PACKAGES:
        assert locked.get(name) == version(name), f"{name}: run `make test` to install the lock file"


def test_the_locks_satisfy_the_ranges_they_were_made_from():
    for ranges, lock in (("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")):
        locked = {canonicalize_name(name): pinned for name, pinned in read_lock(PROJECT_ROOT / lock).items()}
        for line in (PROJECT_ROOT / ranges).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-r"):
                continue
            requirement = Requirement(line)
            pinned = locked.get(canonicalize_name(requirement.name))
            assert pinned is not None and requirement.specifier.contains(pinned), f"{lock}: {requirement} ({pinned})"
