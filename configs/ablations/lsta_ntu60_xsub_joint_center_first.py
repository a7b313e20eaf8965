# The skeleton is translated once, by the spine middle (joint 1) of the
# first frame, as mmaction2's PreNormalize3D does, instead of by the spine
# joint (20) of every frame, the preprocessing of 2s-AGCN and MS-G3D that
# the paper follows (docs/model.md, "What makes it learn"). The network's
# own per-frame centring (LSTANet's center_input) is off, or it would undo
# the difference.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

model = dict(backbone=dict(center_input=False))

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='joint',
    clip_len=300,
    normalize=dict(center='first', center_joint=1))
