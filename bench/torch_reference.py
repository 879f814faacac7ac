#!/usr/bin/python3
"""PyTorch-Python eager reference for Restora's networks: the peer of our C++ benchmarks.

It rebuilds the networks of src/archs/ (dncnn, edsr, resunet) as torch.nn.Modules with the same
layers, parameter names and forward passes, loads a Restora model file (safetensors, parsed here
with numpy), and then
  verify  checks that this network and the C++ engine (`restora denoise|upscale|dejpeg`, untiled)
          give the same output on an image: prints max |difference| and PSNR; exit 1 when the
          difference exceeds --tolerance (both fp32 and bf16 agree bit for bit today);
  infer   times the forward pass on a random size×size input (fp32 or bf16 autocast,
          channels-last or not) as our engine runs it; --profile adds PyTorch's operator profile;
  train   times training steps (Adam, L1 loss, random lq/gt of the recipe's shapes) as
          `restora train` runs them.
Run it with Debian's Python, which has torch 1.13, numpy and cv2:
  /usr/bin/python3 bench/torch_reference.py verify models/sr.safetensors img.png --scale 3 --crop 96
  /usr/bin/python3 bench/torch_reference.py infer sr --size 256 --scale 2 --precision bf16 --json
  /usr/bin/python3 bench/torch_reference.py train configs/denoise-gray.json --steps 20 --json
MODEL is a model file, a shipped model's name (models/NAME.safetensors) or, for infer and train,
an experiment config (configs/NAME.json: random weights). RESTORA overrides the binary's path.
"""
import argparse
import copy
import json
import os
import platform
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
RESTORA = os.environ.get("RESTORA", str(REPO / "build/tools/restora/restora"))

# ---------------------------------------------------------------------------------------------
# Model files: safetensors = u64 little-endian header length, JSON header, raw tensor bytes.

# safetensors dtype -> (numpy dtype of the stored bytes, torch dtype to view them as or None)
DTYPES = {"F64": (np.float64, None), "F32": (np.float32, None), "F16": (np.float16, None),
          "BF16": (np.int16, torch.bfloat16), "I64": (np.int64, None), "I32": (np.int32, None),
          "I16": (np.int16, None), "I8": (np.int8, None), "U8": (np.uint8, None),
          "BOOL": (np.bool_, None)}


def read_safetensors(path):
    """-> (metadata dict of strings, {name: CPU tensor})."""
    data = Path(path).read_bytes()
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size > len(data) - 8:
        raise SystemExit(f"{path}: header length {header_size} past the end of the file")
    header = json.loads(data[8:8 + header_size])
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        stored, view = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        if not 0 <= begin <= end <= len(body):
            raise SystemExit(f"{path}: tensor '{name}' lies outside the file")
        array = np.frombuffer(body[begin:end], dtype=np.dtype(stored).newbyteorder("<"))
        tensor = torch.from_numpy(array.copy()).reshape(entry["shape"])
        tensors[name] = tensor.view(view) if view is not None else tensor
    return metadata, tensors


def read_config(path):
    """An experiment config: JSON with whole-line `//` comments (as bench/train_precision.sh)."""
    return json.loads(re.sub(r"^\s*//.*$", "", Path(path).read_text(), flags=re.M))


# ---------------------------------------------------------------------------------------------
# Networks: mirror src/nn/blocks.cpp and src/archs/*.cpp. Parameter names must match the C++
# register_module names, so that load_state_dict(strict=True) accepts a model file as is.

def conv3x3(in_channels, out_channels, bias=True):
    return nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=bias)


class ResidualBlock(nn.Module):
    """x -> x + res_scale · conv2(relu(conv1(x)))"""

    def __init__(self, num_features, res_scale=1.0):
        super().__init__()
        self.conv1 = conv3x3(num_features, num_features)
        self.conv2 = conv3x3(num_features, num_features)
        self.res_scale = res_scale

    def forward(self, x):
        residual = self.conv2(torch.relu(self.conv1(x)))
        if self.res_scale != 1.0:
            residual = residual * self.res_scale
        return x + residual


