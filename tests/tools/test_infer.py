"""tools/infer.py: top-5 class names, JSON, same answer for every format."""
import json
import os.path as osp
import re
import sys

import numpy as np
import pytest
import torch

PYTHON = sys.executable
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INFER = osp.join(REPO_ROOT, 'tools', 'infer.py')
NAME = 'S002C001P004R002A023'

STREAM, CLIP_LEN = 'joint', 16


@pytest.fixture(scope='module')
def files(tmp_path_factory, tiny_lsta_config):
    from mmaction.utils import register_all_modules
    from mmengine.runner import save_checkpoint

    from lsta_mm.apis import init_recognizer
    from lsta_mm.datasets.ntu_raw import dump_ntu_skeleton
    register_all_modules()
    root = tmp_path_factory.mktemp('infer_tool')
    config = root / 'tiny.py'
    config.write_text(tiny_lsta_config(STREAM, CLIP_LEN))
    torch.manual_seed(1)
    model = init_recognizer(str(config), None, device='cpu')
    ckpt = str(root / 'tiny.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    rng = np.random.default_rng(3)
    base = np.stack([
        rng.uniform(-0.2, 0.2, 25),
        rng.uniform(-0.8, 0.8, 25),
        rng.uniform(2.8, 3.2, 25)
    ], -1)
    motion = 0.05 * np.sin(np.arange(13) / 2)[:, None, None]
    keypoint = (base[None, None] + motion * rng.normal(size=(1, 1, 25, 3)))
    dump_ntu_skeleton(str(root / f'{NAME}.skeleton'), keypoint)
    return str(config), ckpt, root


def test_infer_prints_top5_and_writes_json(files, run_tool):
    from lsta_mm.apis import (init_recognizer, load_skeleton_input,
                              recognize_skeleton)
    config, ckpt, root = files
    skeleton = str(root / f'{NAME}.skeleton')
    out_json = str(root / 'pred.json')
    code, out = run_tool(INFER, [str(config), ckpt, skeleton, '--out-json',
                                 out_json])
    assert code == 0, out
    with open(out_json) as handle:
        record = json.load(handle)
    assert record['frame_dir'] == NAME and record['gt_label'] == 22
    assert record['label_map'] == 'ntu60'
    assert [p['rank'] for p in record['predictions']] == [1, 2, 3, 4, 5]
    for p in record['predictions']:
        assert f'{p["rank"]}. {p["label"]}' in out
    np.testing.assert_allclose(sum(record['scores']), 1.0, rtol=1e-5)
    # the CLI gives the API's answer; .npy of the same sequence agrees
    seq = load_skeleton_input(skeleton)['keypoint']
    np.save(root / 'seq.npy', seq[0])  # (T, V, C): one person
    model = init_recognizer(config, ckpt, device='cpu')
    api = recognize_skeleton(model, seq)
    assert [(p['label'], pytest.approx(p['score'], abs=1e-7))
            for p in record['predictions']] == api
    code, out_npy = run_tool(INFER, [config, ckpt, str(root / 'seq.npy')])
    assert code == 0
    assert out_npy.splitlines()[-5:] == out.splitlines()[-6:-1]


def test_infer_refuses_bad_input_with_one_message(files, run_tool,
                                                  tmp_path):
    config, ckpt, root = files
    np.save(tmp_path / 'bad.npy', np.zeros((5, 25)))
    code, _ = run_tool(INFER, [config, ckpt, str(tmp_path / 'bad.npy')])
    assert 'bad.npy: keypoint has shape (5, 25)' in str(code)
    code, _ = run_tool(INFER, [
        config, ckpt, str(root / f'{NAME}.skeleton'), '--label-map', 'ntu120'
    ])
    assert 'label map has 120 names but the model scores 60' in str(code)
    code, _ = run_tool(INFER, [config, str(tmp_path / 'none.pth'),
                               str(tmp_path / 'bad.npy')])
    assert 'does not exist' in str(code)


@pytest.mark.parametrize('shape,message', [
    ((12, 18, 3), '18 joints per person, but the model was built for the '
     "'nturgb+d' layout with 25"),
    ((12, 25, 2), '2 channels per joint, but the model takes 3'),
])
def test_infer_refuses_data_of_another_layout(files, run_tool, tmp_path,
                                              shape, message):
    from lsta_mm.apis import init_recognizer, recognize_skeleton
    config, ckpt, _ = files
    path = tmp_path / 'other.npy'
    np.save(path, np.random.default_rng(0).normal(size=shape))
    code, out = run_tool(INFER, [config, ckpt, str(path)])
    assert str(code).startswith(f'error: {path}, sample other: {message}')
    assert 'Traceback' not in out
    model = init_recognizer(config, ckpt, device='cpu')
    with pytest.raises(ValueError, match=re.escape(message)):  # the API too
        recognize_skeleton(model, np.load(path))


def test_multi_stream_checkpoint_alone_serves_infer_and_visualize(
        tmp_path, run_tool, tiny_lsta_config):
    """A joint + bone model built from its config: tools/infer.py and
    tools/visualize.py need only its config and checkpoint, and infer's
    scores are the fusion of the two streams' own predictions."""
    from mmaction.utils import register_all_modules
    from mmengine.runner import save_checkpoint

    from lsta_mm.apis import (inference_skeleton_array, init_recognizer,
                              load_skeleton_input)
    from lsta_mm.datasets.ntu_raw import dump_ntu_skeleton
    register_all_modules()
    config = tmp_path / 'two_streams.py'
    config.write_text(
        tiny_lsta_config(['joint', 'bone'], CLIP_LEN) + '''
model_cfg = model
model = dict(type='MultiStreamRecognizer', streams=[
    dict(stream='joint', model=model_cfg, weight=0.7),
    dict(stream='bone', model=model_cfg, weight=0.3)])
''')
    torch.manual_seed(2)
    model = init_recognizer(str(config), None, device='cpu')
    ckpt = str(tmp_path / 'two_streams.pth')
    save_checkpoint(
        dict(state_dict=model.state_dict(),
             meta=dict(streams=['joint', 'bone'])), ckpt)
    rng = np.random.default_rng(4)
    skeleton = str(tmp_path / f'{NAME}.skeleton')
    dump_ntu_skeleton(skeleton, rng.normal(size=(1, 20, 25, 3)) * 0.3 +
                      np.array([0, 0, 3.0]))
    out_json = str(tmp_path / 'pred.json')
    code, out = run_tool(INFER, [str(config), ckpt, skeleton, '--out-json',
                                 out_json])
    assert code == 0, out
    with open(out_json) as handle:
        record = json.load(handle)
    loaded = init_recognizer(str(config), ckpt, device='cpu')
    result = inference_skeleton_array(
        loaded, load_skeleton_input(skeleton)['keypoint'])
    fused = 0.7 * result.stream_scores['joint'] + \
        0.3 * result.stream_scores['bone']
    torch.testing.assert_close(result.pred_score, fused)
    best = float(fused.max())
    assert record['predictions'][0]['score'] == pytest.approx(best,
                                                              abs=1e-5)
    code, out = run_tool(
        osp.join(REPO_ROOT, 'tools', 'visualize.py'),
        [str(config), ckpt, skeleton, '--out-dir', str(tmp_path / 'vis')])
    assert code == 0, out
    assert len(list((tmp_path / 'vis').glob('*.png'))) == 2
