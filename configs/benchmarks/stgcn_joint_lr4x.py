# mmaction2's ST-GCN joint config with four times its learning rate (0.4 for
# a total batch of 128), i.e. the same lr per sample as our default: the
# learning benchmark's check that our lead is not only a learning-rate
# difference (docs/benchmarks.md section 7). Not a model we ship.
_base_ = [
    'mmaction::skeleton/stgcn/'
    'stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py'
]

optim_wrapper = dict(optimizer=dict(lr=0.4))
