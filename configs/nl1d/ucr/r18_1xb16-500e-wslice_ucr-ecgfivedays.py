# UCR ECGFiveDays: the plain R18 recipe of r18_1xb16-500e-wslice_ucr.py.
_base_ = ['r18_1xb16-500e-wslice_ucr.py']

data_root = 'data/ucr/ECGFiveDays'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
# 23 training series: no downsampling in res3-res5 either, as the
# published ResNet.
model = dict(
    backbone=dict(strides=(1, 1, 1, 1)), cls_head=dict(num_classes=2))
