# NTU RGB+D 120, cross-subject (X-Sub) benchmark: the NTU-60 X-Sub base with
# data/skeleton/ntu120_3d.pkl (tools/data/gen_ntu_pkl.py --task ntu120, or
# mmaction2's prepared file; docs/data.md) and 120 classes.
_base_ = ['./ntu60_xsub.py']

ann_file = 'data/skeleton/ntu120_3d.pkl'
train_dataloader = dict(dataset=dict(ann_file=ann_file, num_classes=120))
val_dataloader = dict(dataset=dict(ann_file=ann_file, num_classes=120))
test_dataloader = dict(dataset=dict(ann_file=ann_file, num_classes=120))
