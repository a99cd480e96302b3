# Window slicing on PigArtPressure without the non-local block
# (r18_1xb16-500e_ucr-pigartpressure.py with the slices of
# r18_1xb16-500e-wslice_ucr.py).
_base_ = ['r18_1xb16-500e-wslice_ucr.py']

data_root = 'data/ucr/PigArtPressure'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(cls_head=dict(num_classes=52))
