# UCR ECG200: the plain R18 recipe of r18_1xb16-500e-wslice_ucr.py.
_base_ = ['r18_1xb16-500e-wslice_ucr.py']

data_root = 'data/ucr/ECG200'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(cls_head=dict(num_classes=2))
