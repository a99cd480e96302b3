default_scope = 'mmaction'
custom_imports = dict(imports=['nl1d'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic writes: a kill while saving never leaves a truncated checkpoint.
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, save_best='auc/auroc',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

custom_hooks = [
    # Data-only checkpoint loading and a quiet start-up for runs started
    # from any tool (`import nl1d` itself changes nothing process-wide).
    dict(type='SetupEnvHook'),
    # RNG states of every process in each checkpoint: --resume continues
    # the random streams (bit-identical to an uninterrupted run).
    dict(type='RNGStateHook'),
    # Thresholds chosen on validation (ThresholdMetric) are stored in the
    # checkpoint and applied unchanged at test.
    dict(type='ThresholdHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch to 'gloo' when there is no GPU.
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

# LocalVisBackend writes the json logs to WORK_DIR/TIMESTAMP/vis_data/.
# TensorBoard (`pip install -r requirements/optional.txt`): in your config set
#   visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
#                                   dict(type='TensorboardVisBackend')])
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
