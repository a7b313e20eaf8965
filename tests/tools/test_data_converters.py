"""Round trips of the data converters on files written in the official
formats, and the annotation checker's command line."""
import importlib.util
import json
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets.kinetics_json import (dump_kinetics_json,
                                            load_kinetics_json)
from lsta_mm.datasets.ntu_raw import (NTUParseError, dump_ntu_skeleton,
                                      load_ntu_skeleton)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', 'data', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # worker processes find its functions
    spec.loader.exec_module(module)
    return module


def _body(rng, frames, offset=0.0, amplitude=0.1):
    """An upright body (taller than wide) that moves, (T, 25, 3)."""
    base = np.zeros((25, 3))
    base[:, 1] = np.linspace(-0.9, 0.7, 25)
    base[:, 0] = rng.uniform(-0.15, 0.15, 25) + offset
    base[:, 2] = 3.0
    motion = amplitude * np.sin(np.arange(frames) / 4)[:, None, None]
    return (base + motion + rng.normal(0, 0.01, (frames, 25, 3))).astype(
        np.float32)


def _write_ntu_folder(folder, rng):
    """Three samples in the official format, plus things to skip."""
    truth = {}
    # two persons; person 1 enters at frame 5, bodies swap order sometimes
    kp = np.zeros((2, 30, 25, 3), np.float32)
    kp[0] = _body(rng, 30, amplitude=0.3)  # the more active person
    kp[1, 5:] = _body(rng, 25, offset=1.0, amplitude=0.05)
    name = 'S001C002P001R001A050'
    dump_ntu_skeleton(
        osp.join(folder, name + '.skeleton'), kp,
        body_ids=['72057594037931101', '72057594037931102'],
        reverse_frames=range(8, 30, 3))
    truth[name] = kp
    # one person plus a short-lived false detection (5 frames): noise
    kp = np.zeros((2, 40, 25, 3), np.float32)
    kp[0] = _body(rng, 40)
    kp[1, 10:15] = _body(rng, 5, offset=-1.0, amplitude=0.5)
    name = 'S002C001P003R002A013'
    dump_ntu_skeleton(osp.join(folder, name + '.skeleton'), kp)
    truth[name] = kp[:1]
    name = 'S003C003P002R001A001'
    kp = _body(rng, 20)[None]
    dump_ntu_skeleton(osp.join(folder, name + '.skeleton'), kp)
    truth[name] = kp
    # a sample with no body at all, a missing-list sample, a stray file
    dump_ntu_skeleton(
        osp.join(folder, 'S001C001P001R001A002.skeleton'),
        np.zeros((1, 4, 25, 3), np.float32))
    dump_ntu_skeleton(
        osp.join(folder, 'S001C001P002R001A003.skeleton'),
        _body(rng, 12)[None])
    with open(osp.join(folder, 'README.txt'), 'w') as f:
        f.write('not a skeleton')
    return truth


@pytest.mark.parametrize('workers', [1, 2])
def test_ntu_round_trip(tmp_path, workers):
    folder = tmp_path / 'raw'
    folder.mkdir()
    truth = _write_ntu_folder(str(folder), np.random.default_rng(0))
    missing = tmp_path / 'missing.txt'
    missing.write_text('S001C001P002R001A003\n')
    out = str(tmp_path / 'ntu60_3d.pkl')
    summary = _tool('gen_ntu_pkl').convert(
        str(folder), out, 'ntu60', str(missing), workers=workers, quiet=True)
    assert summary['converted'] == 3 and summary['failed'] == 1
    assert summary['skipped_missing_list'] == 1
    assert summary['skipped_not_skeleton'] == 1
    with open(out, 'rb') as f:
        data = pickle.load(f)
    annos = {a['frame_dir']: a for a in data['annotations']}
    assert set(annos) == set(truth)
    for name, kp in truth.items():
        anno = annos[name]
        assert anno['keypoint'].dtype == np.float32
        assert anno['total_frames'] == kp.shape[1]
        assert anno['label'] == int(name[-3:]) - 1
        np.testing.assert_allclose(anno['keypoint'], kp, atol=1e-6)
    split = data['split']
    # subject 1 and 2 train in x-sub, subject 3 tests; cameras 2, 3 train
    assert sorted(split['xsub_train']) == ['S001C002P001R001A050',
                                           'S003C003P002R001A001']
    assert split['xsub_val'] == ['S002C001P003R002A013']
    assert split['xview_val'] == ['S002C001P003R002A013']
    assert set(split) == {'xsub_train', 'xsub_val', 'xview_train',
                          'xview_val'}


