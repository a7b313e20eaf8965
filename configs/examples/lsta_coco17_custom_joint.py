# Example: LSTA-Net on a new dataset, COCO-17 2-D keypoints (x, y, score)
# with its own 10 classes, in mmaction2's pkl format with `train` and `val`
# splits (docs/data.md, "A new dataset").
_base_ = ['../lsta_ntu60_xsub_joint.py']

model = dict(
    backbone=dict(graph_cfg=dict(layout='coco')),
    cls_head=dict(num_classes=10))
stream = dict(type='SkeletonStream', layout='coco', stream='joint')
data = dict(ann_file='data/skeleton/my_coco17.pkl', layout='coco',
            num_classes=10)
train_dataloader = dict(dataset=dict(
    split='train', pipeline=[stream, dict(type='PackActionInputs')], **data))
val_dataloader = dict(dataset=dict(split='val', pipeline=[
    dict(stream, test_mode=True), dict(type='PackActionInputs')], **data))
test_dataloader = val_dataloader
