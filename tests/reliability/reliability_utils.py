"""Helpers of the reliability tests: tool runs in subprocesses.

The runs use ``tests/fixtures/configs/tiny_gcn_reliable.py`` (dropout and
random frame sampling on, seed 7, deterministic=True, 3 epochs of 3
iterations) and the test-only hooks of ``tests/fixtures/plugins``.
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import torch

from lsta_mm.compat import safe_torch_load

PYTHON = sys.executable
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO_ROOT, 'tests', 'fixtures', 'configs')
PLUGINS = osp.join(REPO_ROOT, 'tests', 'fixtures', 'plugins')
RELIABLE = osp.join(CONFIGS, 'tiny_gcn_reliable.py')


def data_options(ann_file):
    """--cfg-options entries pointing every loader at ``ann_file``."""
    return [
        f'{loader}.dataset.ann_file={ann_file}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]


def run_tool(args, env, returncode=0, timeout=240):
    """Run ``args`` in the repository root; check the exit status."""
    result = subprocess.run([str(a) for a in args],
                            cwd=REPO_ROOT,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == returncode, (
        f'{" ".join(map(str, args))} exited {result.returncode}, expected '
        f'{returncode}:\n{output[-4000:]}')
    return output


def root_conftest():
    """tests/conftest.py as a module (its name clashes with ours)."""
    import importlib.util
    name = 'lsta_tests_root_conftest'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, osp.join(REPO_ROOT, 'tests', 'conftest.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def train_losses(work_dir):
    """Training losses logged by every run in ``work_dir``, by iteration.

    A resumed run logs the iterations it repeats again; the later entry
    wins, as for the weights.
    """
    losses = {}
    for stamp in sorted(os.listdir(work_dir)):
        scalars = osp.join(work_dir, stamp, 'vis_data', 'scalars.json')
        if not osp.isfile(scalars):
            continue
        with open(scalars) as handle:
            for line in handle:
                record = json.loads(line)
                if 'loss' in record:
                    losses[record['iter']] = record['loss']
    return losses


def load_state(path):
    """``state_dict`` and optimizer momentum buffers of a checkpoint."""
    ckpt = safe_torch_load(str(path))
    state = dict(ckpt['state_dict'])
    for index, param_state in ckpt['optimizer']['state'].items():
        for name, value in param_state.items():
            if torch.is_tensor(value):
                state[f'optimizer.{index}.{name}'] = value
    return state


def assert_same_state(actual, expected, atol=0.0):
    assert list(actual) == list(expected)
    for key, value in expected.items():
        if atol == 0.0:
            assert torch.equal(actual[key], value), key
        else:
            torch.testing.assert_close(
                actual[key].double(),
                value.double(),
                atol=atol,
                rtol=0,
                msg=key)
