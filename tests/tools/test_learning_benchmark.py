"""tools/analysis/learning_benchmark.py: the protocol on the real configs,
label shuffling, and a tiny benchmark end to end (about a minute on CPU)."""
import copy
import importlib
import json
import os
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
from mmengine.config import Config

from lsta_mm.safe_pickle import safe_load_pickle

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'learning_benchmark.py')


@pytest.fixture(scope='module')
def lb():
    """The tool as a module (tools/analysis on sys.path while imported)."""
    folder = osp.dirname(TOOL)
    sys.path.insert(0, folder)
    try:
        return importlib.import_module('learning_benchmark')
    finally:
        sys.path.remove(folder)


def _protocol(lb, **overrides):
    values = dict(
        ann_file='/data/ntu.pkl',
        source_ann_file='/data/ntu.pkl',
        train_split='xsub_train',
        val_split='xsub_val',
        num_classes=7,
        num_train=96,
        num_val=48,
        clip_len=24,
        batch=4,
        num_workers=1)
    values.update(overrides)
    return lb.Protocol(**values)


def _loaders(cfg):
    return [(role, cfg[key])
            for key, role in (('train_dataloader', 'train'),
                              ('val_dataloader', 'val'), ('test_dataloader',
                                                          'test'))]


def _pipeline(loader):
    dataset = loader.dataset
    while 'pipeline' not in dataset:  # a wrapper (RepeatDataset)
        dataset = dataset.dataset
    return dataset.pipeline


def _sampling(cfg):
    """``(role, transform)`` of every transform with a ``clip_len``."""
    return [(role, t) for role, loader in _loaders(cfg)
            for t in _pipeline(loader) if 'clip_len' in t]


#: (model, dataset type, backbone, sampling transform, clip_len, lr,
#: base batch) of the configs as shipped.
SHIPPED = {
    'lsta': ('LSTAPoseDataset', 'LSTANet', 'SkeletonStream', 300, 0.15, 64),
    'stgcn': ('PoseDataset', 'STGCN', 'UniformSampleFrames', 100, 0.1, 128),
    'stgcnpp': ('PoseDataset', 'STGCN', 'UniformSampleFrames', 100, 0.1, 128),
    # mmaction2's ST-GCN pipeline with our network and our optimizer ...
    'lsta_in_stgcn':
    ('PoseDataset', 'LSTANet', 'UniformSampleFrames', 100, 0.15, 64),
    # ... and with ST-GCN's optimizer (a third of our lr per sample)
    'lsta_in_stgcn_its_lr':
    ('PoseDataset', 'LSTANet', 'UniformSampleFrames', 100, 0.1, 128),
    # the other way round: ST-GCN and its optimizer in our pipeline
    'stgcn_in_lsta':
    ('LSTAPoseDataset', 'STGCN', 'SkeletonStream', 300, 0.1, 128),
}


