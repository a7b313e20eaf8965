# LSTA-Net, bone-motion stream: frame difference of the bones (paper section
# 3.3), NTU RGB+D 120, cross-subject (X-Sub) benchmark.
_base_ = ['./lsta_ntu120_xsub_joint.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

train_pipeline = stream_pipeline(layout='nturgb+d', stream='bone_motion',
                                 clip_len=300)
val_pipeline = stream_pipeline(True, layout='nturgb+d', stream='bone_motion',
                               clip_len=300)
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
