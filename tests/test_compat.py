"""lsta_mm.compat: mmaction2's missing drn module and safe checkpoint loads."""
import io
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from lsta_mm import compat
from lsta_mm.compat import (CorruptCheckpointError, UnsafeCheckpointError,
                            safe_torch_load)


def _mmengine_like_checkpoint(path):
    """A checkpoint with what mmengine's Runner puts in ``meta``."""
    buffer = HistoryBuffer()
    buffer.update(0.5)
    buffer.update(0.25)
    torch.save(
        dict(
            meta=dict(
                epoch=np.int64(3),
                loss=np.float64(0.1),
                seed=np.array([1, 2, 3]),
                message_hub=dict(log_scalars=dict(loss=buffer))),
            state_dict={'w': torch.arange(4.)}), path)


class _RunsCode:
    """Pickles as a call to os.system: what a malicious checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_import_mmaction_models_in_fresh_interpreter():
    code = ('import lsta_mm, mmaction.models, sys; '
            'print(type(sys.modules["mmaction.models.localizers.drn"]'
            '.drn.DRN).__name__)')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True)
    assert out.stdout.strip() == 'type'


def test_drn_placeholder_explains_itself():
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='does not ship'):
        DRN()
    # The placeholder is not registered under mmaction2's DRN name.
    from mmaction.registry import MODELS
    assert MODELS.get('DRN') is None


def test_mmengine_checkpoint_round_trips(tmp_path):
    path = tmp_path / 'ckpt.pth'
    _mmengine_like_checkpoint(path)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(4.))
    buffer = ckpt['meta']['message_hub']['log_scalars']['loss']
    assert buffer.mean() == pytest.approx(0.375)
    assert ckpt['meta']['seed'].tolist() == [1, 2, 3]


def test_local_scheme_is_ours():
    assert CheckpointLoader._get_checkpoint_loader('a/b.pth') is \
        compat.safe_load_from_local


def test_a_checked_checkpoint_is_read_once(tmp_path, monkeypatch):
    """The tools check a checkpoint before the Runner loads it; the
    Runner's load of the same unchanged file takes it from memory."""
    path = tmp_path / 'ckpt.pth'
    _mmengine_like_checkpoint(path)
    reads = []
    real = compat.safe_torch_load
    monkeypatch.setattr(compat, 'safe_torch_load',
                        lambda *a, **k: reads.append(a) or real(*a, **k))
    first = _load_checkpoint(str(path), map_location='cpu')
    compat.keep_for_next_load(str(path), 'cpu', first)
    assert _load_checkpoint(str(path), map_location='cpu') is first
    assert len(reads) == 1
    # handed over once; another map_location or a rewritten file reads
    again = _load_checkpoint(str(path), map_location='cpu')
    assert again is not first and len(reads) == 2
    compat.keep_for_next_load(str(path), 'cpu', first)
    _mmengine_like_checkpoint(path)
    os.utime(path, ns=(1, 1))  # another modification time
    assert _load_checkpoint(str(path), map_location='cpu') is not first


def test_foreign_global_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': _RunsCode(marker)}, path)
    with pytest.raises(UnsafeCheckpointError,
                       match=r'evil.pth.*global (posix|os|nt)\.system'):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_getattr_allowlist_is_scoped_to_the_load(tmp_path):
    # Outside a checkpoint load, torch's default unpickler still refuses
    # builtins.getattr: the allowlist is not process-wide.
    buffer = HistoryBuffer()
    buffer.update(1.0)
    stream = io.BytesIO()
    torch.save({'b': buffer}, stream)
    stream.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(stream, weights_only=True)
    stream.seek(0)
    assert safe_torch_load(stream)['b'].current() == 1.0


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    good = tmp_path / 'good.pth'
    _mmengine_like_checkpoint(good)
    data = good.read_bytes()
    bad = tmp_path / 'truncated.pth'
    bad.write_bytes(data[:len(data) // 2])
    with pytest.raises(CorruptCheckpointError, match='truncated.pth'):
        _load_checkpoint(str(bad), map_location='cpu')
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(CorruptCheckpointError, match='empty.pth'):
        safe_torch_load(str(empty))


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / 'notes.pth'
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('readme.txt', 'hello')
    with pytest.raises(CorruptCheckpointError, match='notes.pth'):
        safe_torch_load(str(path))


def test_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        safe_torch_load(str(tmp_path / 'nope.pth'))


def test_text_cut_inside_a_character_is_still_text(tmp_path):
    from lsta_mm.compat import CorruptCheckpointError, safe_torch_load
    path = tmp_path / 'notes.pth'
    path.write_bytes(b'a' * 511 + 'é'.encode() * 3)  # é spans bytes 512-513
    with pytest.raises(CorruptCheckpointError, match='it holds text'):
        safe_torch_load(str(path))


_VINDLU_PROBE = '''
import importlib.util, sys
import mmaction.utils.dependency as dependency
dependency.WITH_MULTIMODAL = True  # as with transformers >= 4.28 installed
spec = importlib.util.spec_from_file_location('compat_probe', sys.argv[1])
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)
print(compat.skip_vindlu_on_transformers5(sys.argv[2]),
      dependency.WITH_MULTIMODAL)
if sys.argv[2].startswith('5'):
    import mmaction.models  # noqa: F401  (no VindLU import)
    from mmaction.registry import MODELS
    print('VindLUVQA' in MODELS.module_dict)
'''


@pytest.mark.parametrize('version,expected', [
    ('5.17.0', ['True False', 'True']),
    ('4.46.3', ['False True']),
])
def test_vindlu_skipped_with_transformers5(version, expected):
    """transformers 5 removed a name mmaction2's VindLU imports: the flag
    that imports VindLU is switched off before ``mmaction.models`` loads
    (its placeholders registered instead); transformers 4 is left alone."""
    out = subprocess.run(
        [sys.executable, '-c', _VINDLU_PROBE, compat.__file__, version],
        capture_output=True,
        text=True,
        check=True)
    assert out.stdout.split('\n')[:len(expected)] == expected


def test_vindlu_flag_untouched_once_mmaction_models_is_imported():
    import mmaction.models  # noqa: F401
    assert compat.skip_vindlu_on_transformers5('5.0.0') is False