def test_ntu_matches_mmaction2_on_clean_bodies(tmp_path):
    reader = importlib.util.spec_from_file_location(
        'mm_ntu',
        osp.join(osp.dirname(importlib.util.find_spec('mmaction').origin),
                 '.mim', 'tools', 'data', 'skeleton', 'gen_ntu_rgbd_raw.py'))
    module = importlib.util.module_from_spec(reader)
    reader.loader.exec_module(module)
    rng = np.random.default_rng(1)
    kp = np.stack([_body(rng, 25, amplitude=0.3), _body(rng, 25, 1.0)])
    path = str(tmp_path / 'S001C001P001R001A051.skeleton')
    dump_ntu_skeleton(path, kp)
    ours = load_ntu_skeleton(path)['keypoint']
    theirs = module.read_xyz(path, max_body=4, num_joint=25)
    np.testing.assert_array_equal(ours, theirs.astype(np.float32))


def test_ntu_task_split_and_errors(tmp_path):
    folder = tmp_path / 'raw'
    folder.mkdir()
    rng = np.random.default_rng(2)
    for name in ('S018C001P045R001A061', 'S017C001P008R001A001'):
        dump_ntu_skeleton(str(folder / f'{name}.skeleton'),
                          _body(rng, 15)[None])
    out = str(tmp_path / 'ntu120.pkl')
    tool = _tool('gen_ntu_pkl')
    tool.convert(str(folder), out, 'ntu120', quiet=True)
    with open(out, 'rb') as f:
        split = pickle.load(f)['split']
    assert split['xset_train'] == ['S018C001P045R001A061']  # even setup
    assert split['xsub_train'] == sorted(split['xsub_train'])
    assert set(split['xsub_train']) == {'S018C001P045R001A061',
                                        'S017C001P008R001A001'}
    summary = tool.convert(str(folder), out, 'ntu60', quiet=True)
    assert summary['converted'] == 1 and summary['skipped_other_task'] == 1
    with pytest.raises(FileNotFoundError, match='nolist.txt'):
        tool.convert(str(folder), out, 'ntu60', str(tmp_path / 'nolist.txt'))
    bad = folder / 'S001C001P001R001A001.skeleton'
    bad.write_text('3\r\n1\r\n72057594037931101 0 1 1 1 1 0 0 0 2\r\n25\r\n')
    with pytest.raises(NTUParseError, match='A001.skeleton.*truncated'):
        load_ntu_skeleton(str(bad))


