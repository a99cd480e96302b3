# Ablation: window slicing on WormsTwoClass (810 of 900 samples), as
# nl_r18_res5_1xb16-500e-wslice_ucr-computers.py (also two classes).
_base_ = ['nl_r18_res5_1xb16-500e-wslice_ucr-computers.py']

data_root = 'data/ucr/WormsTwoClass'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
