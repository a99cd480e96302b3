# Diagnostic: window slicing on WormsTwoClass's converter split, as
# r18_1xb16-500e-wslice-valsplit_ucr-computers.py.
_base_ = ['r18_1xb16-500e-wslice-valsplit_ucr-computers.py']

data_root = 'data/ucr/WormsTwoClass'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
