#!/usr/bin/python3
"""Makes the PyTorch checkpoint fixtures of tests/pth once (committed; Debian's python3-torch).

    /usr/bin/python3 tests/pth/make_fixtures.py tests/pth/fixtures

nested.zip.pth and nested.legacy.pth hold the same checkpoint in torch.save's two container
formats: nested dicts (an OrderedDict state dict with its _metadata), a Parameter, numbers and
strings beside the tensors, a transposed tensor, a slice with a storage offset, two tensors
sharing one storage, and f16/bf16/f64/int64/bool dtypes. expected.safetensors holds the tensors
that must come out, flattened to dotted names, written here with numpy (not through torch).
The hostile files are refused by the reader: a pickle that calls os.system, a whole pickled
module (torch.save(model)), and tensors reaching past their storage or with a negative stride.
"""
import collections
import json
import os
import pickle
import struct
import sys
import zipfile

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(38)

conv = torch.nn.Conv2d(3, 4, 3)
with torch.no_grad():
    conv.weight.copy_(torch.randn(4, 3, 3, 3, generator=g))
    conv.bias.copy_(torch.randn(4, generator=g))
state = conv.state_dict()  # an OrderedDict with _metadata
base = torch.randn(6, 5, generator=g)
shared = torch.arange(12, dtype=torch.float32)
checkpoint = {
    "params_ema": state,
    "extra": {
        "transposed": base.t(),
        "slice": base[2:5, 1:4],
        "first": shared[:6],
        "second": shared[6:].view(2, 3),
        "half": torch.randn(3, 2, generator=g).half(),
        "bf16": torch.randn(5, generator=g).bfloat16(),
        "double": torch.randn(2, 2, generator=g).double(),
        "long": torch.tensor([1, -2, 3 << 40]),
        "flags": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "parameter": torch.nn.Parameter(torch.randn(2, 3, generator=g)),
    },
    "layers": [torch.ones(2), torch.zeros(1)],
    "epoch": 7,
    "lr": 1e-4,
    "note": "made by make_fixtures.py",
}
torch.save(checkpoint, os.path.join(out, "nested.zip.pth"))
torch.save(checkpoint, os.path.join(out, "nested.legacy.pth"), _use_new_zipfile_serialization=False)


def flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from flatten(item, f"{prefix}.{i}" if prefix else str(i))
    elif isinstance(value, torch.Tensor):
        yield prefix, value.detach().contiguous()


names = {torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2),
         torch.float64: ("F64", 8), torch.int64: ("I64", 8), torch.bool: ("BOOL", 1)}
header, blobs, offset = {}, [], 0
for name, tensor in flatten(checkpoint):
    dtype, size = names[tensor.dtype]
    raw = tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor
    blob = raw.numpy().tobytes()
    header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(out, "expected.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


class CallsSystem:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


with zipfile.ZipFile(os.path.join(out, "calls_system.pth"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", pickle.dumps({"weight": CallsSystem()}, protocol=2))
    z.writestr("archive/version", "3\n")

torch.save(conv, os.path.join(out, "whole_module.pth"))


class Rebuild:
    """A tensor whose size or stride does not fit its storage, pickled as torch.save would."""

    def __init__(self, size, stride):
        self.size, self.stride = size, stride

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (torch.zeros(4).storage(), 0, self.size, self.stride, False, collections.OrderedDict()))


torch.save({"weight": Rebuild((100,), (1,))}, os.path.join(out, "past_storage.pth"))
torch.save({"weight": Rebuild((2,), (-1,))}, os.path.join(out, "negative_stride.pth"))
