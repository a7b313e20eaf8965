# The bone stream with the centre joint's bone set to its position after
# normalisation (`bone_root='position'`) instead of zero (the paper's and
# 2s-AGCN's bone): the main person's centre joint is the origin, so its
# bone stays zero and a second person's holds where that person stands.
# Bones alone lose how two persons move relative to each other (walk
# towards / walk apart); this keeps it (docs/model.md).
_base_ = ['../lsta_ntu60_xsub_bone.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='bone',
    clip_len=300,
    bone_root='position')
