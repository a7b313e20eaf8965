"""Inference API: every input format gives the same answer."""
import pickle

import mmengine
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from lsta_mm.apis import (init_recognizer, load_skeleton_input,
                          recognize_skeleton)
from lsta_mm.datasets.ntu_raw import dump_ntu_skeleton
from lsta_mm.label_maps import load_label_map

NAME = 'S001C002P003R001A023'  # action 23: hand waving


def tiny_config(num_classes=60, clip_len=16):
    pipeline = [
        dict(
            type='SkeletonStream',
            layout='nturgb+d',
            stream='joint',
            clip_len=clip_len,
            test_mode=True),
        dict(type='PackActionInputs', meta_keys=('frame_dir', 'frame_inds'))
    ]
    return Config(
        dict(
            default_scope='mmaction',
            model=dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='STGCN',
                    graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
                    base_channels=8,
                    num_stages=2,
                    inflate_stages=[],
                    down_stages=[2]),
                cls_head=dict(
                    type='GCNHead', num_classes=num_classes,
                    in_channels=8)),
            test_dataloader=dict(
                dataset=dict(
                    type='PoseDataset', ann_file='', pipeline=pipeline))))


def body(rng, frames, shift):
    """An upright random body (taller than wide, so denoising keeps it)."""
    base = np.stack([
        rng.uniform(-0.2, 0.2, 25) + shift,
        rng.uniform(-0.8, 0.8, 25),
        rng.uniform(2.8, 3.2, 25)
    ], -1)
    wave = 0.05 * np.sin(np.arange(frames) / 2)[:, None, None]
    return base[None] + wave * rng.normal(size=(1, 25, 3))


@pytest.fixture(scope='module')
def model_and_files(tmp_path_factory):
    from mmaction.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('infer')
    torch.manual_seed(0)
    cfg = tiny_config()
    model = init_recognizer(cfg, None, device='cpu')
    ckpt = str(root / 'tiny.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    rng = np.random.default_rng(0)
    keypoint = np.stack([body(rng, 14, -0.5), body(rng, 14, 0.5)])
    skeleton = str(root / f'{NAME}.skeleton')
    dump_ntu_skeleton(skeleton, keypoint)
    # the text file rounds to 7 digits: other formats store what it reads
    seq = load_skeleton_input(skeleton)['keypoint']
    np.save(root / 'seq.npy', seq)
    np.save(root / 'one.npy', seq[0])
    others = [
        dict(frame_dir=f'other{i}', label=0, total_frames=5,
             keypoint=rng.normal(size=(1, 5, 25, 3)).astype(np.float32))
        for i in range(2)
    ]
    mine = dict(frame_dir=NAME, label=22, total_frames=14, keypoint=seq)
    with open(root / 'ann.pkl', 'wb') as handle:
        pickle.dump(dict(split=dict(val=[NAME]), annotations=[
            others[0], mine, others[1]]), handle)
    return cfg, ckpt, root, seq


def test_every_input_format_gives_the_same_answer(model_and_files):
    cfg, ckpt, root, seq = model_and_files
    model = init_recognizer(cfg, ckpt, device='cpu')
    answers = {
        'array': recognize_skeleton(model, seq),
        'skeleton': recognize_skeleton(
            model, load_skeleton_input(str(root / f'{NAME}.skeleton'))
            ['keypoint']),
        'npy': recognize_skeleton(
            model, load_skeleton_input(str(root / 'seq.npy'))['keypoint']),
        'pkl index': recognize_skeleton(
            model,
            load_skeleton_input(str(root / 'ann.pkl'), 1)['keypoint']),
        'pkl name': recognize_skeleton(
            model,
            load_skeleton_input(str(root / 'ann.pkl'), NAME)['keypoint']),
    }
    assert seq.shape == (2, 14, 25, 3)  # both bodies survive the reader
    reference = answers['array']
    assert len(reference) == 5
    names = load_label_map('ntu60')
    assert all(name in names for name, _ in reference)
    scores = [s for _, s in reference]
    assert scores == sorted(scores, reverse=True)
    for source, answer in answers.items():
        assert answer == reference, source
    # one person as (T, V, C) equals the (1, T, V, C) array
    one = load_skeleton_input(str(root / 'one.npy'))['keypoint']
    assert one.shape == (1, 14, 25, 3)
    assert recognize_skeleton(model, one) == recognize_skeleton(
        model, seq[:1])


def test_bad_inputs_get_one_clear_error(model_and_files, tmp_path):
    _, _, root, _ = model_and_files
    np.save(tmp_path / 'flat.npy', np.zeros((10, 25)))
    with pytest.raises(ValueError, match=r'flat.npy: keypoint has shape'):
        load_skeleton_input(str(tmp_path / 'flat.npy'))
    np.save(tmp_path / 'obj.npy', np.array([{'a': 1}], dtype=object))
    with pytest.raises(ValueError, match='not a plain numeric'):
        load_skeleton_input(str(tmp_path / 'obj.npy'))
    nan = np.zeros((1, 4, 25, 3))
    nan[0, 1, 2, 0] = np.nan
    np.save(tmp_path / 'nan.npy', nan)
    with pytest.raises(ValueError, match='NaN'):
        load_skeleton_input(str(tmp_path / 'nan.npy'))
    with pytest.raises(ValueError, match='holds 3 samples'):
        load_skeleton_input(str(root / 'ann.pkl'))
    with pytest.raises(KeyError, match='no sample with frame_dir'):
        load_skeleton_input(str(root / 'ann.pkl'), 'S999')
    with pytest.raises(IndexError, match='out of range'):
        load_skeleton_input(str(root / 'ann.pkl'), 7)
    (tmp_path / 'x.txt').write_text('1 2 3')
    with pytest.raises(ValueError, match='unsupported input type'):
        load_skeleton_input(str(tmp_path / 'x.txt'))
    mmengine.dump([dict(keypoint=np.zeros((1, 2, 25, 3)))],
                  str(tmp_path / 'list.pkl'))
    assert load_skeleton_input(str(tmp_path / 'list.pkl'))[
        'keypoint'].shape == (1, 2, 25, 3)


def test_checkpoint_of_another_class_count_is_refused(model_and_files,
                                                      tmp_path):
    from lsta_mm.engine import CheckpointMismatchError
    cfg, ckpt, _, _ = model_and_files
    other = init_recognizer(tiny_config(num_classes=5), None, device='cpu')
    other_ckpt = str(tmp_path / 'five_classes.pth')
    save_checkpoint({'state_dict': other.state_dict()}, other_ckpt)
    with pytest.raises(CheckpointMismatchError,
                       match=r'five_classes\.pth[\s\S]*cls_head'):
        init_recognizer(cfg, other_ckpt, device='cpu')
    # the fitting checkpoint loads exactly
    model = init_recognizer(cfg, ckpt, device='cpu')
    saved = torch.load(ckpt, weights_only=True)['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved[key]), key
