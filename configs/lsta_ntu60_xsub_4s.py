# LSTA-Net four-stream ensemble, NTU RGB+D 60, cross-subject (X-Sub): the
# paper's score-level fusion (section 3.3) in one test pass. Each sample is
# loaded and prepared once (joint stream); bone, joint-motion and
# bone-motion inputs are derived from it inside MultiStreamRecognizer, and
# the streams' softmax probabilities are summed with the weights below.
#
# Train the four streams first (configs/lsta_ntu60_xsub_{joint,bone,
# joint_motion,bone_motion}.py); each `checkpoint` may be a .pth or a
# training work_dir (its single best_*.pth, else its last checkpoint).
# Then: python -m lsta_mm.apis.ensemble CONFIG ENSEMBLE.pth
#       python tools/test.py CONFIG ENSEMBLE.pth
# The paper does not give its fusion weights; 0.6/0.6/0.4/0.4 is a common
# choice for joint/bone/motion ensembles. Per-stream and fused accuracies
# are both reported (StreamAccMetric and AccMetric).
_base_ = ['./lsta_ntu60_xsub_joint.py']

work_dir_prefix = 'work_dirs/lsta_ntu60_xsub_'
model = dict(
    _delete_=True,
    type='MultiStreamRecognizer',
    layout='nturgb+d',
    streams=[
        dict(
            stream='joint',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'joint',
            weight=0.6),
        dict(
            stream='bone',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'bone',
            weight=0.6),
        dict(
            stream='joint_motion',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'joint_motion',
            weight=0.4),
        dict(
            stream='bone_motion',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'bone_motion',
            weight=0.4),
    ])

# The joint pipeline of the base config, plus what the model needs for the
# motion streams: frame_inds (the source frame of every clip position) and
# source_keypoint (the normalised sequence before it is fitted to the clip),
# so each frame's successor is the one the per-stream pipelines use.
test_pipeline = [
    dict(
        type='KeyMapper',
        mapping=dict(keypoint='keypoint'),
        remapping=dict(keypoint='source_keypoint'),
        transforms=[dict(type='NormalizeSkeleton', layout='nturgb+d')]),
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='joint',
        clip_len=300,
        test_mode=True),
    dict(
        type='PackActionInputs',
        meta_keys=('frame_dir', 'frame_inds', 'source_keypoint'))
]
val_pipeline = test_pipeline
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type='AccMetric'), dict(type='StreamAccMetric')]
test_evaluator = val_evaluator
