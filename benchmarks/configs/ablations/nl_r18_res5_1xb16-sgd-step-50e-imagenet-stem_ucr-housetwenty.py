# Ablation: the non-local paper's recipe on UCR HouseTwenty (see the
# ECG200 config it inherits).
_base_ = ['nl_r18_res5_1xb16-sgd-step-50e-imagenet-stem_ucr-ecg200.py']

data_root = 'data/ucr/HouseTwenty'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
