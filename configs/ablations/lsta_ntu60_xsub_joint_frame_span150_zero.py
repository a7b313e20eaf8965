# As ..._frame_span150.py (a clip covers 150 recorded frames at one rate),
# with zero frames after a shorter sequence instead of its replay: a
# replayed clap-twice clip shows four claps, so replay undoes the count the
# one-rate clip keeps (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    longer='crop',
    frame_span=150,
    pad_mode='zero')
