# The paper's recipe (section 3.2): SGD with Nesterov momentum 0.9, weight
# decay 5e-4, x0.1 at epochs 40, 60 and 80, 100 epochs, cross-entropy
# (GCNHead's default loss), for a total batch of 64 (16 per GPU x 4 GPUs).
# One departure: lr 0.15 for that batch where the paper gives 0.05. On the
# learning benchmark the paper's 0.05 ended 8 points below 0.1 after 8
# epochs (measured with the linear TPA of 2026-12-02);
# 0.15 learns faster than 0.1 (the lr of 2s-AGCN and CTR-GCN at batch 64)
# and ends level with it after 24 epochs, where 0.2 no longer learns to
# count repetitions (docs/model.md, "What makes it learn"). The paper's lr:
# --cfg-options optim_wrapper.optimizer.lr=0.05
# (configs/ablations/lsta_ntu60_xsub_joint_paper_lr.py; 0.1 and 0.2:
# ..._lr2x.py and ..._lr4x.py).
# With a different total batch, pass --auto-scale-lr (or set
# auto_scale_lr.enable=True): mmengine scales lr linearly by
# (GPUs x batch per GPU) / base_batch_size.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=100,
        by_epoch=True,
        milestones=[40, 60, 80],
        gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.15, momentum=0.9, weight_decay=5e-4, nesterov=True))

auto_scale_lr = dict(enable=False, base_batch_size=64)
