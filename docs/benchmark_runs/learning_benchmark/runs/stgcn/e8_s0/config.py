ann_file = '/work/main/data/benchmark/ntu_hard_3d.pkl'
auto_scale_lr = dict(base_batch_size=128, enable=True)
dataset_type = 'PoseDataset'
default_hooks = dict(
    checkpoint=dict(
        interval=1,
        max_keep_ckpts=1,
        save_best=None,
        type='mmaction.AtomicCheckpointHook'),
    epoch_seed=dict(type='mmaction.EpochSeedHook'),
    logger=dict(ignore_last=False, interval=9, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    runtime_info=dict(type='RuntimeInfoHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    strict_load=dict(type='mmaction.StrictLoadHook'),
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
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'), type='STGCN'),
    cls_head=dict(in_channels=256, num_classes=20, type='GCNHead'),
    type='RecognizerGCN')
optim_wrapper = dict(
    optimizer=dict(
        lr=0.1, momentum=0.9, nesterov=True, type='SGD', weight_decay=0.0005))
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
        pipeline=[
            dict(type='PreNormalize3D'),
            dict(dataset='nturgb+d', feats=[
                'j',
            ], type='GenSkeFeat'),
            dict(
                clip_len=50,
                num_clips=1,
                test_mode=True,
                type='UniformSampleFrames'),
            dict(type='PoseDecode'),
            dict(num_person=2, type='FormatGCNInput'),
            dict(type='PackActionInputs'),
        ],
        split='xsub_val',
        test_mode=True,
        type='PoseDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = [
    dict(type='AccMetric'),
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(dataset='nturgb+d', feats=[
        'j',
    ], type='GenSkeFeat'),
    dict(clip_len=50, num_clips=1, test_mode=True, type='UniformSampleFrames'),
    dict(type='PoseDecode'),
    dict(num_person=2, type='FormatGCNInput'),
    dict(type='PackActionInputs'),
]
train_cfg = dict(
    max_epochs=8, type='EpochBasedTrainLoop', val_begin=1, val_interval=1)
train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        ann_file='/work/main/data/benchmark/ntu_hard_3d.pkl',
        pipeline=[
            dict(type='PreNormalize3D'),
            dict(dataset='nturgb+d', feats=[
                'j',
            ], type='GenSkeFeat'),
            dict(clip_len=50, type='UniformSampleFrames'),
            dict(type='PoseDecode'),
            dict(num_person=2, type='FormatGCNInput'),
            dict(type='PackActionInputs'),
        ],
        split='xsub_train',
        type='PoseDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(dataset='nturgb+d', feats=[
        'j',
    ], type='GenSkeFeat'),
    dict(clip_len=50, type='UniformSampleFrames'),
    dict(type='PoseDecode'),
    dict(num_person=2, type='FormatGCNInput'),
    dict(type='PackActionInputs'),
]
val_cfg = dict(type='ValLoop')
val_dataloader = dict(
    batch_size=16,
    dataset=dict(
        ann_file='/work/main/data/benchmark/ntu_hard_3d.pkl',
        pipeline=[
            dict(type='PreNormalize3D'),
            dict(dataset='nturgb+d', feats=[
                'j',
            ], type='GenSkeFeat'),
            dict(
                clip_len=50,
                num_clips=1,
                test_mode=True,
                type='UniformSampleFrames'),
            dict(type='PoseDecode'),
            dict(num_person=2, type='FormatGCNInput'),
            dict(type='PackActionInputs'),
        ],
        split='xsub_val',
        test_mode=True,
        type='PoseDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = [
    dict(type='AccMetric'),
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(dataset='nturgb+d', feats=[
        'j',
    ], type='GenSkeFeat'),
    dict(clip_len=50, num_clips=1, test_mode=True, type='UniformSampleFrames'),
    dict(type='PoseDecode'),
    dict(num_person=2, type='FormatGCNInput'),
    dict(type='PackActionInputs'),
]
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    type='ActionVisualizer', vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = '/work/main/work_dirs/learning_benchmark/runs/stgcn/e8_s0'
