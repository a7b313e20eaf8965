# LSTA-Net (joint stream) on your own 2-D keypoints (x, y, score), e.g. the
# COCO-17 output of mmpose converted by tools/data/convert_poses.py. The
# three facts of the dataset are stated once, below; to train on yours,
# write a config of five lines (docs/custom_data.md, "Training on it"):
#
#   _base_ = ['configs/lsta_custom_2d.py']      # your path to this file
#   from lsta_mm.datasets.dataset_config import dataset_config
#   model, train_dataloader, val_dataloader, test_dataloader = \
#       dataset_config(ann_file='data/my_clips.pkl', num_classes=5,
#                      layout='coco')
#
# layout: a name ('coco', 'openpose', 'halpe26', ...), a dict (num_node,
# inward, center) or a .json/.yaml layout file. Model, schedule and runtime
# are the NTU-60 joint config's (the paper's).
_base_ = ['./lsta_ntu60_xsub_joint.py']
from lsta_mm.datasets.dataset_config import dataset_config  # noqa: E402

model, train_dataloader, val_dataloader, test_dataloader = dataset_config(
    ann_file='data/skeleton/my_2d.pkl', num_classes=10, layout='coco')
