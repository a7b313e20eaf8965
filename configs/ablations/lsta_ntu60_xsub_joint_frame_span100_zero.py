# A clip covers 100 recorded frames at one rate (every ceil(100 / clip_len)-th
# frame: every second one at the learning benchmark's 50-frame clip, every
# frame at the paper's T = 300); a longer sequence is still stretched onto
# the clip (`longer='uniform'`), a shorter one is followed by zero frames.
# So the recording's rate and length stay visible where the stretched default
# hides them (march slowly / quickly), at twice the clip resolution of
# ..._frame_span150*.py (a clap keeps about six clip frames, as stretched).
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    longer='uniform',
    frame_span=100,
    pad_mode='zero')
