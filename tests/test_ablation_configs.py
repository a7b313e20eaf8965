"""Every ablation config (paper Tables 4-7) loads, builds and changes one
switch of the ablation base."""
import glob
import os.path as osp

import pytest
from mmaction.utils import register_all_modules
from mmengine.config import Config

import lsta_mm  # noqa: F401
from lsta_mm.models.modules import ATPA, TPA, ResidualMSTCN
from lsta_mm.registry import MODELS

register_all_modules()

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ABLATIONS = osp.join(ROOT, 'configs', 'ablations')
BASE = 'lsta_ntu60_xsub_joint_ablation_base'
CONFIGS = sorted(
    osp.splitext(osp.basename(p))[0]
    for p in glob.glob(osp.join(ABLATIONS, '*.py')))

# name -> (scheme, K, temporal type, S, eta, dilations, pooling)
DEFAULT = ('msda', 8, ATPA, 6, 5, (1, 2, 3), 'max')
EXPECTED = {
    BASE: DEFAULT,
    'lsta_ntu60_xsub_joint_k1': ('msda', 1) + DEFAULT[2:],
    'lsta_ntu60_xsub_joint_k4': ('msda', 4) + DEFAULT[2:],
    'lsta_ntu60_xsub_joint_k12': ('msda', 12) + DEFAULT[2:],
    'lsta_ntu60_xsub_joint_mstcn': DEFAULT[:2] + (ResidualMSTCN, ) +
    (None, ) * 4,
    'lsta_ntu60_xsub_joint_tpa_noattn': DEFAULT[:2] + (TPA, 6) +
    (None, ) * 3,
    'lsta_ntu60_xsub_bone_tpa_noattn': DEFAULT[:2] + (TPA, 6) +
    (None, ) * 3,
    'lsta_ntu60_xsub_joint_s4': DEFAULT[:3] + (4, ) + DEFAULT[4:],
    'lsta_ntu60_xsub_joint_s8': DEFAULT[:3] + (8, ) + DEFAULT[4:],
    'lsta_ntu60_xsub_joint_stride_in_atpa': DEFAULT,
    'lsta_ntu60_xsub_bone_root_zero': DEFAULT,
    'lsta_ntu60_xsub_bone_frame_span100_zero': DEFAULT,
}
# the learning factors (docs/model.md): ATPA / MAM start and placement
# name -> (attention_position, neutral_start, gate_scale, zero_init_branch,
#          fragment_act)
LEARNING = {
    BASE: ('branch', False, 1.0, False, 'carry'),
    'lsta_ntu60_xsub_joint_attn_output':
    ('output', False, 1.0, False, 'carry'),
    'lsta_ntu60_xsub_joint_mam_neutral_start':
    ('branch', True, 1.0, False, 'carry'),
    'lsta_ntu60_xsub_joint_mam_gate2': ('branch', True, 2.0, False, 'carry'),
    'lsta_ntu60_xsub_joint_zero_init_branch':
    ('branch', True, 1.0, True, 'carry'),
    'lsta_ntu60_xsub_joint_fragment_act': ('branch', False, 1.0, False, True),
    'lsta_ntu60_xsub_joint_linear_tpa': ('branch', False, 1.0, False, False),
    'lsta_ntu60_xsub_joint_fragment_act_lr4x':
    ('branch', False, 1.0, False, True),
}
# the learning factors outside ATPA/MAM: what each config changes
# name -> (data_bn_type, lr, random_affine of the training stream,
#          normalisation of every stream,
#          (longer, frame_span, pad_mode) of every stream)
#: DEFAULT_CLIP_READING: 100 recorded frames at one rate, last frame held
READING = ('uniform', 100, 'edge')
RECIPE = {
    BASE: ('MVC', 0.15, None, True, READING),
    'lsta_ntu60_xsub_joint_paper_clip':
    ('MVC', 0.15, None, True, ('uniform', None, 'replay')),
    'lsta_ntu60_xsub_joint_data_bn_vc': ('VC', 0.15, None, True, READING),
    'lsta_ntu60_xsub_joint_paper_lr': ('MVC', 0.05, None, True, READING),
    'lsta_ntu60_xsub_joint_lr4x': ('MVC', 0.2, None, True, READING),
    'lsta_ntu60_xsub_joint_fragment_act_lr4x':
    ('MVC', 0.2, None, True, READING),
    'lsta_ntu60_xsub_joint_random_affine':
    ('MVC', 0.15, dict(rotate=15, scale=0.1), True, READING),
    'lsta_ntu60_xsub_joint_center_first':
    ('MVC', 0.15, None, dict(center='first', center_joint=1), READING),
    'lsta_ntu60_xsub_joint_frame_span150_zero':
    ('MVC', 0.15, None, True, ('crop', 150, 'zero')),
    'lsta_ntu60_xsub_joint_frame_span150':
    ('MVC', 0.15, None, True, ('crop', 150, 'replay')),
    'lsta_ntu60_xsub_joint_frame_span100_zero':
    ('MVC', 0.15, None, True, ('uniform', 100, 'zero')),
    'lsta_ntu60_xsub_joint_lr2x': ('MVC', 0.1, None, True, READING),
}
for _name in list(LEARNING) + list(RECIPE):
    EXPECTED.setdefault(_name, DEFAULT)
