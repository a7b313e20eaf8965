# The paper's recipe (section 3.2): SGD with Nesterov momentum 0.9, weight
# decay 5e-4, lr 0.05 for a total batch of 64 (16 per GPU x 4 GPUs), x0.1 at
# epochs 40, 60 and 80, 100 epochs, cross-entropy (GCNHead's default loss).
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
        type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True))

auto_scale_lr = dict(enable=False, base_batch_size=64)
