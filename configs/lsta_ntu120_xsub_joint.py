# LSTA-Net, joint stream, NTU RGB+D 120, cross-subject (X-Sub) benchmark.
_base_ = [
    './_base_/default_runtime.py', './_base_/models/lsta.py',
    './_base_/datasets/ntu120_xsub.py', './_base_/schedules/sgd_100e.py'
]

model = dict(cls_head=dict(num_classes=120))
