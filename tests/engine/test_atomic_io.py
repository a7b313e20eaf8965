"""lsta_mm.engine.atomic_io: a write is seen whole or not at all."""
import errno
import os

import pytest
from mmengine.fileio import get_file_backend

import lsta_mm.engine.atomic_io as atomic_io
from lsta_mm.engine.atomic_io import (ATOMIC_BACKEND, TMP_MARKER,
                                      AtomicWriteError, atomic_write_bytes,
                                      atomic_write_text,
                                      remove_stale_temporaries)


def test_write_replaces_and_leaves_no_temporary(tmp_path):
    path = tmp_path / 'sub' / 'epoch_1.pth'
    atomic_write_bytes(path, b'old')
    atomic_write_bytes(path, b'new content')
    assert path.read_bytes() == b'new content'
    assert [p.name for p in path.parent.iterdir()] == ['epoch_1.pth']


class _Crash(Exception):
    pass


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / 'last_checkpoint'
    atomic_write_text(path, 'epoch_1.pth')

    class Failing:

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[:3])
            raise _Crash()

    monkeypatch.setattr(
        atomic_io,
        'open',
        lambda p, mode: Failing(open(p, mode)),
        raising=False)
    with pytest.raises(_Crash):
        atomic_write_text(path, 'epoch_2.pth')
    assert path.read_text() == 'epoch_1.pth'
    assert [p.name for p in tmp_path.iterdir()] == ['last_checkpoint']


def test_full_disk_names_the_file_and_frees_the_partial_one(
        tmp_path, monkeypatch):
    path = tmp_path / 'epoch_2.pth'
    atomic_write_bytes(path, b'previous')
    seen = []

    def full_disk_fsync(handle):
        # the partial temporary exists now; the disk refuses the rest
        seen.extend(p.name for p in tmp_path.iterdir() if TMP_MARKER in p.name)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic_io.os, 'fsync', full_disk_fsync)
    with pytest.raises(AtomicWriteError) as info:
        atomic_write_bytes(path, b'new content')
    assert len(seen) == 1
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value, OSError)  # callers catching OSError
    assert str(info.value) == (
        f'could not write {path}: No space left on device [Errno 28]; the '
        f'partial file was removed and {path} is as it was before')
    assert path.read_bytes() == b'previous'
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_2.pth']


def test_stale_temporaries_are_removed_and_nothing_else(tmp_path):
    (tmp_path / 'epoch_1.pth').write_bytes(b'x')
    stale = tmp_path / f'.epoch_2.pth{TMP_MARKER}1234'
    stale.write_bytes(b'half')
    removed = remove_stale_temporaries(tmp_path)
    assert removed == [str(stale)]
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']


def test_registered_backend_writes_atomically(tmp_path, monkeypatch):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend=ATOMIC_BACKEND))
    calls = []
    monkeypatch.setattr(atomic_io.os, 'replace',
                        lambda *a: calls.append(a) or _real_replace(*a))
    backend.put(b'weights', str(tmp_path / 'epoch_1.pth'))
    backend.put_text('epoch_1.pth', str(tmp_path / 'last_checkpoint'))
    assert backend.get(str(tmp_path / 'epoch_1.pth')) == b'weights'
    assert backend.get_text(str(tmp_path / 'last_checkpoint')) == \
        'epoch_1.pth'
    assert [dst for _, dst in calls] == [
        str(tmp_path / 'epoch_1.pth'),
        str(tmp_path / 'last_checkpoint')
    ]


def _real_replace(src, dst):
    import os
    os.rename(src, dst)
