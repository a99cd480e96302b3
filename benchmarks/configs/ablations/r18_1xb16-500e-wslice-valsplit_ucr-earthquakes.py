# Diagnostic (nothing is selected on it): the Computers diagnostic with
# window slicing (r18_1xb16-500e-wslice-valsplit_ucr-computers.py) on
# Earthquakes, trained on the converter's train split (257 of its 322
# training series) and validated every 10 epochs on its val split (the other
# 65, 12 of them events), to see whether fewer epochs would do better.
_base_ = ['r18_1xb16-500e-wslice-valsplit_ucr-computers.py']

data_root = 'data/ucr/Earthquakes'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