@pytest.mark.parametrize('model', sorted(SHIPPED))
def test_protocol_overrides_every_config_alike(lb, model, tmp_path):
    dataset_type, backbone, sampler, clip_len, lr, base = SHIPPED[model]
    spec = lb.resolve_model(model)
    raw = spec.cfg
    # As shipped: the values the protocol must change are different.
    assert raw.model.backbone.type == backbone
    assert raw.model.cls_head.num_classes == 60
    assert raw.train_dataloader.batch_size == 16
    assert raw.auto_scale_lr.enable is False
    assert raw.auto_scale_lr.base_batch_size == base
    assert raw.train_cfg.max_epochs != 5
    assert raw.param_scheduler[0].get('T_max') != 5
    assert {t.type for _, t in _sampling(raw)} == {sampler}
    assert {t.clip_len for _, t in _sampling(raw)} == {clip_len}
    mmaction_config = dataset_type == 'PoseDataset'
    if mmaction_config:
        assert raw.train_dataloader.dataset.type == 'RepeatDataset'
        assert raw.test_dataloader.dataset.pipeline[2].num_clips == 10

    run_dir = str(tmp_path / 'run')
    cfg = lb.apply_protocol(
        copy.deepcopy(raw), _protocol(lb), epochs=5, seed=3, work_dir=run_dir)
    for role, loader in _loaders(cfg):
        dataset = loader.dataset
        assert dataset.type == dataset_type  # RepeatDataset unwrapped
        assert dataset.ann_file == '/data/ntu.pkl'
        assert dataset.split == ('xsub_train'
                                 if role == 'train' else 'xsub_val')
        if dataset_type == 'LSTAPoseDataset':
            assert dataset.num_classes == 7
        assert loader.batch_size == 4
        assert loader.num_workers == 1 and loader.persistent_workers
    sampling = _sampling(cfg)
    assert {t.clip_len for _, t in sampling} == {24}
    for role, transform in sampling:
        if role != 'train' and 'num_clips' in transform:
            assert transform.num_clips == 1
    if mmaction_config:
        assert cfg.test_dataloader.dataset.pipeline[2].num_clips == 1
        assert cfg.test_pipeline[2].clip_len == 24  # helpers follow
    assert cfg.model.backbone.type == backbone
    assert cfg.model.cls_head.num_classes == 7
    # the config's own optimizer; mmengine scales lr by batch / base
    assert cfg.optim_wrapper.optimizer.lr == lr
    assert cfg.auto_scale_lr.enable is True
    assert cfg.auto_scale_lr.base_batch_size == base
    assert cfg.param_scheduler == [
        dict(
            type='CosineAnnealingLR',
            T_max=5,
            eta_min=0,
            by_epoch=True,
            convert_to_iter_based=True)
    ]
    assert cfg.train_cfg == dict(
        type='EpochBasedTrainLoop', max_epochs=5, val_begin=1, val_interval=1)
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.max_keep_ckpts == 1 and checkpoint.interval == 1
    assert checkpoint.save_best is None
    assert cfg.default_hooks.logger.interval == 6  # 24 iterations / 4
    assert cfg.randomness == dict(seed=3)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.work_dir == run_dir
    # the config's own metric first, then the scores for the report
    assert [e['type'] for e in cfg.val_evaluator][-1] == 'DumpResults'
    assert 'AccMetric' in [e['type'] for e in cfg.val_evaluator]
    assert cfg.val_evaluator[-1].out_file_path == osp.join(
        run_dir, 'val_scores.pkl')
    if model.startswith('lsta_in_stgcn'):
        # mmaction2's ST-GCN pipeline with our network: lsta_mm imported
        assert 'lsta_mm' in cfg.custom_imports.imports
        assert cfg.model.backbone.stage_channels == (72, 144, 288)
    # The dumped config is the one a user reruns by hand.
    cfg.dump(str(tmp_path / 'config.py'))
    again = Config.fromfile(str(tmp_path / 'config.py'))
    assert again.train_dataloader.dataset.split == 'xsub_train'
    assert again.param_scheduler[0].T_max == 5


def test_model_names_and_sources(lb):
    assert lb.resolve_model('x=stgcn@lsta').source == 'stgcn@lsta'
    composed = lb.resolve_model('lsta_in_stgcn')
    assert composed.source == 'stgcn@lsta'
    assert 'model and optimizer of' in composed.description
    ours = lb.resolve_model('lsta').cfg
    assert composed.cfg.optim_wrapper == ours.optim_wrapper
    assert composed.cfg.auto_scale_lr == ours.auto_scale_lr
    no_mam = lb.resolve_model('tpa_in_stgcn').cfg
    assert no_mam.model.backbone.temporal_cfg.type == 'TPA'  # not ATPA
    assert no_mam.train_pipeline[0].type == 'PreNormalize3D'
    network_only = lb.resolve_model('x=stgcn@lsta#net')
    stgcn = lb.resolve_model('stgcn').cfg
    assert network_only.cfg.model == ours.model
    assert network_only.cfg.optim_wrapper == stgcn.optim_wrapper
    assert network_only.cfg.auto_scale_lr == stgcn.auto_scale_lr
    assert 'model of' in network_only.description
    aagcn = lb.resolve_model('aagcn').cfg.model.backbone
    agcn = lb.resolve_model('agcn').cfg.model.backbone
    assert agcn.gcn_attention is False and 'gcn_attention' not in aagcn
    with pytest.raises(ValueError, match='mmaction-src'):
        lb.resolve_model('ctrgcn')
    with pytest.raises(ValueError, match='unknown model'):
        lb.resolve_model('nosuchnet')
    with pytest.raises(ValueError, match='unknown model'):
        lb.resolve_model('lsta_nosuchswitch')
    output = lb.resolve_model('lsta_attn_output')  # an ablation's switch
    assert output.cfg.filename.endswith(
        'ablations/lsta_ntu60_xsub_joint_attn_output.py')
    assert output.cfg.model.backbone.temporal_cfg.attention_position == \
        'output'
    spec = lb.resolve_model('lsta')
    spec.cfg.auto_scale_lr = None
    with pytest.raises(ValueError, match='base_batch_size'):
        lb.apply_protocol(spec.cfg, _protocol(lb), 1, 0, '/tmp/run')


