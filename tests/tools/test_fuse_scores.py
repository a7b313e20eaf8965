"""tools/fuse_scores.py, tools/merge_streams.py and the multi-stream model
through tools/test.py.

Two tiny LSTA-Net streams (joint, joint_motion) with random weights on the
generated NTU-format pkl: the separate dumps fused by the tool equal the
weighted sum by hand, and so does the tools/test.py dump of the merged
multi-stream checkpoint, alone, after the stream checkpoints are gone.
"""
import json
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

PYTHON = sys.executable
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RUNTIME = osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')
WEIGHTS = {'joint': 0.6, 'joint_motion': 0.4}
CLIP_LEN = 16  # the fixture's 20-frame sequences are shortened


def stream_config_text(stream, ann_file, extra=''):
    return f'''
_base_ = [{RUNTIME!r}]
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='LSTANet', graph_cfg=dict(layout='nturgb+d'),
                  stage_channels=(12, 24), stage_strides=(1, 2)),
    cls_head=dict(type='GCNHead', num_classes=3, in_channels=24))
test_pipeline = [
    dict(type='SkeletonStream', layout='nturgb+d', stream={stream!r},
         clip_len={CLIP_LEN}, test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))]
test_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PoseDataset', ann_file={ann_file!r},
                 pipeline=test_pipeline, split='xsub_val', test_mode=True))
test_evaluator = [dict(type='AccMetric')]
test_cfg = dict(type='TestLoop')
{extra}
'''


def _run(args, env, expect_ok=True):
    result = subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=300)
    out = result.stdout + result.stderr
    if expect_ok:
        assert result.returncode == 0, f'{args} failed:\n{out[-3000:]}'
    return result.returncode, out


def _dump_scores(path):
    with open(path, 'rb') as handle:
        samples = pickle.load(handle)
    return (np.stack([s['pred_score'].numpy() for s in samples]),
            np.array([int(s['gt_label']) for s in samples]), samples)


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_ann_file):
    """Random stream checkpoints, separate dumps (in-process Runner)."""
    from mmaction.utils import register_all_modules
    from mmengine.runner import Runner, save_checkpoint

    import lsta_mm  # noqa: F401
    from lsta_mm.registry import MODELS
    register_all_modules()
    root = tmp_path_factory.mktemp('fusion')
    paths = {}
    for seed, stream in enumerate(WEIGHTS):
        cfg_file = root / f'{stream}.py'
        cfg_file.write_text(stream_config_text(stream, tiny_ann_file))
        cfg = Config.fromfile(str(cfg_file))
        torch.manual_seed(seed)
        model = MODELS.build(cfg.model)
        model.init_weights()
        ckpt = str(root / f'{stream}.pth')
        save_checkpoint(
            {
                'state_dict': model.state_dict(),
                'meta': dict(streams=[stream])
            }, ckpt)
        dump = str(root / f'{stream}.pkl')
        cfg.work_dir = str(root / f'wd_{stream}')
        cfg.load_from = ckpt
        cfg.test_evaluator = [
            dict(type='AccMetric'),
            dict(type='DumpResults', out_file_path=dump)
        ]
        Runner.from_cfg(cfg).test()
        paths[stream] = dict(config=str(cfg_file), ckpt=ckpt, dump=dump)
    streams = ', '.join(f'dict(stream={s!r}, model=model_cfg, '
                        f'weight={WEIGHTS[s]})' for s in paths)
    ensemble = root / 'ensemble.py'
    ensemble.write_text(
        stream_config_text(
            list(WEIGHTS), tiny_ann_file,
            extra=f'model_cfg = model\nmodel = dict('
            f'type="MultiStreamRecognizer", streams=[{streams}])\n'
            f'test_evaluator = [dict(type="AccMetric"), '
            f'dict(type="StreamAccMetric")]\n'))
    return root, paths, str(ensemble)


FUSE = osp.join(REPO_ROOT, 'tools', 'fuse_scores.py')


def test_fusion_equals_weighted_sum_by_hand(setup, run_tool):
    root, paths, _ = setup
    out_pkl, out_json = str(root / 'fused.pkl'), str(root / 'fused.json')
    code, out = run_tool(FUSE, [
        paths['joint']['dump'], paths['joint_motion']['dump'], '--weights',
        '0.6', '0.4', '--names', 'joint', 'joint_motion', '--out', out_pkl,
        '--json', out_json
    ])
    assert code == 0, out
    assert 'fusion' in out and 'not probabilities' not in out
    joint, labels, _ = _dump_scores(paths['joint']['dump'])
    motion, _, _ = _dump_scores(paths['joint_motion']['dump'])
    by_hand = 0.6 * joint + 0.4 * motion
    fused, fused_labels, _ = _dump_scores(out_pkl)
    np.testing.assert_allclose(fused, by_hand, rtol=0, atol=1e-6)
    assert fused_labels.tolist() == labels.tolist()
    with open(out_json) as handle:
        table = json.load(handle)['metrics']
    top1 = float(np.mean(by_hand.argmax(1) == labels))
    assert table['fusion']['top1'] == pytest.approx(top1)
    assert table['joint']['top1'] == pytest.approx(
        float(np.mean(joint.argmax(1) == labels)))
    # mmaction2's own report_accuracy.py reads our fused dump
    import mmaction
    report = osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'tools', 'analysis_tools',
        'report_accuracy.py')
    code, out = run_tool(report, ['--preds', out_pkl, '--coefficients', '1'])
    assert f'Top 1 Accuracy: {top1:.04f}' in out


