"""Reference bytes for tests/model_file/test_safetensors.cpp.

Builds safetensors files by hand with struct/json/numpy (the python
safetensors package is not available on Debian), following the format spec and
the reference writer (huggingface/safetensors, tensor.rs `prepare`):
  - compact JSON, "__metadata__" first, then tensors sorted by decreasing
    position in the reference Dtype enum, then by name;
  - each entry's keys in the order dtype, shape, data_offsets;
  - header padded with spaces to a multiple of 8.
Metadata keys are sorted here (the reference uses a HashMap, so its order is
arbitrary; Restora writes them sorted).

Run once with Debian's interpreter and paste the output into the test:
    /usr/bin/python3 tests/model_file/reference/make_safetensors_reference.py
"""

import json
import struct

import numpy as np

# Position in the reference implementation's Dtype enum.
REFERENCE_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "F16": 7, "BF16": 8,
                  "I32": 9, "F32": 11, "F64": 12, "I64": 13}


def bf16_bytes(values):
    """bfloat16 = the upper half of float32 (values chosen to be exact)."""
    bits = np.array(values, dtype="<f4").view("<u4") >> 16
    return bits.astype("<u2").tobytes()


# The fixed input, also built in the C++ test.
TENSORS = {
    "body.0.weight": ("F32", [2, 3],
                      np.array([0.5, -1.25, 2.0, 3.5, 1e-3, 65504.0], "<f4").tobytes()),
    "body.0.bias": ("F16", [2], np.array([1.5, -0.25], "<f2").tobytes()),
    "step": ("I64", [], np.array([123456789012], "<i8").tobytes()),
    "empty": ("F32", [0, 4], b""),
    "mask": ("BOOL", [3], bytes([1, 0, 1])),
    "codes": ("U8", [2], bytes([7, 255])),
    "tail.bf16": ("BF16", [2], bf16_bytes([1.0, -2.0])),
}
METADATA = {"format": "restora-model", "note": "caf\u00e9 cr\u00e8me"}


def canonical():
    order = sorted(TENSORS, key=lambda name: (-REFERENCE_RANK[TENSORS[name][0]], name))
    header = {"__metadata__": dict(sorted(METADATA.items()))}
    data = b""
    for name in order:
        dtype, shape, raw = TENSORS[name]
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return text, data


def foreign():
    """What another writer may produce: JSON with spaces, metadata last, keys
    in another order, data in reverse name order, no padding."""
    data = b""
    offsets = {}
    for name in sorted(TENSORS, reverse=True):
        raw = TENSORS[name][2]
        offsets[name] = [len(data), len(data) + len(raw)]
        data += raw
    header = {}
    for name in sorted(TENSORS):
        dtype, shape, _ = TENSORS[name]
        header[name] = {"shape": shape, "data_offsets": offsets[name], "dtype": dtype}
    header["__metadata__"] = METADATA
    text = json.dumps(header, separators=(", ", ": "), ensure_ascii=False)
    return text.encode("utf-8"), data


def emit(label, header, data):
    print(f"// {label}: header length {len(header)}, {len(data)} data bytes")
    print(f"constexpr uint64_t {label}_header_length = {len(header)};")
    text = header.rstrip(b" ")
    padding = f" + std::string({len(header) - len(text)}, ' ')" if len(text) < len(header) else ""
    print(f'const std::string {label}_header = R"json({text.decode("utf-8")})json"{padding};')
    print(f"const std::vector<uint8_t> {label}_data = {{")
    for start in range(0, len(data), 12):
        print("    " + ", ".join(f"0x{b:02x}" for b in data[start:start + 12]) + ",")
    print("};")
    whole = struct.pack("<Q", len(header)) + header + data
    print(f"// whole file: {len(whole)} bytes")


emit("canonical", *canonical())
emit("foreign", *foreign())