def test_projects_come_from_the_mmaction2_source_tree(lb, tmp_path):
    """ctrgcn/msg3d: the project's config, its folder on PYTHONPATH."""
    project = tmp_path / 'projects' / 'ctrgcn'
    (project / 'models').mkdir(parents=True)
    (project / 'models' / '__init__.py').write_text('')
    (project / 'configs').mkdir()
    stgcn = lb.resolve_model('stgcn').cfg.filename
    (project / 'configs' /
     'ctrgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py').write_text(
         f"_base_ = [{stgcn!r}]\ncustom_imports = dict(imports='models')\n"
         "model = dict(backbone=dict(_delete_=True, type='CTRGCN'))\n")
    spec = lb.resolve_model('ctrgcn', str(tmp_path))
    assert spec.cfg.model.backbone.type == 'CTRGCN'
    assert spec.python_paths == [str(project)]
    assert lb.child_env(1, spec.python_paths)['PYTHONPATH'].startswith(
        str(project))
    mixed = lb.resolve_model('x=stgcn@ctrgcn', str(tmp_path))
    assert mixed.cfg.custom_imports.imports == ['lsta_mm', 'models']
    assert mixed.python_paths == [str(project)]
    assert mixed.cfg.train_dataloader.dataset.type == 'RepeatDataset'


def test_plan_puts_short_budgets_first_and_interleaves_models(lb):
    runs = lb.plan_runs(['a', 'b'], [24, 8], [0, 1], '/w')
    assert [(r.epochs, r.seed, r.model) for r in runs] == [(8, 0, 'a'),
                                                           (8, 0, 'b'),
                                                           (8, 1, 'a'),
                                                           (8, 1, 'b'),
                                                           (24, 0, 'a'),
                                                           (24, 0, 'b'),
                                                           (24, 1, 'a'),
                                                           (24, 1, 'b')]
    assert runs[0].run_dir == osp.join('/w', 'runs', 'a', 'e8_s0')


def test_runs_of_an_edited_config_are_refused(lb, tmp_path):
    """A run folder trained by an earlier version of a config must not be
    reported (or resumed) under the config's name."""
    protocol = _protocol(lb)
    specs = {'lsta': lb.resolve_model('lsta')}
    runs = lb.plan_runs(['lsta'], [8], [0, 1], str(tmp_path))
    for run in runs:
        os.makedirs(run.run_dir, exist_ok=True)
    # seed 0 ran with today's config, moved here from another folder and
    # with the launcher tools/train.py adds: not a change
    first = lb.run_config(runs[0], specs['lsta'], protocol)
    first.work_dir = '/elsewhere/e8_s0'
    first.launcher = 'none'
    first.dump(osp.join(runs[0].run_dir, 'config.py'))
    # seed 1 has no config.py and no result.json yet: nothing to judge
    assert lb.changed_runs(runs, specs, protocol) == []
    # seed 1 restored from the archive: result.json's digest of its recipe
    with open(osp.join(runs[1].run_dir, 'result.json'), 'w') as handle:
        json.dump(
            dict(recipe_sha256=lb.recipe_digest(
                lb.run_config(runs[1], specs['lsta'], protocol))), handle)
    assert lb.changed_runs(runs, specs, protocol) == []
    # the config file is edited afterwards (another learning rate)
    edited = {'lsta': copy.deepcopy(specs['lsta'])}
    edited['lsta'].cfg.optim_wrapper.optimizer.lr = 0.5
    assert lb.changed_runs(runs, edited, protocol) == runs


def test_shuffled_labels_keep_validation_and_class_counts(lb, tmp_path):
    names = [
        f'S001C001P{p:03d}R001A{a + 1:03d}' for p in (1, 3) for a in range(6)
    ]
    annotations = [
        dict(
            frame_dir=name,
            label=index % 6,
            keypoint=np.zeros((1, 4, 25, 3), np.float32),
            total_frames=4) for index, name in enumerate(names)
    ]
    split = dict(xsub_train=names[:6] + names[9:], xsub_val=names[6:9])
    source = tmp_path / 'ntu.pkl'
    with open(source, 'wb') as handle:
        pickle.dump(dict(split=split, annotations=annotations), handle)
    out = tmp_path / 'shuffled.pkl'
    lb.write_shuffled_labels(str(source), str(out), 'xsub_train')
    data = safe_load_pickle(str(out))  # the restricted unpickler reads it
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    before = {a['frame_dir']: a['label'] for a in annotations}
    train, val = split['xsub_train'], split['xsub_val']
    assert [labels[n] for n in val] == [before[n] for n in val]
    assert sorted(labels[n] for n in train) == sorted(before[n] for n in train)
    assert [labels[n] for n in train] != [before[n] for n in train]
    assert data['split'] == split


