# Diagnostic (nothing is selected on it): the Computers diagnostic on
# WormsTwoClass, trained on the converter's train split (144 of its 181
# training series) and validated every 10 epochs on its val split (the
# other 37).
_base_ = ['r18_1xb16-500e-valsplit_ucr-computers.py']

data_root = 'data/ucr/WormsTwoClass'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
