"""Bad checkpoints stop the tools with one clear message, before any data.

Rows of the troubleshooting table (docs/troubleshooting.md): checkpoint of
another class count, of another architecture, truncated, unsafe pickle;
through ``tools/test.py`` and ``load_from`` of ``tools/train.py``.
"""
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from reliability_utils import CONFIGS, PYTHON, data_options, run_tool

import lsta_mm  # noqa: F401

TINY = osp.join(CONFIGS, 'tiny_gcn.py')


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    """Weights of the 3-class tiny_gcn, saved as a bare state_dict file."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(Config.fromfile(TINY).model)
    path = tmp_path_factory.mktemp('ckpt') / 'tiny_3cls.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


def _test_tool(config, checkpoint, ann_file, env, tmp_path):
    out = run_tool([
        PYTHON, 'tools/test.py', config, checkpoint, '--work-dir', tmp_path,
        '--cfg-options', *data_options(ann_file)
    ],
                   env,
                   returncode=1)
    assert 'Traceback' not in out
    assert 'Epoch(test)' not in out  # refused before any sample was read
    return out


def test_class_count_mismatch(tiny_checkpoint, tiny_ann_file, tool_env,
                              tmp_path):
    out = _test_tool(
        osp.join(CONFIGS, 'tiny_gcn_5cls.py'), tiny_checkpoint, tiny_ann_file,
        tool_env, tmp_path)
    assert f'checkpoint {tiny_checkpoint} does not fit' in out
    assert 'cls_head.fc.weight: checkpoint [3, 8], model [5, 8]' in out
    assert 'cls_head.fc.bias: checkpoint [3], model [5]' in out
    assert 'The checkpoint classifies 3 classes, the config 5' in out


def test_architecture_mismatch(tiny_checkpoint, tiny_ann_file, tool_env,
                               tmp_path):
    out = _test_tool(
        osp.join(CONFIGS, 'tiny_gcn_3stages.py'), tiny_checkpoint,
        tiny_ann_file, tool_env, tmp_path)
    assert 'model key(s) missing from the checkpoint' in out
    assert 'backbone.gcn.2.' in out


def test_truncated_checkpoint(tiny_checkpoint, tiny_ann_file, tool_env,
                              tmp_path):
    truncated = tmp_path / 'truncated.pth'
    data = tiny_checkpoint.read_bytes()
    truncated.write_bytes(data[:len(data) // 2])
    out = _test_tool(TINY, truncated, tiny_ann_file, tool_env, tmp_path)
    assert f'checkpoint {truncated} is truncated' in out


class _Payload:
    """Pickles as a call of ``os.system``: what a hostile file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_unsafe_checkpoint_is_refused_unexecuted(tiny_checkpoint,
                                                 tiny_ann_file, tool_env,
                                                 tmp_path):
    marker = tmp_path / 'payload_ran'
    hostile = tmp_path / 'hostile.pth'
    ckpt = torch.load(tiny_checkpoint, weights_only=True)
    ckpt['meta']['note'] = _Payload(marker)
    torch.save(ckpt, hostile)
    out = _test_tool(TINY, hostile, tiny_ann_file, tool_env, tmp_path)
    assert f'refusing to load checkpoint {hostile}' in out
    assert not marker.exists()


def test_train_load_from_refuses_misfit(tiny_checkpoint, tiny_ann_file,
                                        tool_env, tmp_path):
    out = run_tool([
        PYTHON, 'tools/train.py',
        osp.join(CONFIGS,
                 'tiny_gcn_5cls.py'), '--work-dir', tmp_path, '--cfg-options',
        *data_options(tiny_ann_file), f'load_from={tiny_checkpoint}'
    ],
                   tool_env,
                   returncode=1)
    assert 'cls_head.fc.weight: checkpoint [3, 8], model [5, 8]' in out
    assert 'Traceback' not in out
    assert not (tmp_path / 'epoch_1.pth').exists()


@pytest.mark.parametrize('content,holds', [
    (b'hello\n', 'text'),
    (b'{"state_dict": {}}', 'JSON'),
    (bytes(range(7, 256)) * 4, 'binary data of an unknown format'),
    (None, 'a plain pickle (e.g. an annotation .pkl'),
    (b'', 'nothing (the file is empty)'),
])
def test_file_that_is_no_checkpoint_is_named(tiny_ann_file, tool_env,
                                             tmp_path, content, holds):
    path = tmp_path / 'model.pth'
    if content is None:  # the annotation file given by mistake
        with open(tiny_ann_file, 'rb') as handle:
            content = handle.read()
    path.write_bytes(content)
    out = _test_tool(TINY, path, tiny_ann_file, tool_env, tmp_path)
    assert f'{path} is not a checkpoint: it holds {holds}' in out
    assert 'weights_only' not in out  # never the advice to load unsafely
