"""ONNX Runtime inference: the same pipeline and top-k as the torch model,
through the API and tools/infer.py --backend onnxruntime."""
import json
import os.path as osp

import numpy as np
import pytest
from deploy_utils import REPO_ROOT, sequence

from lsta_mm.apis import (ONNXRecognizer, inference_skeleton_array,
                          init_onnx_recognizer, init_recognizer,
                          recognize_skeleton)

INFER = osp.join(REPO_ROOT, 'tools', 'infer.py')


@pytest.mark.parametrize('kind', ['ntu', 'kinetics', 'two_streams'])
def test_onnx_top_k_equals_torch_top_k(kind, exported, tiny_models):
    torch_model = init_recognizer(*tiny_models[kind], device='cpu')
    onnx_model = init_onnx_recognizer(exported[kind][0], num_threads=1)
    for frames, persons in ((30, 2), (7, 1), (90, 2)):
        keypoint, score = sequence(kind, frames, persons, seed=frames)
        expected = recognize_skeleton(torch_model, keypoint, score)
        got = recognize_skeleton(onnx_model, keypoint, score)
        assert [name for name, _ in got] == [name for name, _ in expected]
        np.testing.assert_allclose([s for _, s in got],
                                   [s for _, s in expected], atol=1e-4)
        # the whole score vector and the label, as test_step gives them
        a = inference_skeleton_array(torch_model, keypoint, score)
        b = inference_skeleton_array(onnx_model, keypoint, score)
        np.testing.assert_allclose(b.pred_score.numpy(),
                                   a.pred_score.numpy(), atol=1e-4)
        assert int(b.pred_label) == int(a.pred_label)


def test_onnx_recognizer_refuses_other_layouts(exported):
    model = ONNXRecognizer(exported['ntu'][0], num_threads=1)
    keypoint, score = sequence('kinetics')
    with pytest.raises(ValueError, match="18 joints per person, but the "
                       "model was built for the 'nturgb\\+d' layout"):
        inference_skeleton_array(model, keypoint, score)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        ONNXRecognizer(exported['ntu'][0] + '.missing')


def test_infer_tool_onnxruntime_prints_the_torch_answer(
        exported, tiny_models, tmp_path, run_tool):
    config, ckpt = tiny_models['kinetics']
    keypoint, score = sequence('kinetics', 40, 2, seed=5)
    path = tmp_path / 'seq.npy'
    # x, y and the score as the third channel: the same sequence
    np.save(path, np.concatenate([keypoint, score[..., None]], -1))
    code, out_torch = run_tool(INFER, [config, ckpt, str(path)])
    assert code == 0, out_torch
    out_json = tmp_path / 'pred.json'
    code, out_onnx = run_tool(INFER, [
        '--backend', 'onnxruntime', exported['kinetics'][0], str(path),
        '--out-json', str(out_json)
    ])
    assert code == 0, out_onnx
    ranks = [line for line in out_onnx.splitlines() if line[:2] in (
        '1.', '2.', '3.', '4.', '5.')]
    assert len(ranks) == 5
    assert ranks == [line for line in out_torch.splitlines()
                     if line[:2] in ('1.', '2.', '3.', '4.', '5.')]
    record = json.loads(out_json.read_text())
    assert len(record['scores']) == 400
    # one line for a missing file, and for the wrong number of paths
    code, _ = run_tool(INFER, ['--backend', 'onnxruntime',
                               str(tmp_path / 'no.onnx'), str(path)])
    assert code == f'ONNX model {tmp_path / "no.onnx"} does not exist'
    code, text = run_tool(INFER, ['--backend', 'onnxruntime', config, ckpt,
                                  str(path)])
    assert code == 2 and 'takes MODEL.onnx INPUT' in text
