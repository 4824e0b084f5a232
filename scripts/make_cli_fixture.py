"""Makes cli/src/test/resources/lstm-proj-bidir: a PyTorch LSTM (2 layers, bidirectional, batch_first,
proj_size 3) as state_dict safetensors + config.json, an input with lengths, and PyTorch's outputs.
Run from that directory with Debian's python3-torch: cd cli/src/test/resources/lstm-proj-bidir && /usr/bin/python3 ../../../../../scripts/make_cli_fixture.py"""
import torch, json, struct, numpy as np, sys
torch.manual_seed(3)
m = torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True, proj_size=3)
def save_st(path, tensors):
    header={}; off=0; blobs=[]
    for k,v in tensors.items():
        a=v.detach().numpy().astype('<f4'); b=a.tobytes()
        header[k]={"dtype":"F32","shape":list(a.shape),"data_offsets":[off,off+len(b)]}; off+=len(b); blobs.append(b)
    h=json.dumps(header).encode(); h+=b' '*((8-len(h)%8)%8)
    open(path,'wb').write(struct.pack('<Q',len(h))+h+b''.join(blobs))
import os; os.makedirs('m',exist_ok=True)
save_st('m/model.safetensors', m.state_dict())
json.dump({"type":"LSTM","input_size":5,"hidden_size":7,"num_layers":2,"bias":True,"batch_first":True,"bidirectional":True,"proj_size":3}, open('m/config.json','w'))
x=torch.randn(4,6,5); lengths=torch.tensor([6,3,1,5])
np.save('x.npy', x.numpy()); np.save('lengths.npy', lengths.numpy())
packed=torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
out,(h,c)=m(packed); out,_=torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=6)
np.save('ref_out.npy', out.detach().numpy()); np.save('ref_h.npy', h.detach().numpy()); np.save('ref_c.npy', c.detach().numpy())
