# Window slicing on TwoLeadECG
# (nl_r18_res5_1xb16-500e_ucr-twoleadecg.py with the slices of
# nl_r18_res5_1xb16-500e-wslice_ucr.py).
_base_ = ['nl_r18_res5_1xb16-500e-wslice_ucr.py']

data_root = 'data/ucr/TwoLeadECG'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(
    backbone=dict(strides=(1, 1, 1, 1)), cls_head=dict(num_classes=2))
