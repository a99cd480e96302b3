# Ablation: the signal recipe (AdamW, cosine, no-downsampling stem) for 50
# epochs instead of 500.
_base_ = ['../ucr/nl_r18_res5_1xb16-500e_ucr-ecg200.py']

train_cfg = dict(max_epochs=50)
