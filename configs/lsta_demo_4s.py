# Four streams (joint, bone, joint motion, bone motion) on the synthetic
# demo dataset, trained and tested as one model, as lsta_demo_3s.py.
#   python tools/train.py configs/lsta_demo_4s.py
#   python tools/test.py configs/lsta_demo_4s.py \
#       work_dirs/lsta_demo_4s/epoch_15.pth
_base_ = ['./lsta_demo_joint.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

streams = ['joint', 'bone', 'joint_motion', 'bone_motion']
model = dict(
    _delete_=True,
    type='MultiStreamRecognizer',
    streams=[dict(stream=name, model={{_base_.model}}) for name in streams])

train_pipeline = stream_pipeline(layout='nturgb+d', stream=streams,
                                 num_person={{_base_.num_person}},
                                 clip_len=300)
val_pipeline = stream_pipeline(True, layout='nturgb+d', stream=streams,
                               num_person={{_base_.num_person}}, clip_len=300)
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type='AccMetric'), dict(type='StreamAccMetric')]
test_evaluator = val_evaluator