def test_kinetics_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    train, val = tmp_path / 'train', tmp_path / 'val'
    train.mkdir()
    val.mkdir()
    poses = rng.uniform(0, 1, (3, 12, 18, 2)).astype(np.float32)
    scores = np.zeros((3, 12, 18), np.float32)
    scores[0] = 0.9  # best person
    scores[1, :6] = 0.2  # weak person, first half only
    scores[2, 6:] = 0.5  # second-best in the second half
    dump_kinetics_json(str(train / 'vid_a.json'), poses, scores, 7)
    dump_kinetics_json(str(train / 'vid_b.json'), poses[:1], scores[:1], 3)
    dump_kinetics_json(str(val / 'vid_c.json'), poses[:2], scores[:2], 1)
    dump_kinetics_json(str(train / 'vid_d.json'), poses[:1],
                       np.zeros_like(scores[:1]), 2)
    label_file = tmp_path / 'train_label.json'
    label_file.write_text(json.dumps({
        'vid_a': dict(has_skeleton=True, label='x', label_index=7),
        'vid_b': dict(has_skeleton=False, label='y', label_index=3),
        'vid_d': dict(has_skeleton=True, label='z', label_index=2),
    }))
    out = str(tmp_path / 'kinetics.pkl')
    summary = _tool('gen_kinetics_pkl').convert(
        dict(train=(str(train), str(label_file)), val=(str(val), None)),
        out, workers=1, dtype='float32', quiet=True)
    assert summary['train_without_skeleton'] == 1 and summary['failed'] == 1
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['split'] == dict(train=['vid_a'], val=['vid_c'])
    vid_a = data['annotations'][0]
    assert vid_a['label'] == 7 and vid_a['total_frames'] == 12
    assert vid_a['keypoint'].shape == (2, 12, 18, 2)
    np.testing.assert_allclose(vid_a['keypoint'][0], poses[0], atol=1e-3)
    np.testing.assert_allclose(vid_a['keypoint'][1, :6], poses[1, :6],
                               atol=1e-3)
    np.testing.assert_allclose(vid_a['keypoint'][1, 6:], poses[2, 6:],
                               atol=1e-3)
    np.testing.assert_allclose(vid_a['keypoint_score'][1, 6:], 0.5)
    assert load_kinetics_json(str(val / 'vid_c.json'))['label'] == 1


def _run_checker(capsys, *args):
    code = _tool('check_annotations').main(list(args))
    return code, capsys.readouterr().out


def test_check_annotations_cli(tmp_path, capsys):
    rng = np.random.default_rng(4)
    good = [dict(frame_dir=f's{i}', label=i % 2, total_frames=5,
                 keypoint=rng.normal(size=(1, 5, 25, 3)).astype(np.float32))
            for i in range(3)]
    path = tmp_path / 'good.pkl'
    path.write_bytes(pickle.dumps(
        dict(split=dict(xsub_train=['s0', 's1'], xsub_val=['s2']),
             annotations=good)))
    code, out = _run_checker(capsys, str(path), '--num-classes', '2',
                             '--split', 'xsub_train', 'xsub_val')
    assert code == 0 and 'OK' in out and 'layout=nturgb+d' in out
    bad = [dict(g) for g in good]
    bad[0]['keypoint'] = np.full((1, 5, 25, 3), np.nan, np.float32)
    bad[2]['label'] = 9
    path = tmp_path / 'bad.pkl'
    path.write_bytes(pickle.dumps(
        dict(split=dict(xsub_train=['s0', 'ghost']), annotations=bad)))
    code, out = _run_checker(capsys, str(path), '--num-classes', '2',
                             '--split', 'xsub_val')
    lines = out.strip().splitlines()
    assert code == 1
    assert any('sample s0: has NaN' in line for line in lines)
    assert any('sample s2: label 9 is outside' in line for line in lines)
    assert any("split 'xsub_val' does not exist" in line for line in lines)
    assert any('ghost' in line for line in lines)
    assert lines[-1].startswith(f'{path}: 4 problem(s)')
    evil = tmp_path / 'evil.pkl'
    evil.write_bytes(b'\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq'
                     b'\x01\x85q\x02Rq\x03.')
    code, out = _run_checker(capsys, str(evil))
    assert code == 2 and 'refusing to load' in out


def test_synthetic_generator_is_deterministic_and_valid(tmp_path, capsys):
    tool = _tool('gen_synthetic_ntu')
    first = tool.generate(num_per_class=4, seed=3)
    again = tool.generate(num_per_class=4, seed=3)
    other = tool.generate(num_per_class=4, seed=4)
    for a, b in zip(first['annotations'], again['annotations']):
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    assert not np.array_equal(first['annotations'][0]['keypoint'],
                              other['annotations'][0]['keypoint'])
    assert {a['label'] for a in first['annotations']} == set(range(8))
    assert first['split']['xsub_train'] and first['split']['xsub_val']
    path = tmp_path / 'demo.pkl'
    path.write_bytes(pickle.dumps(first))
    code, out = _run_checker(capsys, str(path), '--num-classes', '8',
                             '--split', 'xsub_train', 'xsub_val')
    assert code == 0, out
