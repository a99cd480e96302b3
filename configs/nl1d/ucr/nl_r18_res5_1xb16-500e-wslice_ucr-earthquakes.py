# UCR Earthquakes: the recipe of nl_r18_res5_1xb16-500e-wslice_ucr.py.
_base_ = ['nl_r18_res5_1xb16-500e-wslice_ucr.py']

data_root = 'data/ucr/Earthquakes'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(cls_head=dict(num_classes=2))
