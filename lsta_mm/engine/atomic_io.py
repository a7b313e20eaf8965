"""Crash-safe file writes for checkpoints and the ``last_checkpoint`` file.

mmengine 0.10.7 writes a checkpoint with ``open(path, 'wb').write(...)``
(``LocalBackend.put``) and the ``last_checkpoint`` pointer with a plain
``open(..., 'w')``. A process killed in the middle of either leaves a
truncated file under the final name, and ``--resume`` then picks it up.

Here every write goes to a temporary file in the same directory, is flushed
and ``fsync``-ed, and only then renamed over the final name with
:func:`os.replace`, which POSIX guarantees to be atomic within one file
system. A reader therefore sees either the old complete file or the new
complete file, never a partial one. Temporary files are named
``.<name>.lsta-tmp.<pid>`` so no checkpoint pattern (``epoch_*.pth``,
``best_*.pth``) ever matches them; :func:`remove_stale_temporaries` deletes
the ones a killed run left behind. A write that fails (a full disk,
``ENOSPC``) removes its temporary file and raises :class:`AtomicWriteError`,
which names the final file; whatever was under that name stays as it was.
"""
import glob
import os
import os.path as osp
from pathlib import Path
from typing import List, Union

from mmengine.fileio import LocalBackend, register_backend

__all__ = [
    'ATOMIC_BACKEND', 'AtomicLocalBackend', 'AtomicWriteError', 'TMP_MARKER',
    'atomic_write_bytes', 'atomic_write_text', 'remove_stale_temporaries'
]

#: Name under which :class:`AtomicLocalBackend` is registered in mmengine's
#: file backends (use as ``backend_args=dict(backend=ATOMIC_BACKEND)``).
ATOMIC_BACKEND = 'lsta_atomic_local'
#: Infix of temporary file names.
TMP_MARKER = '.lsta-tmp.'


class AtomicWriteError(OSError):
    """A write of :func:`atomic_write_bytes` failed (e.g. ``ENOSPC``).

    Keeps the ``errno`` of the failure; ``filename`` is the final name.
    Nothing was written under that name, and the temporary file is gone.
    """

    def __str__(self) -> str:
        return (f'could not write {self.filename}: {self.strerror} '
                f'[Errno {self.errno}]; the partial file was removed and '
                f'{self.filename} is as it was before')


def _temporary_name(path: str) -> str:
    folder, name = osp.split(path)
    return osp.join(folder, f'.{name}{TMP_MARKER}{os.getpid()}')


def _fsync_directory(folder: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where unsupported)."""
    try:
        handle = os.open(folder or '.', os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def atomic_write_bytes(path: Union[str, Path], data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never seen partial.

    Args:
        path (str | Path): Final file name; its folder is created.
        data (bytes): The whole content.

    Raises:
        AtomicWriteError: The file system refused a write (full disk,
            quota, I/O error); ``path`` is unchanged.
    """
    path = os.fspath(path)
    folder = osp.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    tmp = _temporary_name(path)
    try:
        with open(tmp, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)  # atomic: old or new file, never half
    except BaseException as err:
        if osp.exists(tmp):
            os.remove(tmp)  # a full disk gets its space back
        if isinstance(err, OSError):
            raise AtomicWriteError(err.errno, err.strerror, path) from err
        raise
    _fsync_directory(folder)


def atomic_write_text(path: Union[str, Path],
                      text: str,
                      encoding: str = 'utf-8') -> None:
    """:func:`atomic_write_bytes` for text."""
    atomic_write_bytes(path, text.encode(encoding))


def remove_stale_temporaries(folder: Union[str, Path]) -> List[str]:
    """Delete temporary files that killed runs left in ``folder``.

    Only call this while no other process writes into ``folder``.

    Returns:
        list[str]: The removed paths.
    """
    pattern = osp.join(glob.escape(os.fspath(folder)), f'.*{TMP_MARKER}*')
    removed = []
    for path in glob.glob(pattern):
        try:
            os.remove(path)
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic :meth:`put`/:meth:`put_text`.

    Everything else (reading, listing, removing, ``join_path``) is
    inherited unchanged. Registered as :data:`ATOMIC_BACKEND`.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(filepath, obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write_text(filepath, obj, encoding=encoding)


register_backend(ATOMIC_BACKEND, AtomicLocalBackend)
