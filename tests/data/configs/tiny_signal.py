# A tiny run for the tools tests (resume, reproducibility, distributed): the
# shipped R18 base model, 16x narrower, on 2-channel, 192-sample records,
# windows of 128 samples, 3 epochs of 3 iterations. The data are written by
# the tests (tests/tools/tiny_signal_utils.py) into $NL1D_TINY_DATA.
_base_ = [
    '../../../configs/_base_/models/r18.py',
    '../../../configs/_base_/default_runtime.py'
]

custom_imports = dict(
    imports=[
        'nl1d', 'nl1d.engine.hooks.rng_state_hook',
        'nl1d.checkpoint.hook'
    ],
    allow_failed_imports=False)

model = dict(
    backbone=dict(in_channels=2, base_channels=4),
    cls_head=dict(in_channels=32))

dataset_type = 'SignalDataset'
data_root = '{{$NL1D_TINY_DATA:data/tiny}}'
clip_len = 128

train_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=2,
         test_mode=True),
    dict(type='PackSignalInputs')
]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=data_root + '/train.txt',
        data_prefix=dict(signal=data_root),
        sampling_rate=100,
        num_classes=2,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=data_root + '/val.txt',
        data_prefix=dict(signal=data_root),
        sampling_rate=100,
        num_classes=2,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=data_root + '/test.txt',
        data_prefix=dict(signal=data_root),
        sampling_rate=100,
        num_classes=2,
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = [
    dict(type='AUCMetric'),
    dict(
        type='AccMetric',
        metric_list=('top_k_accuracy', ),
        metric_options=dict(top_k_accuracy=dict(topk=(1, ))))
]
test_evaluator = val_evaluator

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=3, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=3,
        by_epoch=True,
        milestones=[2],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))

default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='auc/auroc',
        rule='greater'),
    logger=dict(type='LoggerHook', interval=1))
custom_hooks = [dict(type='RNGStateHook')]

# 1 process x 4 records per batch.
auto_scale_lr = dict(enable=False, base_batch_size=4)
