# Runtime shared by every lsta_mm config: mmaction2's scope, the plugin
# import, hooks, logging and the distributed backend.
default_scope = 'mmaction'
custom_imports = dict(imports=['lsta_mm'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # lsta_mm.engine: checkpoints written to a temporary name and renamed,
    # `last_checkpoint` replaced atomically (a killed run never leaves a
    # half-written file for --resume); every checkpoint load is strict,
    # with one error listing the misfitting keys (for fine-tuning, set
    # strict_load.allow_mismatch=[r'^cls_head\.']); random generators
    # reseeded from (seed, epoch), so a resumed run repeats an
    # uninterrupted one; on SIGTERM (a scheduler's preemption) training
    # finishes the iteration, saves preempted_iter_N.pth and exits with
    # status 75, and --resume continues inside that epoch.
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        save_best='auto',
        max_keep_ckpts=3),
    strict_load=dict(type='StrictLoadHook'),
    epoch_seed=dict(type='EpochSeedHook'),
    preemption=dict(type='PreemptionHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

# backend='nccl' needs CUDA. lsta_mm's tools/train.py and tools/test.py
# switch to 'gloo' on a machine without CUDA (or when LSTA_DIST_BACKEND is
# set); with mmaction2's own tools pass
# `--cfg-options env_cfg.dist_cfg.backend=gloo` on CPU. timeout: seconds a
# collective waits for a rank that stopped responding before the job fails
# (torch's default is 30 min; see docs/troubleshooting.md).
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl', timeout=600))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
