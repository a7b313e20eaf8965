"""Fixtures of the tool tests: a tiny LSTA config (the tool runner is in
tests/conftest.py)."""
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RUNTIME = osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')


def _tiny_lsta_config(stream='joint', clip_len=16):
    """Text of a test config: a two-block LSTANet with a one-step pipeline."""
    return f'''
_base_ = [{RUNTIME!r}]
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='LSTANet', graph_cfg=dict(layout='nturgb+d'),
                  stage_channels=(12, 24), stage_strides=(1, 2)),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=24))
test_pipeline = [
    dict(type='SkeletonStream', layout='nturgb+d', stream={stream!r},
         clip_len={clip_len}, test_mode=True),
    dict(type='PackActionInputs')]
test_dataloader = dict(dataset=dict(type='PoseDataset', ann_file='',
                                    pipeline=test_pipeline))
'''


@pytest.fixture(scope='session')
def tiny_lsta_config():
    """``tiny_lsta_config(stream, clip_len)`` -> text of a tiny config."""
    return _tiny_lsta_config
