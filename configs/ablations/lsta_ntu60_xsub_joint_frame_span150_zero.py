# As ..._frame_span150.py (a clip covers 150 recorded frames at one rate),
# with zero frames after a shorter sequence instead of its replay: a
# replayed clap-twice clip shows four claps, so replay undoes the count the
# one-rate clip keeps (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

_stream = dict(
    type='SkeletonStream',
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    longer='crop',
    frame_span=150,
    pad_mode='zero')
_pack = dict(type='PackActionInputs', meta_keys=('frame_dir', ))
train_dataloader = dict(dataset=dict(pipeline=[_stream, _pack]))
val_dataloader = dict(
    dataset=dict(pipeline=[dict(**_stream, test_mode=True), _pack]))
test_dataloader = val_dataloader
