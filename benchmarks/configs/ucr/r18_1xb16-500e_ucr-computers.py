# The plain R18 twin of nl_r18_res5_1xb16-500e_ucr-computers.py.
_base_ = ['r18_1xb16-500e_ucr.py']

data_root = 'data/ucr/Computers'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(cls_head=dict(num_classes=2))
