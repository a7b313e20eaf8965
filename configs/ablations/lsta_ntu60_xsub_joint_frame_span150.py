# Clips keep the recording's time scale: a clip covers 150 recorded frames
# (5 s at 30 fps) at one rate, reading every ceil(150 / clip_len)-th frame
# (from a random phase when training; every frame at T = 300), longer
# sequences cropped (random window when training, centred at test time),
# shorter ones replayed, instead of every sequence stretched onto the clip
# ('uniform'). Rate and tempo stay visible (march slowly / quickly), as
# with the paper's T = 300 at the recording's frame rate (docs/model.md,
# "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    longer='crop',
    frame_span=150,
    pad_mode='replay')
