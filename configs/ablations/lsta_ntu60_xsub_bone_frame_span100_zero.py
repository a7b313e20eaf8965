# The bone stream read as ..._joint_frame_span100_zero.py reads joints: a
# clip covers 100 recorded frames at one rate (every second frame at the
# learning benchmark's 50-frame clip, every frame at the paper's T = 300),
# a longer sequence stretched onto the clip, a shorter one followed by zero
# frames (docs/model.md, "How a short clip is read").
_base_ = ['../lsta_ntu60_xsub_bone.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='bone',
    clip_len=300,
    longer='uniform',
    frame_span=100,
    pad_mode='zero')
