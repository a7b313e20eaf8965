"""`import lsta_mm` registers our components in mmaction2's registries."""
import json
import os.path as osp
import subprocess
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MODEL_NAMES = ('LSTANet', 'LSTABlock', 'MSDA', 'TPA', 'ATPA', 'MAM')
REGISTRIES = ('MODELS', 'TRANSFORMS', 'DATASETS', 'METRICS', 'HOOKS')

_LIST_REGISTERED = """
import importlib.util, json, sys
{prelude}
from mmaction.utils import register_all_modules
register_all_modules(init_default_scope=True)
import mmaction.registry as registry
names = {{}}
for name in {registries!r}:
    reg = getattr(registry, name)
    names[name] = {{k: c.__module__ for k, c in reg.module_dict.items()}}
print(json.dumps(names))
"""

# mmaction2 alone: only the drn placeholder, loaded from its file so that
# lsta_mm's registrations do not run.
_MMACTION_ONLY = (
    'spec = importlib.util.spec_from_file_location("lsta_compat", '
    f'{osp.join(REPO_ROOT, "lsta_mm", "compat.py")!r}); '
    'module = importlib.util.module_from_spec(spec); '
    'spec.loader.exec_module(module)')


def _registered(prelude):
    code = _LIST_REGISTERED.format(prelude=prelude, registries=REGISTRIES)
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fresh_interpreter_builds_by_name():
    code = (
        'import lsta_mm\n'
        'from mmaction.utils import register_all_modules\n'
        'register_all_modules()\n'
        'from mmaction.registry import MODELS\n'
        'model = MODELS.build(dict(type="RecognizerGCN", backbone=dict('
        'type="LSTANet", graph_cfg=dict(layout="coco"), in_channels=3, '
        'stage_channels=(12, 24, 36), '
        'spatial_cfg=dict(type="MSDA", num_scales=2)), '
        'cls_head=dict(type="GCNHead", num_classes=4, in_channels=36)))\n'
        'print(type(model.backbone).__name__)\n')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == 'LSTANet'


def test_components_registered_without_shadowing_mmaction2():
    ours = _registered('import lsta_mm')
    theirs = _registered(_MMACTION_ONLY)
    for name in MODEL_NAMES:
        assert ours['MODELS'].get(name, '').startswith('lsta_mm'), name
    added = {
        registry: {
            key
            for key, module in ours[registry].items()
            if module.startswith('lsta_mm')
        }
        for registry in REGISTRIES
    }
    assert added['TRANSFORMS'], 'no lsta_mm transform is registered'
    for registry, keys in added.items():
        clash = keys & set(theirs[registry])
        assert not clash, f'{registry}: {sorted(clash)} shadow mmaction2'
        # mmaction2's own entries are untouched (no force=True overrides).
        for key, module in theirs[registry].items():
            assert ours[registry][key] == module, (registry, key)
