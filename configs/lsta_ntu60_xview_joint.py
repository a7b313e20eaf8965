# LSTA-Net, joint stream, NTU RGB+D 60, cross-view (X-View) benchmark.
_base_ = [
    './_base_/default_runtime.py', './_base_/models/lsta.py',
    './_base_/datasets/ntu60_xview.py', './_base_/schedules/sgd_100e.py'
]
