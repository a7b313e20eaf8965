# The bone stream read as ..._joint_frame_span100_zero.py reads joints: a
# clip covers 100 recorded frames at one rate (every second frame at the
# learning benchmark's 50-frame clip, every frame at the paper's T = 300),
# a longer sequence stretched onto the clip, a shorter one followed by zero
# frames (docs/model.md, "How a short clip is read").
_base_ = ['../lsta_ntu60_xsub_bone.py']

_stream = dict(
    type='SkeletonStream',
    layout='nturgb+d',
    stream='bone',
    clip_len=300,
    longer='uniform',
    frame_span=100,
    pad_mode='zero')
_pack = dict(type='PackActionInputs', meta_keys=('frame_dir', ))
train_dataloader = dict(dataset=dict(pipeline=[_stream, _pack]))
val_dataloader = dict(
    dataset=dict(pipeline=[dict(**_stream, test_mode=True), _pack]))
test_dataloader = val_dataloader