for _k in (4, 8, 12):
    EXPECTED[f'lsta_ntu60_xsub_joint_gcn_k{_k}'] = ('gcn', _k) + DEFAULT[2:]
    EXPECTED[f'lsta_ntu60_xsub_joint_msgcn_k{_k}'] = ('ms-gcn',
                                                      _k) + DEFAULT[2:]
_MAM = dict(
    eta3=(3, (1, 2, 3)),
    eta7=(7, (1, 2, 3)),
    eta9=(9, (1, 2, 3)),
    dil1=(5, (1, )),
    dil12=(5, (1, 2)),
    dil1234=(5, (1, 2, 3, 4)))
for _name, (_eta, _dil) in _MAM.items():
    for _pool, _prefix in (('max', ''), ('avg', 'avgpool_')):
        EXPECTED[f'lsta_ntu60_xsub_joint_{_prefix}{_name}'] = \
            DEFAULT[:4] + (_eta, _dil, _pool)
EXPECTED['lsta_ntu60_xsub_joint_avgpool'] = DEFAULT[:6] + ('avg', )


def _build(name):
    cfg = Config.fromfile(osp.join(ABLATIONS, name + '.py'))
    return cfg, MODELS.build(cfg.model)


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_every_table_switch_has_a_config():
    assert set(CONFIGS) == set(EXPECTED)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_with_expected_switches(name):
    cfg, model = _build(name)
    assert cfg.model.backbone.type == 'LSTANet'
    assert cfg.train_dataloader.dataset is not None
    scheme, k, temporal, s, eta, dilations, pooling = EXPECTED[name]
    early = name != 'lsta_ntu60_xsub_joint_stride_in_atpa'
    for block in model.backbone.blocks:
        assert block.stride_before_spatial == early
        assert block.spatial.scheme == scheme
        assert block.spatial.A.shape[0] == k
        assert all(type(m) is temporal for m in block.temporal)
        first = block.temporal[0]
        tpa = first.tpa if isinstance(first, ATPA) else first
        if s is not None:
            assert tpa.num_fragments == s
        if eta is not None:
            assert first.mam.kernel_size == eta
            assert first.mam.dilations == dilations
            assert first.mam.pooling == pooling


@pytest.mark.parametrize('name', sorted(LEARNING))
def test_learning_factor_configs_change_their_switch(name):
    position, neutral, scale, zero_init, fragment_act = LEARNING[name]
    model = _build(name)[1]
    model.init_weights()
    for block in model.backbone.blocks:
        for atpa in block.temporal:
            assert atpa.attention_position == position
            assert atpa.mam.neutral_start == neutral
            assert atpa.mam.gate_scale == scale
            assert atpa.tpa.zero_init_branch == zero_init
            assert atpa.tpa.fragment_act == fragment_act
            assert (atpa.tpa.fragment_acts is not None) == bool(fragment_act)
            assert (atpa.mam.weight == 0).all() == neutral
            gamma = atpa.tpa.fragments[-1].bn.weight
            assert (gamma == 0).all() == zero_init


