# LSTA-Net (joint stream) on your own 3-D skeletons (x, y, z), e.g. Kinect
# recordings in the NTU RGB+D 25-joint layout, or 3-D poses of another
# layout given as a dict or a .json/.yaml file (num_node, inward, center,
# coord_dims=3). The three facts of the dataset are stated once, below; to
# train on yours, write a config of five lines (docs/custom_data.md,
# "Training on it"):
#
#   _base_ = ['configs/lsta_custom_3d.py']      # your path to this file
#   from lsta_mm.datasets.dataset_config import dataset_config
#   model, train_dataloader, val_dataloader, test_dataloader = \
#       dataset_config(ann_file='data/my_3d.pkl', num_classes=5,
#                      layout='nturgb+d')
#
# Model, schedule and runtime are the NTU-60 joint config's (the paper's).
_base_ = ['./lsta_ntu60_xsub_joint.py']
from lsta_mm.datasets.dataset_config import dataset_config  # noqa: E402

model, train_dataloader, val_dataloader, test_dataloader = dataset_config(
    ann_file='data/skeleton/my_3d.pkl', num_classes=10, layout='nturgb+d')
