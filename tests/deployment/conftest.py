"""Fixtures of the deployment tests: the tiny models of
:mod:`deploy_utils` as config + checkpoint (classifier scaled up: peaked
probabilities, so parity and top-k are tested on scores that differ),
their exports (the tool runner is in tests/conftest.py)."""
import pytest
import torch
from deploy_utils import KINDS, config_text


@pytest.fixture(scope='session')
def tiny_models(tmp_path_factory):
    """``kind -> (config path, checkpoint path)``, built once."""
    from mmengine.runner import save_checkpoint

    from lsta_mm.apis import init_recognizer
    root = tmp_path_factory.mktemp('deploy_models')
    models = {}
    for index, kind in enumerate(KINDS):
        config = root / f'{kind}.py'
        config.write_text(config_text(kind))
        torch.manual_seed(index)
        model = init_recognizer(str(config), None, device='cpu')
        for name, param in model.named_parameters():
            if name.endswith('cls_head.fc.weight'):
                param.data.normal_(0, 1.0)
        ckpt = root / f'{kind}.pth'
        save_checkpoint({'state_dict': model.state_dict()}, str(ckpt))
        models[kind] = (str(config), str(ckpt))
    return models


@pytest.fixture(scope='session')
def exported(tiny_models, tmp_path_factory):
    """``kind -> (.onnx path, metadata)`` exported once with the default
    checks (clip_len, 50, 100, 300)."""
    from lsta_mm.apis import init_recognizer
    from lsta_mm.deployment import export_onnx
    root = tmp_path_factory.mktemp('deploy_onnx')
    files = {}
    for kind, (config, ckpt) in tiny_models.items():
        model = init_recognizer(config, ckpt, device='cpu')
        out = str(root / f'{kind}.onnx')
        files[kind] = (out, export_onnx(model, out, num_threads=1))
    return files