def test_mismatched_dumps_are_refused(setup, run_tool, tmp_path):
    _, paths, _ = setup
    _, _, samples = _dump_scores(paths['joint']['dump'])
    with open(tmp_path / 'reordered.pkl', 'wb') as handle:
        pickle.dump(samples[::-1], handle)  # same samples, other order
    code, out = run_tool(
        FUSE, [paths['joint']['dump'],
               str(tmp_path / 'reordered.pkl')])
    assert code != 0
    assert 'not in the same sample order' in str(code)
    assert 'reordered.pkl' in str(code)


def test_merged_checkpoint_equals_fusion_of_separate_runs(
        setup, tool_env, tmp_path):
    import shutil
    root, paths, ensemble_cfg = setup
    # the stream checkpoints live in their own folders, deleted after the
    # merge: the merged file is all tools/test.py needs
    sources = []
    for stream, p in paths.items():
        folder = tmp_path / f'work_dir_{stream}'
        folder.mkdir()
        shutil.copy(p['ckpt'], folder / 'epoch_1.pth')
        (folder / 'last_checkpoint').write_text(
            str(folder / 'epoch_1.pth'))
        sources += ['--stream', f'{stream}={folder}']
    merged = str(tmp_path / 'merged.pth')
    _, out = _run([
        PYTHON, 'tools/merge_streams.py', ensemble_cfg, *sources, '--out',
        merged
    ], tool_env)
    assert 'merged checkpoint written' in out
    for stream in paths:
        shutil.rmtree(tmp_path / f'work_dir_{stream}')
    dump = str(root / 'ensemble_scores.pkl')
    _, out = _run([
        PYTHON, 'tools/test.py', ensemble_cfg, merged, '--work-dir',
        str(root / 'wd_ensemble'), '--dump', dump
    ], tool_env)
    assert 'stream/joint_motion_top1' in out and 'acc/top1' in out
    fused, labels, samples = _dump_scores(dump)
    joint, joint_labels, _ = _dump_scores(paths['joint']['dump'])
    motion, _, _ = _dump_scores(paths['joint_motion']['dump'])
    assert labels.tolist() == joint_labels.tolist()
    np.testing.assert_allclose(fused, 0.6 * joint + 0.4 * motion, rtol=0,
                               atol=1e-6)
    np.testing.assert_allclose(
        np.stack([s['stream_scores']['joint_motion'].numpy()
                  for s in samples]), motion, rtol=0, atol=1e-6)


def test_dump_that_would_run_code_is_one_line(setup, run_tool, tmp_path):
    _, paths, _ = setup
    evil = tmp_path / 'evil.pkl'
    evil.write_bytes(pickle.dumps(print))  # loading it would call print
    code, out = run_tool(FUSE, [paths['joint']['dump'], str(evil)])
    assert str(code).startswith('error: refusing to load')
    assert 'evil.pkl' in str(code) and 'Traceback' not in out


def test_merge_refuses_a_checkpoint_of_another_stream(setup, tool_env,
                                                      tmp_path):
    _, paths, ensemble_cfg = setup
    code, out = _run([
        PYTHON, 'tools/merge_streams.py', ensemble_cfg, '--stream',
        f'joint={paths["joint_motion"]["ckpt"]}', '--stream',
        f'joint_motion={paths["joint"]["ckpt"]}', '--out',
        str(tmp_path / 'swapped.pth')
    ], tool_env, expect_ok=False)
    assert code != 0 and 'Traceback' not in out
    assert 'joint stream: checkpoint' in out
    assert 'trained on the joint_motion stream' in out
    assert not (tmp_path / 'swapped.pth').exists()


def test_testing_a_checkpoint_with_another_streams_config_is_refused(
        setup, tool_env):
    """A joint-motion checkpoint fits a joint model's shapes exactly; its
    recorded stream stops tools/test.py with one line naming both."""
    root, paths, _ = setup
    code, out = _run([
        PYTHON, 'tools/test.py', paths['joint']['config'],
        paths['joint_motion']['ckpt'], '--work-dir',
        str(root / 'wd_wrong_stream')
    ], tool_env, expect_ok=False)
    assert code != 0 and 'Traceback' not in out
    assert 'trained on the joint_motion stream(s) but the config feeds ' \
        'its model joint' in out
