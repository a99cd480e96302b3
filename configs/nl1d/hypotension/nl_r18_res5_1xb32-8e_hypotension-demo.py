# The hypotension demo (tools/data/hypotension/README.md):
# nl_r18_res5_1xb32-30e_hypotension.py on the SIMULATED set of
# tools/data/hypotension/simulate.py (about 1,650 training windows), trained
# for 8 epochs instead of 30 (the cosine decay of the schedule base ends with
# training).
_base_ = ['nl_r18_res5_1xb32-30e_hypotension.py']

train_cfg = dict(max_epochs=8)
