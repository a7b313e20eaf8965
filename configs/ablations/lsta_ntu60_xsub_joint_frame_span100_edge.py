# LSTA-Net joint stream, clip read as ..._frame_span100_zero.py reads it
# (100 recorded frames at one rate: every second frame at a 50-frame clip,
# every frame at the paper's T = 300; longer recordings stretched), but a
# shorter recording is followed by its last frame held (`pad_mode='edge'`)
# instead of zero frames: the clip neither jumps to an empty skeleton at the
# recording's end nor repeats movements that were not performed (replay
# turns a clap twice into four claps). docs/model.md, "How a short clip is
# read".
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    longer='uniform',
    frame_span=100,
    pad_mode='edge')
