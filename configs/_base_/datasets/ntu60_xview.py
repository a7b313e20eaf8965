# NTU RGB+D 60, cross-view (X-View) benchmark: annotations, joint-stream
# pipelines, loaders and evaluators. Prepare data/skeleton/ntu60_3d.pkl with
# tools/data/gen_ntu_pkl.py --task ntu60, or mmaction2's prepared ntu60_3d.pkl
# (docs/data.md). Clips are padded to T = 300 frames by replaying the action
# and normalised and translated as in the paper (section 3.2). 16 samples per
# GPU: the paper's total batch of 64 on 4 GPUs (auto_scale_lr.base_batch_size).
dataset_type = 'LSTAPoseDataset'
ann_file = 'data/skeleton/ntu60_3d.pkl'
train_pipeline = [
    dict(type='SkeletonStream', layout='nturgb+d', stream='joint',
         clip_len=300),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='joint',
        clip_len=300,
        test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=train_pipeline,
        split='xview_train',
        layout='nturgb+d',
        num_classes=60,
        num_person=2))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=val_pipeline,
        split='xview_val',
        layout='nturgb+d',
        num_classes=60,
        num_person=2,
        test_mode=True))
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=test_pipeline,
        split='xview_val',
        layout='nturgb+d',
        num_classes=60,
        num_person=2,
        test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
