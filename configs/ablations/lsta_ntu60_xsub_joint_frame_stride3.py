# Clips keep the recording's time scale: every third frame is read (from a
# random phase when training), longer sequences are cropped (random window
# when training, centred at test time) and shorter ones replayed, instead of
# stretching every sequence onto the clip ('uniform'). Rate and tempo stay
# visible (march slowly / quickly), as with the paper's T = 300 at the
# recording's frame rate (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

_stream = dict(
    type='SkeletonStream',
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    longer='crop',
    frame_stride=3)
_pack = dict(type='PackActionInputs', meta_keys=('frame_dir', ))
train_dataloader = dict(dataset=dict(pipeline=[_stream, _pack]))
val_dataloader = dict(
    dataset=dict(pipeline=[dict(**_stream, test_mode=True), _pack]))
test_dataloader = val_dataloader
