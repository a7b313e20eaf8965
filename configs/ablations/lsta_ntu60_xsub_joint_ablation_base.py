# Base of the ablation study (paper section 3.4, Tables 4-7): LSTA-Net,
# joint stream, NTU RGB+D 60 cross-subject, with the paper's defaults
# (MSDA K = 8, ATPA with S = 6, MAM eta = 5, dilations 1-3, max pooling).
# Every other file in this folder inherits this one (directly or through a
# sibling) and changes one switch; docs/model.md maps them to the tables.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/lsta.py',
    '../_base_/datasets/ntu60_xsub.py', '../_base_/schedules/sgd_100e.py'
]
