# Ablation: window slicing (Le Guennec et al. 2016) on the UCR recipe.
# Training sees a random 90 % slice of each series (clip_len=0.9: 648 of
# Computers's 720 samples), testing averages the probabilities of five
# slices spread uniformly over the series (the head's average_clips='prob').
_base_ = ['../ucr/nl_r18_res5_1xb16-500e_ucr-computers.py']

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal'),
        dict(type='SampleWindows', clip_len=0.9),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal'),
        dict(type='SampleWindows', clip_len=0.9, num_clips=5, test_mode=True),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
