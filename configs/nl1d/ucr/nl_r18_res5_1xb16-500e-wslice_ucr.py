# The UCR recipe with window slicing (Le Guennec et al. 2016), for any
# set. Training sees a random 90 % slice of each series (clip_len=0.9:
# e.g. 648 of Computers's 720 samples), testing averages the probabilities
# of five slices spread uniformly over the series (the head's
# average_clips='prob'). A set's config inherits this one and states what
# its config without slices states (data_root, num_classes, strides).
_base_ = ['nl_r18_res5_1xb16-500e_ucr.py']

# The pipelines are named as the base's, so a dumped config shows the ones
# that run.
train_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=0.9),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=0.9, num_clips=5, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
