"""Fixtures of the reliability tests (helpers: reliability_utils.py)."""
import os

import pytest
from reliability_utils import (PLUGINS, PYTHON, RELIABLE, REPO_ROOT,
                               data_options, run_tool)


def _plugin_env():
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    env['PYTHONPATH'] = os.pathsep.join(
        [PLUGINS, REPO_ROOT, env.get('PYTHONPATH', '')])
    env.pop('LSTA_TEST_KILL', None)
    return env


@pytest.fixture
def plugin_env():
    """Environment for tool subprocesses that can import the test-only
    hooks of tests/fixtures/plugins (``tool_env`` plus that folder)."""
    return _plugin_env()


@pytest.fixture(scope='module')
def plugin_env_module():
    return _plugin_env()


@pytest.fixture(scope='session')
def reference_run(tmp_path_factory, tiny_ann_file):
    """One uninterrupted run of the reliable config: its work_dir."""
    work_dir = tmp_path_factory.mktemp('reference')
    run_tool([
        PYTHON, 'tools/train.py', RELIABLE, '--work-dir', work_dir,
        '--cfg-options', *data_options(tiny_ann_file)
    ], _plugin_env())
    return work_dir
