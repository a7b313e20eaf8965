# The paper's bone stream (and 2s-AGCN's): the centre joint is its own
# parent, so its bone is zero (`bone_root='zero'`), instead of our default
# (`DEFAULT_BONE_ROOT`, 'position': the centre joint's place after
# normalisation, where a second person stands). Bones alone then lose how
# two persons move relative to each other (walk towards / walk apart;
# docs/model.md, factor table).
_base_ = ['../lsta_ntu60_xsub_bone.py']

from lsta_mm.datasets.dataset_config import stream_loaders  # noqa: E402

train_dataloader, val_dataloader, test_dataloader = stream_loaders(
    layout='nturgb+d',
    stream='bone',
    clip_len=300,
    bone_root='zero')