def residual_chain(num_features, num_blocks, res_scale=1.0):
    return nn.Sequential(*[ResidualBlock(num_features, res_scale) for _ in range(num_blocks)])


class PixelShuffleHead(nn.Module):
    """One conv to out·s² channels; the caller adds its skip, then pixel-shuffles."""

    def __init__(self, num_features, out_channels, scale):
        super().__init__()
        self.conv = conv3x3(num_features, out_channels * scale * scale)

    def forward(self, features):  # = PixelShuffleHead::expand
        return self.conv(features)


def with_condition(lq, condition):
    return lq if condition is None else torch.cat([lq, condition.to(lq.dtype)], 1)


class DnCNN(nn.Module):
    """lq (+ condition) -> conv+relu -> (depth-2)×[conv (+bn) + relu] -> conv -> + lq"""

    def __init__(self, channels=3, num_features=64, depth=17, batch_norm=False, condition=False):
        super().__init__()
        self.channels, self.scales, self.size_multiple = channels, [1], 1
        self.uses_condition = condition
        layers = [conv3x3(channels + int(condition), num_features), nn.ReLU()]
        for _ in range(depth - 2):
            layers.append(conv3x3(num_features, num_features, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(num_features))
            layers.append(nn.ReLU())
        layers.append(conv3x3(num_features, channels))
        self.body = nn.Sequential(*layers)

    def forward(self, lq, condition=None, scale=1):
        return lq + self.body(with_condition(lq, condition))


class EDSR(nn.Module):
    """lq -> head -> blocks -> body_end, + head output -> up_x{s}.conv, + lq repeated s² times
    (nearest-neighbour anchor) -> pixel shuffle"""

    def __init__(self, channels=3, num_features=64, num_blocks=16, scales=(2,), res_scale=1.0):
        super().__init__()
        self.channels, self.scales, self.size_multiple = channels, list(scales), 1
        self.uses_condition = False
        self.head = conv3x3(channels, num_features)
        self.body = residual_chain(num_features, num_blocks, res_scale)
        self.body_end = conv3x3(num_features, num_features)
        for scale in self.scales:  # attributes, not a ModuleDict: names are "up_x2.conv.weight"
            setattr(self, f"up_x{scale}", PixelShuffleHead(num_features, channels, scale))

    def forward(self, lq, condition=None, scale=2):
        if scale not in self.scales:
            raise ValueError(f"this network has no x{scale} head")
        features = self.head(lq)
        features = features + self.body_end(self.body(features))
        expanded = getattr(self, f"up_x{scale}")(features) + lq.repeat_interleave(scale * scale, 1)
        return F.pixel_shuffle(expanded, scale)


class ResUNet(nn.Module):
    """lq (+ condition) -> head -> [blocks -> unshuffle+1×1]×(L-1) -> blocks
         -> [1×1+shuffle, + skip, blocks]×(L-1) -> tail -> + lq"""

    def __init__(self, channels=3, num_features=(32, 64, 128), num_blocks=2, condition=False):
        super().__init__()
        features, levels = list(num_features), len(num_features)
        self.channels, self.scales, self.size_multiple = channels, [1], 1 << (levels - 1)
        self.uses_condition = condition
        self.head = conv3x3(channels + int(condition), features[0])
        self.encoders = nn.ModuleList(residual_chain(features[l], num_blocks)
                                      for l in range(levels - 1))
        self.downs = nn.ModuleList(nn.Conv2d(features[l] * 4, features[l + 1], 1)
                                   for l in range(levels - 1))
        self.middle = residual_chain(features[-1], num_blocks)
        # Decoder i works at level levels-2-i: ups/decoders run from coarse to fine.
        self.ups = nn.ModuleList(nn.Conv2d(features[l + 1], features[l] * 4, 1)
                                 for l in reversed(range(levels - 1)))
        self.decoders = nn.ModuleList(residual_chain(features[l], num_blocks)
                                      for l in reversed(range(levels - 1)))
        self.tail = conv3x3(features[0], channels)

    def forward(self, lq, condition=None, scale=1):
        h = self.head(with_condition(lq, condition))
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            h = encoder(h)
            skips.append(h)
            h = down(F.pixel_unshuffle(h, 2))
        h = self.middle(h)
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips)):
            h = decoder(F.pixel_shuffle(up(h), 2) + skip)
        return lq + self.tail(h)


