# Example: LSTA-Net on a new dataset, COCO-17 2-D keypoints (x, y, score)
# with its own 10 classes, in mmaction2's pkl format with `train` and `val`
# splits (docs/data.md, "A new dataset").
_base_ = ['../lsta_ntu60_xsub_joint.py']

model = dict(
    backbone=dict(graph_cfg=dict(layout='coco')),
    cls_head=dict(num_classes=10))
ann_file = 'data/skeleton/my_coco17.pkl'
data = dict(ann_file=ann_file, layout='coco', num_classes=10)
train_pipeline = [
    dict(type='SkeletonStream', layout='coco'),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='SkeletonStream', layout='coco', test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = val_pipeline
train_dataloader = dict(
    dataset=dict(split='train', pipeline=train_pipeline, **data))
val_dataloader = dict(dataset=dict(split='val', pipeline=val_pipeline, **data))
test_dataloader = dict(
    dataset=dict(split='val', pipeline=test_pipeline, **data))