@pytest.mark.parametrize('name', [
    'lsta_ntu60_xsub_joint_tpa_noattn', 'lsta_ntu60_xsub_bone_tpa_noattn'
])
def test_without_mam_keeps_the_base_pyramid(name):
    """Table 5's TPA row is the default network minus MAM: its pyramid
    follows the base's ``fragment_act`` (one place states it)."""
    cfg = _build(name)[0]
    base = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'models',
                                    'lsta.py'))
    default = base.model.backbone.temporal_cfg.fragment_act
    assert default == 'carry'
    assert cfg.model.backbone.temporal_cfg.fragment_act == default


@pytest.mark.parametrize('name', sorted(RECIPE))
def test_recipe_factor_configs_change_their_switch(name):
    data_bn_type, lr, random_affine, normalize, sampling = RECIPE[name]
    cfg, model = _build(name)
    assert model.backbone.data_bn_type == data_bn_type
    # a config that translates differently must not be re-centred by the
    # network
    assert model.backbone.center_input == (
        normalize is True or 'center' not in normalize)
    assert cfg.optim_wrapper.optimizer.lr == lr
    train_stream = cfg.train_dataloader.dataset.pipeline[0]
    assert train_stream.get('random_affine') == random_affine
    # augmentation never reaches the evaluation pipelines
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.pipeline[0].get('random_affine') is None
    # training and evaluation are normalised alike
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.dataset.pipeline[0].get('normalize', True) == normalize
        stream = loader.dataset.pipeline[0]
        assert (stream.get('longer', 'uniform'), stream.get('frame_span'),
                stream.get('pad_mode', 'replay')) == sampling


def test_parameter_counts_differ_where_expected():
    counts = {
        name: _count(_build(name)[1])
        for name in (BASE, 'lsta_ntu60_xsub_joint_k4',
                     'lsta_ntu60_xsub_joint_mstcn',
                     'lsta_ntu60_xsub_joint_tpa_noattn',
                     'lsta_ntu60_xsub_joint_s4', 'lsta_ntu60_xsub_joint_eta3',
                     'lsta_ntu60_xsub_joint_avgpool',
                     'lsta_ntu60_xsub_joint_stride_in_atpa',
                     'lsta_ntu60_xsub_joint_gcn_k8')
    }
    base = counts[BASE]
    # fewer scales: a smaller K*C -> C' mixing in every MSDA
    assert counts['lsta_ntu60_xsub_joint_k4'] < base
    # Table 5: MS-TCN is heavier than (A)TPA; attention costs 15 weights
    # per ATPA (eta 5 x 3 dilations), nine ATPA in all
    assert counts['lsta_ntu60_xsub_joint_mstcn'] > base
    assert base - counts['lsta_ntu60_xsub_joint_tpa_noattn'] == 9 * 15
    # S = 4 has fewer, wider fragments: 4 * 3 * (C/4)^2 > 6 * 3 * (C/6)^2
    assert counts['lsta_ntu60_xsub_joint_s4'] > base
    assert base - counts['lsta_ntu60_xsub_joint_eta3'] == 9 * 3 * 2
    # pooling, the stride placement and the spatial scheme change no
    # parameter
    assert counts['lsta_ntu60_xsub_joint_avgpool'] == base
    assert counts['lsta_ntu60_xsub_joint_stride_in_atpa'] == base
    assert counts['lsta_ntu60_xsub_joint_gcn_k8'] == base


@pytest.mark.parametrize('config, bone_root', [
    (osp.join(ABLATIONS, 'lsta_ntu60_xsub_bone_root_zero.py'), 'zero'),
    (osp.join(ROOT, 'configs', 'lsta_ntu60_xsub_bone.py'), 'position'),
])
def test_bone_root_is_set_in_every_loader(config, bone_root):
    cfg = Config.fromfile(config)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        stream = cfg[key].dataset.pipeline[0]
        assert (stream.stream, stream.bone_root) == ('bone', bone_root)
    assert cfg.val_dataloader.dataset.pipeline[0].test_mode
