_base_ = ['nl_r18_res5_1xb16-500e_ucr.py']

data_root = 'data/ucr/ECG200'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(cls_head=dict(num_classes=2))