ARCHS = {"dncnn": DnCNN, "edsr": EDSR, "resunet": ResUNet}  # ids of src/archs/registry.cpp


def load_network(spec):
    """MODEL (file or shipped name) or configs/NAME.json -> (network in eval mode, meta, config).
    meta is the model file's "restora" document (None for a config); config is the experiment
    config (the file's recipe.config for a model file, {} if it has none)."""
    if spec.endswith(".json"):
        config = read_config(spec)
        meta = None
        arch, arch_config = config["network"]["arch"], config["network"].get("config", {})
    else:
        path = Path(spec)
        if not path.is_file() and "/" not in spec:
            path = REPO / "models" / f"{spec}.safetensors"
        metadata, tensors = read_safetensors(path)
        if metadata.get("format") != "restora-model":
            raise SystemExit(f"{path}: not a Restora model file")
        meta = json.loads(metadata["restora"])
        meta["path"] = str(path)
        config = meta.get("recipe", {}).get("config", {})
        arch, arch_config = meta["arch"], meta["arch_config"]
    if arch not in ARCHS:
        raise SystemExit(f"unknown arch '{arch}'; known: {', '.join(ARCHS)}")
    network = ARCHS[arch](**arch_config)  # an unknown config key is a TypeError, as in C++
    network.arch = arch
    if meta is not None:
        network.load_state_dict(tensors, strict=True)
    return network.eval(), meta, config


def condition_map(meta, args, height, width):
    """N×1×H×W known σ/255 or JPEG quality/100 (src/tasks), or None for blind models."""
    kind = meta.get("conditioning", "none")
    if kind == "none":
        return None
    value = args.sigma / 255.0 if kind == "sigma" else args.quality / 100.0
    return torch.full((1, 1, height, width), float(value))


def autocast(precision):
    """bf16 = CPU autocast around the forward pass, as nn::AutocastScope; fp32 = no-op."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


def prepare(network, channels_last):
    """Our engine and trainer put 4-D weights and inputs in channels-last, except fp32 on a CPU
    without AVX-512, where they stay NCHW (nn::preferred_layout)."""
    return network.to(memory_format=torch.channels_last) if channels_last else network


def conv_flops(network, lq, condition, scale):
    """Floating-point operations of one forward pass: 2 per multiply-add of every convolution
    (the rest — ReLU, additions, shuffles — is negligible and not counted), shapes from hooks."""
    total = 0

    def count(module, _, output):
        nonlocal total
        kernel = module.weight.shape[2] * module.weight.shape[3]
        total += 2 * output.numel() * (module.in_channels // module.groups) * kernel

    hooks = [m.register_forward_hook(count) for m in network.modules() if isinstance(m, nn.Conv2d)]
    with torch.inference_mode():
        network(lq, condition, scale)
    for hook in hooks:
        hook.remove()
    return total


def machine():
    """What STYLE.md asks every benchmark to print: the command, the machine, the threads."""
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"command": " ".join([sys.executable] + sys.argv), "cpu": cpu,
            "cores": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__}


# ---------------------------------------------------------------------------------------------
# verify: this network vs the C++ engine, untiled, on the same float input.

COMMANDS = {"denoise": "denoise", "super_resolution": "upscale", "dejpeg": "dejpeg"}


def read_image(path, channels, crop):
    """-> H×W×C float32 in [0,1], RGB or gray as the model needs, optionally a centre crop."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise SystemExit(f"cannot read image '{path}'")
    scale = {np.uint8: 1 / 255.0, np.uint16: 1 / 65535.0}.get(image.dtype.type, 1.0)
    image = image.astype(np.float32) * scale
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]  # alpha is not the network's business
    if image.ndim == 2:
        image = image[:, :, None]
    if channels == 1 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[:, :, None]
    elif channels == 3:
        code = cv2.COLOR_GRAY2RGB if image.shape[2] == 1 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(image, code)
    if crop:
        width, height = (int(v) for v in crop.split("x")) if "x" in crop else (int(crop),) * 2
        top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
        image = image[top:top + height, left:left + width]
    return np.ascontiguousarray(image)


