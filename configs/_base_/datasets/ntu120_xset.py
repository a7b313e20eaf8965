# NTU RGB+D 120, cross-setup (X-Set) benchmark: the NTU-120 X-Sub base with
# the setup split of mmaction2's ntu120_3d.pkl (xset_train / xset_val).
_base_ = ['./ntu120_xsub.py']

train_dataloader = dict(dataset=dict(split='xset_train'))
val_dataloader = dict(dataset=dict(split='xset_val'))
test_dataloader = dict(dataset=dict(split='xset_val'))
