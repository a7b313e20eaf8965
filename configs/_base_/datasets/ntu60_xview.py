# NTU RGB+D 60, cross-view (X-View) benchmark: the X-Sub base with the
# camera split of mmaction2's ntu60_3d.pkl (xview_train / xview_val).
_base_ = ['./ntu60_xsub.py']

train_dataloader = dict(dataset=dict(split='xview_train'))
val_dataloader = dict(dataset=dict(split='xview_val'))
test_dataloader = dict(dataset=dict(split='xview_val'))
