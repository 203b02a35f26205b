#!/usr/bin/python3
"""Move weights between PyTorch and wasmtricks (safetensors, same state_dict names).

  export a PyTorch model:   /usr/bin/python3 examples/pytorch/interchange.py export resnet20.safetensors
                            (builds ResNet-20 for 3x32x32 / 10 classes; train it first in real use)
  import ours back:         /usr/bin/python3 examples/pytorch/interchange.py import model.safetensors
                            (prints the spec, runs the model in eval mode on zeros, and re-exports
                             the file to check the round trip is byte-for-byte lossless)

In JS: `const m = wt.models.load(bytes)` reads the exported file; `m.save()` writes one for import.
"""
import sys

import torch

from wt_models import build, from_safetensors_bytes, load_safetensors, save_safetensors, to_safetensors_bytes


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('export', 'import'):
        print(__doc__)
        sys.exit(2)
    cmd, path = sys.argv[1:]
    if cmd == 'export':
        spec = {'model': 'resnet', 'depth': 20, 'input': [3, 32, 32], 'classes': 10, 'zero_init_residual': False}
        torch.manual_seed(0)
        save_safetensors(build(spec), path, spec)
        print(f'wrote {path}')
        return
    model, spec = load_safetensors(path)
    model.eval()
    C, H, W = spec['input']
    print('spec:', spec)
    print('logits on zeros:', model(torch.zeros(1, C, H, W)).detach().numpy().round(4))
    data = open(path, 'rb').read()
    sd, meta = from_safetensors_bytes(data)
    again = to_safetensors_bytes(model.state_dict(), meta.get('spec'))
    print('round trip lossless:', again == data)


if __name__ == '__main__':
    main()
