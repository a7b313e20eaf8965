# LSTA-Net, the paper's three streams (section 3.3: joint, bone and joint
# motion), NTU RGB+D 120, cross-setup (X-Set), as one model: each sample's
# streams come from one normalisation and one frame selection, each stream
# has its own network, training sums the streams' losses and testing fuses
# their softmax probabilities with equal weights. One command trains it:
#   bash tools/dist_train.sh configs/lsta_ntu120_xset_3s.py 4
# Streams trained one by one: tools/merge_streams.py (docs/evaluation.md).
_base_ = ['./lsta_ntu120_xset_joint.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

streams = ['joint', 'bone', 'joint_motion']
model = dict(
    _delete_=True,
    type='MultiStreamRecognizer',
    streams=[dict(stream=name, model={{_base_.model}}) for name in streams])

train_pipeline = stream_pipeline(layout='nturgb+d', stream=streams,
                                 clip_len=300)
val_pipeline = stream_pipeline(True, layout='nturgb+d', stream=streams,
                               clip_len=300)
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# fused accuracy (AccMetric) and every stream's own (stream/<name>_top1, ...)
val_evaluator = [dict(type='AccMetric'), dict(type='StreamAccMetric')]
test_evaluator = val_evaluator
