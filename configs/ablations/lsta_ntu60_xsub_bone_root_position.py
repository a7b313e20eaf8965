# The bone stream with the centre joint's bone set to its position after
# normalisation (`bone_root='position'`) instead of zero (the paper's and
# 2s-AGCN's bone): the main person's centre joint is the origin, so its
# bone stays zero and a second person's holds where that person stands.
# Bones alone lose how two persons move relative to each other (walk
# towards / walk apart); this keeps it (docs/model.md).
_base_ = ['../lsta_ntu60_xsub_bone.py']

_stream = dict(
    type='SkeletonStream',
    layout='nturgb+d',
    stream='bone',
    clip_len=300,
    bone_root='position')
_pack = dict(type='PackActionInputs', meta_keys=('frame_dir', ))
train_dataloader = dict(dataset=dict(pipeline=[_stream, _pack]))
val_dataloader = dict(
    dataset=dict(pipeline=[dict(**_stream, test_mode=True), _pack]))
test_dataloader = val_dataloader