def run_python(network, meta, image, args):
    """As src/restore/engine.cpp run_region: reflect-101 pad bottom/right, run, crop."""
    height, width = image.shape[:2]
    multiple = network.size_multiple
    pad_bottom, pad_right = -height % multiple, -width % multiple
    padded = cv2.copyMakeBorder(image, 0, pad_bottom, 0, pad_right, cv2.BORDER_REFLECT_101)
    lq = torch.from_numpy(padded.reshape(padded.shape[0], padded.shape[1], -1)).permute(2, 0, 1)
    lq = lq.unsqueeze(0).contiguous(memory_format=torch.channels_last)
    condition = condition_map(meta, args, *lq.shape[2:])
    with torch.inference_mode(), autocast(args.precision):
        output = network(lq, condition, args.scale).float()
    output = output[:, :, :height * args.scale, :width * args.scale]
    return output[0].permute(1, 2, 0).numpy()


def run_restora(meta, image, args, work):
    """Writes `image` as a float TIFF (restora then keeps float output) and restores it."""
    source, target = Path(work) / "input.tif", Path(work) / "output.tif"
    bgr = image if image.shape[2] == 1 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    # Naming a compression keeps OpenCV from storing 3-channel float TIFF as lossy LogLuv
    # (its default); restora's own writer does the same.
    cv2.imwrite(str(source), bgr, [cv2.IMWRITE_TIFF_COMPRESSION, 5])  # 5 = LZW, lossless
    command = [RESTORA, COMMANDS[meta["task"]], "-i", str(source), "-o", str(target),
               "--model", meta["path"], "--precision", args.precision, "--tile", "100000",
               "--threads", str(args.threads), "--overwrite", "--quiet"]
    if meta["task"] == "super_resolution":
        command += ["--scale", str(args.scale)]
    if meta.get("conditioning") == "sigma":
        command += ["--sigma", str(args.sigma)]
    if meta.get("conditioning") == "quality":
        command += ["--quality", str(args.quality)]
    subprocess.run(command, check=True)
    output = cv2.imread(str(target), cv2.IMREAD_UNCHANGED)
    if output is None or output.dtype != np.float32:
        raise SystemExit(f"restora did not write a float TIFF ({' '.join(command)})")
    if output.ndim == 2:
        return output[:, :, None]
    return cv2.cvtColor(output, cv2.COLOR_BGR2RGB)


def verify(args):
    network, meta, _ = load_network(args.model)
    if meta is None:
        raise SystemExit("verify needs a model file, not a config")
    # As the Restorer loads it. This matters: with contiguous weights bf16 differs by ~2e-3.
    network = prepare(network, channels_last=True)
    args.scale = args.scale or meta["scales"][0]
    image = read_image(args.image, meta["in_channels"], args.crop)
    ours = run_python(network, meta, image, args)
    with tempfile.TemporaryDirectory() as work:
        theirs = run_restora(meta, image, args, work)
    if ours.shape != theirs.shape:
        raise SystemExit(f"shapes differ: python {ours.shape}, restora {theirs.shape}")
    difference = np.abs(ours.astype(np.float64) - theirs)
    mse = float(np.mean(difference ** 2))
    psnr = 10 * np.log10(1.0 / mse) if mse > 0 else float("inf")
    max_diff = float(difference.max())
    passed = max_diff <= args.tolerance
    print(f"{meta['name']} ({meta['arch']}, x{args.scale}, {args.precision}) "
          f"{image.shape[1]}x{image.shape[0]}x{image.shape[2]}: max |diff| {max_diff:.3g}, "
          f"PSNR {psnr:.2f} dB -> {'OK' if passed else 'FAIL'} (tolerance {args.tolerance:g})")
    return 0 if passed else 1


