# Diagnostic (nothing is selected on the test split): window slicing
# (../ucr/r18_1xb16-500e-wslice_ucr-computers.py) trained on the converter's
# train split and validated every 10 epochs on its val split, beside the plain
# recipe's r18_1xb16-500e-valsplit_ucr-computers.py.
_base_ = ['r18_1xb16-500e-valsplit_ucr-computers.py']

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal'),
        dict(type='SampleWindows', clip_len=0.9),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal'),
        dict(type='SampleWindows', clip_len=0.9, num_clips=5, test_mode=True),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
