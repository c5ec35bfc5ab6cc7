"""Output files: checked before any work starts, written whole or not at all, never through a planted link.

Every command that writes files checks all of them first (:func:`check_output`),
so a mistake in the last one does not leave the first written. Each file is
written to a new temporary file in the same folder, created exclusively (a
symbolic link planted under a temporary name is never followed), and renamed
over the target only when complete (:func:`write_atomically`). ``-`` stands
for standard output.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from cxsim.core.errors import UserError, bounded

STDOUT = "-"


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_output(path: str | Path, suffixes: Iterable[str] = (), option: str = "", stdout: bool = False) -> Path:
    """Check that ``path`` can be written, before any work: raise a ``UserError`` naming it otherwise.

    Args:
        path: the output file (``-`` for standard output, when ``stdout`` allows it).
        suffixes: accepted endings, e.g. ``(".csv", ".parquet")`` (empty: any).
        option: the option that named it, for the message (e.g. ``--out``).
        stdout: whether ``-`` (standard output) is accepted.
    """
    where = f"{bounded(path)}: {option + ': ' if option else ''}"
    if str(path) == STDOUT:
        if stdout:
            return Path(STDOUT)
        raise UserError(f"{where}expected a file name (standard output is not offered here)")
    if not str(path).strip():
        raise UserError(f"{option + ': ' if option else ''}expected a file name, got an empty one")
    if str(path).endswith(("/", os.sep)):
        raise UserError(f"{where}expected a file name, got a folder (it ends in /)")
    path = Path(path)
    suffixes = tuple(suffixes)
    if suffixes and path.suffix.lower() not in suffixes:
        raise UserError(f"{where}expected a file name ending in {' or '.join(suffixes)}")
    if path.is_dir():
        raise UserError(f"{where}expected a file name, got a folder")
    folder = path.parent
    if not folder.exists():
        raise UserError(f"{where}the folder {bounded(folder)} does not exist")
    if not folder.is_dir():
        raise UserError(f"{where}{bounded(folder)} is not a folder")
    try:  # the only sure test that the folder takes new files (permissions, read-only disks, root)
        with tempfile.TemporaryFile(dir=folder, prefix=".cxsim-check-"):
            pass
    except OSError as exc:
        raise UserError(f"{where}cannot write in the folder {bounded(folder)} ({_reason(exc)})") from None
    return path


def write_atomically(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file whole or not at all: ``write`` fills a new temporary file that then replaces ``path``.

    Args:
        path: the target (``-``: standard output).
        write: called with a binary file open for writing.

    Raises:
        UserError: the file could not be written (folder gone, read-only, disk full); nothing is left behind.
    """
    if str(path) == STDOUT:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return Path(STDOUT)
    return write_all([(path, write)])[0]


def write_all(files: Sequence[tuple[str | Path, Callable[[BinaryIO], None]]]) -> list[Path]:
    """Write several files all or none: each to its temporary file first, then every one renamed in place.

    A failure while writing any of them (a full disk) leaves none of them written or changed, and
    no temporary file behind; the message names the file that failed.
    """
    temps: list[tuple[str, Path]] = []
    current = None
    try:
        for path, write in files:
            current = Path(path)
            fd, tmp = tempfile.mkstemp(dir=current.parent, prefix=f".{current.name}.", suffix=".part")  # O_EXCL: a new file
            temps.append((tmp, current))
            os.fchmod(fd, 0o666 & ~_umask())  # as any new file (mkstemp makes it private to its owner)
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, target in temps:
            current = target
            os.replace(tmp, target)
        temps = []
    except OSError as exc:
        raise UserError(f"{bounded(current)}: could not write the file ({_reason(exc)}); "
                        "nothing was written") from None
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return [Path(p) for p, _ in files]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`write_atomically`)."""
    return write_atomically(path, lambda f: f.write(text.encode("utf-8")))


def write_table(frame, path: str | Path) -> Path:
    """Write a DataFrame as CSV or Parquet by the file's extension (CSV to standard output for ``-``), atomically."""
    if str(path) == STDOUT or Path(path).suffix.lower() == ".csv":
        return write_atomically(path, lambda f: f.write(frame.to_csv(index=False).encode("utf-8")))
    if Path(path).suffix.lower() != ".parquet":
        raise UserError(f"{bounded(path)}: expected a file name ending in .csv or .parquet")
    return write_atomically(path, lambda f: frame.to_parquet(f, index=False))