# ---------------------------------------------------------------------------------------------
# infer / train timing

def infer(args):
    network, _, _ = load_network(args.model)
    network = prepare(network, args.channels_last)
    scale = args.scale or network.scales[0]
    if args.size % network.size_multiple:
        raise SystemExit(f"--size must be a multiple of {network.size_multiple} for this network")
    layout = torch.channels_last if args.channels_last else torch.contiguous_format
    lq = torch.rand(1, network.channels, args.size, args.size).contiguous(memory_format=layout)
    condition = (torch.full((1, 1, args.size, args.size), 0.1).contiguous(memory_format=layout)
                 if network.uses_condition else None)
    times = []
    with torch.inference_mode():
        for repetition in range(args.warmup + args.repeat):
            start = time.perf_counter()
            with autocast(args.precision):
                output = network(lq, condition, scale)
            output = output.float()  # the engine hands fp32 to OpenCV
            if repetition >= args.warmup:
                times.append((time.perf_counter() - start) * 1000)
        if args.profile:  # where the time goes, operator by operator
            with torch.profiler.profile() as profile:
                for _ in range(args.repeat):
                    with autocast(args.precision):
                        network(lq, condition, scale).float()
            print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=12),
                  file=sys.stderr)
    median = statistics.median(times)
    megapixels = output.shape[2] * output.shape[3] / 1e6
    flops = conv_flops(network, lq, condition, scale)
    result = {"mode": "infer", "model": args.model, "arch": network.arch, "size": args.size,
              "scale": scale, "precision": args.precision, "channels_last": args.channels_last,
              "median_ms": median, "ms_per_output_mp": median / megapixels,
              "flops": flops, "gflops_per_s": flops / median / 1e6,
              "times_ms": [round(t, 3) for t in times], **machine()}
    return report(result, args, f"{median:.2f} ms per {args.size}x{args.size} input, "
                                f"{median / megapixels:.1f} ms per output megapixel")


