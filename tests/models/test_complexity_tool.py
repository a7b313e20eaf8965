"""tools/analysis/complexity.py: parameters and FLOPs per sample."""
import importlib.util
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', '_base_', 'models', 'lsta.py')


@pytest.fixture(scope='module')
def tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'complexity.py')
    spec = importlib.util.spec_from_file_location('complexity_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_counts_and_markdown_row(tool, capsys):
    short = tool.measure(CONFIG, shape=(16, ))
    assert short['shape'] == (2, 16, 25, 3)  # M, V, C from the config
    assert 0.95e6 <= short['params'] <= 1.10e6
    long = tool.measure(CONFIG, shape=(32, ))
    # convolutions dominate: FLOPs grow linearly with T (up to the head)
    assert 1.9 < long['flops'] / short['flops'] < 2.05
    tool.main([CONFIG, '--shape', '16', '25', '3', '--num-person', '2'])
    out = capsys.readouterr().out
    assert tool.MARKDOWN_HEADER in out
    assert f'| lsta | 2 | 16 | 25 | 3 | {short["params"] / 1e6:.3f}M | ' \
        f'{short["flops"] / 1e9:.2f} |' in out


def test_three_stream_model_is_three_joint_models(tool):
    """The paper's three streams (Table 1: 3.1M parameters): three times
    the joint model's parameters and FLOPs."""
    joint = tool.measure(
        osp.join(ROOT, 'configs', 'lsta_ntu60_xsub_joint.py'), shape=(16, ))
    three = tool.measure(
        osp.join(ROOT, 'configs', 'lsta_ntu60_xsub_3s.py'), shape=(16, ))
    assert three['shape'] == joint['shape'] == (2, 16, 25, 3)
    assert three['params'] == 3 * joint['params']
    assert three['flops'] == 3 * joint['flops']


def test_params_only_and_overrides(tool, capsys):
    tool.main([CONFIG, '--params-only'])
    full = int(capsys.readouterr().out.strip().splitlines()[-1])
    tool.main([
        CONFIG, '--params-only', '--cfg-options',
        'model.backbone.spatial_cfg.num_scales=4'
    ])
    fewer = int(capsys.readouterr().out.strip().splitlines()[-1])
    assert fewer < full
    assert full == tool.measure(CONFIG, params_only=True)['params']


@pytest.mark.parametrize('argv,match', [
    (['missing.py'], 'config file not found'),
    ([CONFIG, '--shape', '0'], 'positive ints'),
    ([CONFIG, '--shape', '1', '2', '3', '4'], 'T \\[V \\[C\\]\\]'),
    ([CONFIG, '--shape', '16', '17'], 'V=17 joints, but the layout'),
    ([CONFIG, '--shape', '100', '300'], 'one frame count per run'),
])
def test_bad_arguments(tool, argv, match):
    with pytest.raises(SystemExit, match=match):
        tool.main(argv)
