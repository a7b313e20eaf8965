"""ONNX export: checker, parity with torch at dynamic lengths, metadata,
refusal without a trace of a file, the tool's one-line errors."""
import os
import os.path as osp

import numpy as np
import onnx
import onnxruntime  # noqa: F401  (the deploy extra: installed in CI)
import pytest
import torch

from lsta_mm.apis import init_recognizer
from lsta_mm.deployment import (METADATA_KEYS, ExportTemporalAvgPool,
                                create_session, export_onnx, read_metadata,
                                torch_scores)
from lsta_mm.label_maps import load_label_map
from lsta_mm.models.modules.utils import TemporalAvgPool
from deploy_utils import CLIP_LEN, KINDS, REPO_ROOT

EXPORT = osp.join(REPO_ROOT, 'tools', 'deployment', 'export_onnx.py')


@pytest.mark.parametrize('kind', list(KINDS))
def test_export_passes_checker_and_matches_torch(kind, exported,
                                                 tiny_models):
    path, metadata = exported[kind]
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version >= 17
    parity = metadata['parity']
    assert parity['max_abs_diff'] <= 1e-4
    checked = {(c['batch'], c['num_clips'], c['frames'])
               for c in parity['checks']}
    assert {(1, 1, 50), (1, 1, 100), (1, 1, 300), (2, 1, CLIP_LEN),
            (1, 2, CLIP_LEN)} <= checked
    # the written file, independently: an odd length and a batch of 3
    model = init_recognizer(*tiny_models[kind], device='cpu')
    session = create_session(path, num_threads=1)
    streams = [2] if kind == 'two_streams' else []
    inputs = torch.randn([3, 1] + streams + [2, 75, 25 if kind != 'kinetics'
                                             else 18, 3])
    ort_scores = session.run(None, {'skeleton': inputs.numpy()})[0]
    reference = torch_scores(model, inputs)
    assert ort_scores.shape == reference.shape
    assert np.abs(ort_scores - reference).max() <= 1e-4
    assert (ort_scores.argmax(1) == reference.argmax(1)).all()
    # peaked, not uniform: the parity is tested on differing scores
    assert reference.max() > 2 / KINDS[kind][2]


def test_metadata_describes_the_input(exported):
    path, _ = exported['kinetics']
    metadata = read_metadata(path)
    assert set(METADATA_KEYS) <= set(metadata)
    assert metadata['layout'] == 'openpose'
    assert metadata['streams'] == ['joint']
    assert metadata['clip_len'] == CLIP_LEN
    assert (metadata['num_person'], metadata['num_joints'],
            metadata['in_channels']) == (2, 18, 3)
    assert metadata['input_layout'] == 'N, num_clips, M, T, V, C'
    assert metadata['input_shape'] == [None, None, 2, None, 18, 3]
    assert metadata['num_classes'] == 400
    assert metadata['class_names'] == load_label_map('kinetics400')
    assert metadata['output'] == 'probabilities'
    assert metadata['test_pipeline'][0]['type'] == 'SkeletonStream'
    multi = read_metadata(exported['two_streams'][0])
    assert multi['streams'] == ['joint', 'bone']
    assert multi['input_layout'] == 'N, num_clips, S, M, T, V, C'
    assert multi['input_shape'] == [None, None, 2, 2, None, 25, 3]
    assert multi['class_names'] is None  # 8 classes: no shipped map
    assert 'weighted sum' in multi['output']


@pytest.mark.parametrize('frames', [1, 2, 3, 7, 24, 25, 50, 75])
def test_export_pool_averages_as_the_model_pool(frames):
    x = torch.randn(2, 4, frames, 5)
    for stride in (1, 2, 3):
        torch.testing.assert_close(
            ExportTemporalAvgPool(stride)(x), TemporalAvgPool(stride)(x))


def test_parity_failure_writes_nothing(tiny_models, tmp_path, monkeypatch):
    from lsta_mm.deployment import ParityError, export
    model = init_recognizer(*tiny_models['ntu'], device='cpu')
    run = export._run_session
    monkeypatch.setattr(export, '_run_session',
                        lambda session, x: run(session, x) + 1e-3)
    out = tmp_path / 'refused.onnx'
    with pytest.raises(ParityError, match=r'1\.00e-03 > tolerance 0\.0001'):
        export_onnx(model, str(out), check_frames=(50, ), num_threads=1)
    assert os.listdir(tmp_path) == []  # neither the file nor a temporary


def test_tool_exports_and_refuses_with_one_line(tiny_models, tmp_path,
                                                run_tool, monkeypatch):
    config, ckpt = tiny_models['ntu']
    out = tmp_path / 'ntu.onnx'
    code, text = run_tool(EXPORT, [
        config, ckpt, '--out', str(out), '--check-frames', '50', '--threads',
        '1', '--label-map', 'ntu60'
    ])
    assert code == 0, text
    assert 'random input, batch 1, 1 clip(s), T = 50: max |ORT - torch|' \
        in text
    assert 'max |ORT - torch| over 3 checks' in text
    assert read_metadata(str(out))['source']['checkpoint'] == 'ntu.pth'
    # ORT off by 1e-3: one line, exit non-zero, no file
    from lsta_mm.deployment import export
    run = export._run_session
    monkeypatch.setattr(export, '_run_session',
                        lambda session, x: run(session, x) + 1e-3)
    refused = tmp_path / 'refused.onnx'
    code, text = run_tool(EXPORT, [
        config, ckpt, '--out', str(refused), '--check-frames', '50',
        '--threads', '1'
    ])
    assert str(code).startswith('error: ONNX Runtime differs from torch by '
                                '1.00e-03 > tolerance 0.0001')
    assert 'was not written' in str(code) and '\n' not in str(code)
    assert 'Traceback' not in text
    assert os.listdir(tmp_path) == ['ntu.onnx']


def test_tool_errors_are_one_line(tiny_models, tmp_path, run_tool,
                                  monkeypatch):
    config, ckpt = tiny_models['ntu']
    out = str(tmp_path / 'x.onnx')
    code, _ = run_tool(EXPORT, [str(tmp_path / 'none.py'), ckpt, '--out',
                                out])
    assert code == f'error: config {tmp_path / "none.py"} does not exist'
    code, _ = run_tool(EXPORT, [config, str(tmp_path / 'no.pth'), '--out',
                                out])
    assert code == f'error: checkpoint {tmp_path / "no.pth"} does not exist'
    # onnxruntime missing: the install command, no traceback
    import builtins
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == 'onnxruntime':
            raise ImportError('No module named onnxruntime')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_onnxruntime)
    code, text = run_tool(EXPORT, [config, ckpt, '--out', out])
    assert code == ('error: onnxruntime is not installed; the deployment '
                    'tools need onnx and onnxruntime: pip install -e '
                    '.[deploy]')
    assert 'Traceback' not in text and not osp.exists(out)


@pytest.mark.parametrize('config', [
    'configs/lsta_ntu60_xsub_joint.py', 'configs/lsta_kinetics_joint.py',
    'configs/lsta_ntu60_xsub_3s.py'
])
def test_shipped_configs_export(config, tmp_path):
    """The paper-size models of the acceptance list (random weights)."""
    model = init_recognizer(osp.join(REPO_ROOT, config), None, device='cpu')
    metadata = export_onnx(
        model, str(tmp_path / 'model.onnx'), check_frames=(50, ),
        num_threads=1)
    assert metadata['parity']['max_abs_diff'] <= 1e-4
    assert metadata['clip_len'] == 300
    onnx.checker.check_model(str(tmp_path / 'model.onnx'))
