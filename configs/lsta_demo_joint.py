# Embedded demo: LSTA-Net (joint stream) on the synthetic NTU-format dataset
# of tools/data/gen_synthetic_ntu.py (8 actions, 25 joints, x-sub split).
# Trains and tests on a CPU in a few minutes: short clips (T = 64), few
# epochs, no worker processes, validation after every epoch.
_base_ = ['./lsta_ntu60_xsub_joint.py']

ann_file = 'data/demo/ntu_demo_3d.pkl'
num_classes = 8
clip_len = 64

model = dict(cls_head=dict(num_classes=num_classes))

train_pipeline = [
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='joint',
        clip_len=clip_len),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='joint',
        clip_len=clip_len,
        test_mode=True),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file, num_classes=num_classes, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file, num_classes=num_classes, pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file, num_classes=num_classes, pipeline=test_pipeline))

train_cfg = dict(max_epochs=8, val_interval=1)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=8,
        by_epoch=True,
        milestones=[6],
        gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(max_keep_ckpts=1))
