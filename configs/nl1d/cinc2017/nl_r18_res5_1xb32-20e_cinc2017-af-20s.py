# The seed's design on CinC 2017 AF vs rest: 20-s windows at 100 Hz (2000
# samples, as the hypotension-prediction project) and 20 epochs, the base of
# the depth x non-local-position table (configs/nl1d/README.md): 15 runs
# that must fit a 2-core CPU. Otherwise the recipe of
# nl_r18_res5_1xb32-40e_cinc2017-af.py.
_base_ = ['nl_r18_res5_1xb32-40e_cinc2017-af.py']

clip_len = 2000
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='RandomAmplitudeScale', scale_range=(0.8, 1.25)),
        dict(type='GaussianNoise', std=0.05, prob=0.5),
        dict(type='PackSignalInputs')
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=clip_len, test_mode=True),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=clip_len, num_clips=5,
             test_mode=True),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
train_cfg = dict(max_epochs=20)

# Blocks placed inside the backbone (the res2-res4 configs of the table) get
# the res5 neck's settings (embedded gaussian, scaled, theta/phi/g std 0.1,
# BN after W_z zero-initialised, no sub-sampling): only the position
# differs. Inert until a config sets `non_local`.
model = dict(
    backbone=dict(
        non_local_cfg=dict(
            _delete_=True,
            mode='embedded_gaussian',
            use_scale=True,
            std=0.1,
            norm_cfg=dict(type='BN1d', requires_grad=True))))