def train(args):
    network, _, config = load_network(args.model)
    data, training = config.get("data", {}), config.get("training", {})
    optimizer_config = config.get("optimizer", {})
    batch = args.batch or data.get("batch_size", 16)
    patch = args.patch or data.get("patch_size", 64)
    precision = args.precision or training.get("precision", "fp32")
    ema_decay = training.get("ema_decay", 0.0) if args.ema else 0.0
    # Super-resolution batches share one scale: lq is patch/scale, gt is patch (dataset.cpp).
    scale = args.scale or network.scales[0]
    if patch % scale or (patch // scale) % network.size_multiple:
        raise SystemExit(f"patch {patch} does not fit scale {scale} and the network's multiple")
    lq_size = patch // scale

    torch.manual_seed(args.seed)
    network = prepare(network.train(), args.channels_last)
    ema = None
    if ema_decay > 0:  # the trainer keeps an exponential moving average of the weights
        ema = copy.deepcopy(network)
        for parameter in ema.parameters():
            parameter.requires_grad_(False)
    if optimizer_config.get("kind", "adam") != "adam":
        print("note: the recipe's optimizer is not Adam; timing Adam anyway", file=sys.stderr)
    optimizer = torch.optim.Adam(network.parameters(),
                                 lr=optimizer_config.get("learning_rate", 2e-4),
                                 betas=tuple(optimizer_config.get("betas", (0.9, 0.999))),
                                 weight_decay=optimizer_config.get("weight_decay", 0.0))
    # One random batch reused every step: this times compute, not data loading.
    layout = torch.channels_last if args.channels_last else torch.contiguous_format
    channels = network.channels
    lq = torch.rand(batch, channels, lq_size, lq_size).contiguous(memory_format=layout)
    gt = torch.rand(batch, channels, patch, patch)
    condition = (torch.rand(batch, 1, lq_size, lq_size).contiguous(memory_format=layout)
                 if network.uses_condition else None)

    times = []
    for step in range(args.warmup + args.steps):  # the body of the loop in src/train/trainer.cpp
        start = time.perf_counter()
        with autocast(precision):
            output = network(lq, condition, scale)
        loss = (output.float() - gt).abs().mean()  # L1 in fp32 (losses.cpp)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if ema is not None:
            with torch.no_grad():
                for average, live in zip(ema.parameters(), network.parameters()):
                    average.mul_(ema_decay).add_(live.detach(), alpha=1.0 - ema_decay)
                for average, live in zip(ema.buffers(), network.buffers()):
                    average.copy_(live)
        loss.item()
        if step >= args.warmup:
            times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    result = {"mode": "train", "model": args.model, "arch": network.arch, "batch": batch,
              "patch": patch, "lq_size": lq_size, "scale": scale, "precision": precision,
              "channels_last": args.channels_last, "ema": ema is not None,
              "median_ms": median, "steps_per_s": 1000.0 / median,
              "times_ms": [round(t, 3) for t in times], **machine()}
    return report(result, args, f"{median:.1f} ms per step, {1000.0 / median:.3f} steps/s "
                                f"(batch {batch}, gt patch {patch}, {precision})")


def report(result, args, line):
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['command']}\n{result['cpu']}, {result['cores']} cores, "
              f"{result['threads']} thread(s), torch {result['torch']}: {line}")
    return 0


# ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name, run, help, precision="fp32"):
        command = commands.add_parser(name, help=help)
        command.set_defaults(run=run)
        command.add_argument("model", help="model file or shipped name, or (infer, train) "
                                           "configs/NAME.json for random weights")
        command.add_argument("--threads", type=int, default=1, help="compute threads (default 1)")
        command.add_argument("--scale", type=int, default=0,
                             help="output scale (default: the network's first)")
        command.add_argument("--precision", choices=["fp32", "bf16"], default=precision)
        if name != "verify":
            command.add_argument("--channels-last", action=argparse.BooleanOptionalAction,
                                 default=True)
            command.add_argument("--json", action="store_true")
        return command

    command = add("verify", verify, "compare with the C++ engine")
    command.add_argument("image")
    command.add_argument("--crop", help="centre crop, N or WxH (e.g. 96 or 97x101)")
    command.add_argument("--sigma", type=float, default=25.0, help="σ for σ-conditioned models")
    command.add_argument("--quality", type=int, default=40, help="for quality-conditioned models")
    command.add_argument("--tolerance", type=float, default=1e-3, help="max |diff| allowed")

    command = add("infer", infer, "time the forward pass")
    command.add_argument("--size", type=int, default=256, help="input height and width")
    command.add_argument("--warmup", type=int, default=1)
    command.add_argument("--repeat", type=int, default=5)
    command.add_argument("--profile", action="store_true",
                         help="also print PyTorch's profile of --repeat passes (stderr)")

    # precision None: the recipe's training.precision, as `restora train`.
    command = add("train", train, "time training steps", precision=None)
    command.add_argument("--batch", type=int, default=0, help="default: the recipe's batch_size")
    command.add_argument("--patch", type=int, default=0, help="gt patch; default: the recipe's")
    command.add_argument("--ema", action=argparse.BooleanOptionalAction, default=True,
                         help="update an EMA copy when the recipe has ema_decay (as the trainer)")
    command.add_argument("--steps", type=int, default=20)
    command.add_argument("--warmup", type=int, default=3)
    command.add_argument("--seed", type=int, default=1)

    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