def _results(work_dir):
    with open(osp.join(work_dir, 'summary.json')) as handle:
        return json.load(handle)


def test_tiny_benchmark_end_to_end_and_resumable(run_tool, monkeypatch,
                                                 tmp_path):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    work_dir = str(tmp_path / 'bench')
    common = ['--preset', 'tiny', '--threads', '1', '--work-dir', work_dir]
    code, out = run_tool(TOOL, common)
    assert code == 0, out
    for name in ('summary.md', 'summary.json', 'curves.png', 'protocol.json'):
        assert osp.isfile(osp.join(work_dir, name)), name
    summary = _results(work_dir)
    assert sorted(r['model'] for r in summary['runs']) == ['lsta', 'stgcn']
    for result in summary['runs']:
        assert result['epochs'] == 1 and result['seed'] == 0
        for key in ('top1', 'top5', 'mean1'):
            assert isinstance(result[key], float)
            assert 0 <= result[key] <= 1
        assert len(result['top1_curve']) == 1 and result['wall_s'] > 0
        assert len(result['recipe_sha256']) == 64  # judges an archived run
    protocol = summary['protocol']
    assert protocol['clip_len'] == 16 and protocol['batch'] == 8
    assert protocol['num_classes'] >= 2
    run_dir = osp.join(work_dir, 'runs', 'lsta', 'e1_s0')
    config = Config.fromfile(osp.join(run_dir, 'config.py'))
    assert config.train_dataloader.dataset.ann_file == protocol['ann_file']
    markdown = open(osp.join(work_dir, 'summary.md')).read()
    assert '| lsta |' in markdown and '| stgcn |' in markdown
    assert '(1)' in markdown
    # the final validation's scores give the mistakes; they agree with top-1
    for result in summary['runs']:
        entry = summary['mistakes'][result['model']]['1']
        assert entry['predictions'] == summary['protocol']['num_val']
        assert entry['errors'] == round(
            (1 - result['top1']) * entry['predictions'])
        assert sum(m[2] for m in entry['mistakes']) <= entry['errors']
    assert 'Most frequent mistakes at 1 epochs' in markdown

    # Again, with one more model that fails: finished runs are skipped,
    # the failure is reported and the exit code says so.
    broken = tmp_path / 'broken.py'
    stgcn = osp.join(work_dir, 'runs', 'stgcn', 'e1_s0', 'config.py')
    broken.write_text(f'_base_ = [{stgcn!r}]\n'
                      "model = dict(backbone=dict(type='NoSuchNet'))\n")
    code, out = run_tool(
        TOOL, common + ['--models', 'lsta', 'stgcn', f'broken={broken}'])
    assert code == 1, out
    assert out.count('skipped') == 2, out
    assert 'start lsta' not in out and 'start stgcn' not in out
    assert 'FAILED broken' in out and 'NoSuchNet' in out
    with open(osp.join(run_dir, 'train.log')) as handle:
        assert sum(line.startswith('# ') for line in handle) == 1
    summary = _results(work_dir)
    assert len(summary['runs']) == 2
    assert [u['state'] for u in summary['unfinished']] == ['failed']
    assert 'NoSuchNet' in open(osp.join(work_dir, 'summary.md')).read()

    code, out = run_tool(TOOL, ['--report-only', '--work-dir', work_dir])
    assert code == 0, out
    assert '2 finished runs' in out
    # the curves of chosen models only: another picture, the same table
    both = osp.getsize(osp.join(work_dir, 'curves.png'))
    code, out = run_tool(TOOL, [
        '--report-only', '--work-dir', work_dir, '--plot-models', 'stgcn'
    ])
    assert code == 0, out
    assert osp.getsize(osp.join(work_dir, 'curves.png')) != both
    assert '| lsta |' in open(osp.join(work_dir, 'summary.md')).read()
