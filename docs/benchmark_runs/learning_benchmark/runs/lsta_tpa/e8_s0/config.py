ann_file = '/work/main/data/benchmark/ntu_hard_3d.pkl'
auto_scale_lr = dict(base_batch_size=64, enable=True)
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'lsta_mm',
    ])
dataset_type = 'LSTAPoseDataset'
default_hooks = dict(
    checkpoint=dict(
        interval=1,
        max_keep_ckpts=1,
        save_best=None,
        type='AtomicCheckpointHook'),
    epoch_seed=dict(type='EpochSeedHook'),
    logger=dict(ignore_last=False, interval=9, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    runtime_info=dict(type='RuntimeInfoHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    strict_load=dict(type='StrictLoadHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
    timer=dict(type='IterTimerHook'))
default_scope = 'mmaction'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='gloo'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=True, type='LogProcessor', window_size=20)
model = dict(
    backbone=dict(
        graph_cfg=dict(layout='nturgb+d'),
        in_channels=3,
        num_person=2,
        num_temporal_modules=3,
        spatial_cfg=dict(num_scales=8, scheme='msda', type='MSDA'),
        stage_channels=(
            72,
            144,
            288,
        ),
        stage_strides=(
            1,
            2,
            2,
        ),
        stride_before_spatial=True,
        temporal_cfg=dict(num_fragments=6, type='TPA'),
        type='LSTANet'),
    cls_head=dict(in_channels=288, num_classes=20, type='GCNHead'),
    type='RecognizerGCN')
optim_wrapper = dict(
    optimizer=dict(
        lr=0.05, momentum=0.9, nesterov=True, type='SGD', weight_decay=0.0005))
param_scheduler = [
    dict(
        T_max=8,
        by_epoch=True,
        convert_to_iter_based=True,
        eta_min=0,
        type='CosineAnnealingLR'),
]
randomness = dict(seed=0)
resume = False
test_cfg = dict(type='TestLoop')
test_dataloader = dict(
    batch_size=16,
    dataset=dict(
        ann_file='/work/main/data/benchmark/ntu_hard_3d.pkl',
        layout='nturgb+d',
        num_classes=20,
        num_person=2,
        pipeline=[
            dict(
                clip_len=50,
                layout='nturgb+d',
                stream='joint',
                test_mode=True,
                type='SkeletonStream'),
            dict(meta_keys=('frame_dir', ), type='PackActionInputs'),
        ],
        split='xsub_val',
        test_mode=True,
        type='LSTAPoseDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = [
    dict(type='AccMetric'),
]
test_pipeline = [
    dict(
        clip_len=50,
        layout='nturgb+d',
        stream='joint',
        test_mode=True,
        type='SkeletonStream'),
    dict(meta_keys=('frame_dir', ), type='PackActionInputs'),
]
train_cfg = dict(
    max_epochs=8, type='EpochBasedTrainLoop', val_begin=1, val_interval=1)
train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        ann_file='/work/main/data/benchmark/ntu_hard_3d.pkl',
        layout='nturgb+d',
        num_classes=20,
        num_person=2,
        pipeline=[
            dict(
                clip_len=50,
                layout='nturgb+d',
                stream='joint',
                type='SkeletonStream'),
            dict(meta_keys=('frame_dir', ), type='PackActionInputs'),
        ],
        split='xsub_train',
        type='LSTAPoseDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(
        clip_len=50, layout='nturgb+d', stream='joint', type='SkeletonStream'),
    dict(meta_keys=('frame_dir', ), type='PackActionInputs'),
]
val_cfg = dict(type='ValLoop')
val_dataloader = dict(
    batch_size=16,
    dataset=dict(
        ann_file='/work/main/data/benchmark/ntu_hard_3d.pkl',
        layout='nturgb+d',
        num_classes=20,
        num_person=2,
        pipeline=[
            dict(
                clip_len=50,
                layout='nturgb+d',
                stream='joint',
                test_mode=True,
                type='SkeletonStream'),
            dict(meta_keys=('frame_dir', ), type='PackActionInputs'),
        ],
        split='xsub_val',
        test_mode=True,
        type='LSTAPoseDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = [
    dict(type='AccMetric'),
]
val_pipeline = [
    dict(
        clip_len=50,
        layout='nturgb+d',
        stream='joint',
        test_mode=True,
        type='SkeletonStream'),
    dict(meta_keys=('frame_dir', ), type='PackActionInputs'),
]
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    type='ActionVisualizer', vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = '/work/main/work_dirs/learning_benchmark/runs/lsta_tpa/e8_s0'
