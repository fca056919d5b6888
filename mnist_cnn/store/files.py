"""Files written all or nothing: a temporary file in the same folder, flushed, then renamed onto its place."""

import os
import tempfile
from pathlib import Path

# This process's temporary files are .tmp-<TEMPORARY_TAG>-…: a training worker tags its own (tag_temporary_files),
# so that the server removes exactly a killed worker's files, never another save in progress.
TEMPORARY_TAG = ""


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (renames, deletions) to disk, where the platform allows it."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def sync_file(path: Path) -> None:
    """Flush a file's contents to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def tag_temporary_files(tag: str) -> None:
    """Name this process's temporary files .tmp-<tag>-… (a training worker: job-<id>)."""
    global TEMPORARY_TAG
    TEMPORARY_TAG = tag


def write_temporary(folder: Path, suffix: str, write) -> Path:
    """Call write(temporary_path) for a new .tmp-* file in folder and flush it to disk; its path."""
    prefix = f".tmp-{TEMPORARY_TAG}-" if TEMPORARY_TAG else ".tmp-"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        sync_file(Path(temporary))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_atomically(path: Path, write) -> None:
    """Call write(temporary_path) in path's folder, then rename it onto path (all or nothing, flushed)."""
    temporary = write_temporary(path.parent, path.suffix, write)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)
