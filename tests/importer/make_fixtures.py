#!/usr/bin/python3
"""Makes the fixtures of tests/importer once (committed; Debian's python3-torch).

    /usr/bin/python3 tests/importer/make_fixtures.py tests/importer/fixtures

For each published layout `restora import` recognises: the network written here in PyTorch as its
project defines it (KAIR's DnCNN/FDnCNN with and without batch norm and FFDNet, cszn's DnCNN, Real-ESRGAN's
SRVGGNetCompact, BasicSR's EDSR, RCAN and RRDBNet, SwinIR), small and with random weights, saved the way that project
saves it (plain state dict, {'params_ema': ...}, the legacy container, the older key names of
ESRGAN and BSRGAN), and NAME.expected.safetensors holding an input and the network's output
(plus the noise-level map for FDnCNN and FFDNet), written with numpy.
"""
import collections
import json
import math
import os
import re
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(38)


def save_expected(name, tensors):
    header, blobs, offset = {}, [], 0
    for key, tensor in tensors.items():
        blob = tensor.detach().contiguous().float().numpy().tobytes()
        header[key] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(out, name + ".expected.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def randomise(module):
    """Random weights and batch-norm statistics, so no layer is an identity."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return module.eval()


# ---- KAIR models/network_dncnn.py (DnCNN and FDnCNN: conv+act, [conv+BN+act], conv)
class KairDnCNN(nn.Module):
    def __init__(self, in_nc, out_nc, nc, nb, batch_norm, residual):
        super().__init__()
        layers = [nn.Conv2d(in_nc, nc, 3, 1, 1, bias=True), nn.ReLU(inplace=True)]
        for _ in range(nb - 2):
            layers.append(nn.Conv2d(nc, nc, 3, 1, 1, bias=True))
            if batch_norm:
                layers.append(nn.BatchNorm2d(nc, momentum=0.9, eps=1e-04, affine=True))
            layers.append(nn.ReLU(inplace=True))
        layers.append(nn.Conv2d(nc, out_nc, 3, 1, 1, bias=True))
        self.model = nn.Sequential(*layers)
        self.residual = residual

    def forward(self, x):
        n = self.model(x)
        return x - n if self.residual else n


# ---- cszn/DnCNN TrainingCodes/dncnn_pytorch (conv bias only first; BN eps 1e-4)
class CsznDnCNN(nn.Module):
    def __init__(self, channels, nc, depth):
        super().__init__()
        layers = [nn.Conv2d(channels, nc, 3, padding=1, bias=True), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(nc, nc, 3, padding=1, bias=False),
                       nn.BatchNorm2d(nc, eps=0.0001, momentum=0.95), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(nc, channels, 3, padding=1, bias=False))
        self.dncnn = nn.Sequential(*layers)

    def forward(self, x):
        return x - self.dncnn(x)


# ---- KAIR models/network_ffdnet.py (even sizes: KAIR pads odd ones by replication)
class KairFFDNet(nn.Module):
    def __init__(self, in_nc, out_nc, nc, nb):
        super().__init__()
        layers = [nn.Conv2d(in_nc * 4 + 1, nc, 3, 1, 1, bias=True), nn.ReLU(inplace=True)]
        for _ in range(nb - 2):
            layers += [nn.Conv2d(nc, nc, 3, 1, 1, bias=True), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(nc, out_nc * 4, 3, 1, 1, bias=True))
        self.model = nn.Sequential(*layers)

    def forward(self, x, sigma):
        x = F.pixel_unshuffle(x, 2)
        m = sigma.repeat(1, 1, x.size(-2), x.size(-1))
        return F.pixel_shuffle(self.model(torch.cat((x, m), 1)), 2)


# ---- Real-ESRGAN basicsr/archs/srvgg_arch.py
class SRVGGNetCompact(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4):
        super().__init__()
        self.upscale = upscale
        self.body = nn.ModuleList([nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)])
        for _ in range(num_conv):
            self.body.append(nn.Conv2d(num_feat, num_feat, 3, 1, 1))
            self.body.append(nn.PReLU(num_parameters=num_feat))
        self.body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        return out + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


# ---- BasicSR basicsr/archs/edsr_arch.py (ResidualBlockNoBN, Upsample from arch_util.py)
class ResidualBlockNoBN(nn.Module):
    def __init__(self, num_feat, res_scale):
        super().__init__()
        self.res_scale = res_scale
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1, bias=True)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1, bias=True)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return x + self.conv2(self.relu(self.conv1(x))) * self.res_scale


class Upsample(nn.Sequential):
    def __init__(self, scale, num_feat):
        m = []
        if (scale & (scale - 1)) == 0:
            for _ in range(int(math.log(scale, 2))):
                m.append(nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1))
                m.append(nn.PixelShuffle(2))
        else:
            m.append(nn.Conv2d(num_feat, 9 * num_feat, 3, 1, 1))
            m.append(nn.PixelShuffle(3))
        super().__init__(*m)


class EDSR(nn.Module):
    def __init__(self, num_in_ch, num_out_ch, num_feat=64, num_block=16, upscale=4, res_scale=1,
                 img_range=255., rgb_mean=(0.4488, 0.4371, 0.4040)):
        super().__init__()
        self.img_range = img_range
        self.mean = torch.Tensor(rgb_mean).view(1, 3, 1, 1)
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[ResidualBlockNoBN(num_feat, res_scale) for _ in range(num_block)])
        self.conv_after_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.upsample = Upsample(upscale, num_feat)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x):
        x = (x - self.mean) * self.img_range
        x = self.conv_first(x)
        res = self.conv_after_body(self.body(x))
        res += x
        x = self.conv_last(self.upsample(res))
        return x / self.img_range + self.mean


# ---- BasicSR basicsr/archs/rrdbnet_arch.py
class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """BasicSR's RRDBNet; up_steps=1 is KAIR/BSRGAN's sf=2 variant (upconv1 only)."""

    def __init__(self, num_in_ch, num_out_ch, scale=4, num_feat=64, num_block=23, num_grow_ch=32, up_steps=2):
        super().__init__()
        self.scale = scale
        if scale == 2 and up_steps == 2:
            num_in_ch = num_in_ch * 4
        elif scale == 1:
            num_in_ch = num_in_ch * 16
        self.up_steps = up_steps
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        if up_steps == 2:
            self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        if self.up_steps == 2 and self.scale == 2:
            feat = F.pixel_unshuffle(x, 2)
        elif self.scale == 1:
            feat = F.pixel_unshuffle(x, 4)
        else:
            feat = x
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        if self.up_steps == 2:
            feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


def bsrgan_names(state):
    """KAIR's network_rrdbnet.py (BSRGAN) and ESRGAN's RRDBNet_arch.py key names."""
    renamed = collections.OrderedDict()
    for key, value in state.items():
        key = re.sub(r"^body\.(\d+)\.rdb(\d)\.", r"RRDB_trunk.\1.RDB\2.", key)
        for new, old in (("conv_body", "trunk_conv"), ("conv_up1", "upconv1"), ("conv_up2", "upconv2"),
                         ("conv_hr", "HRconv")):
            key = key.replace(new + ".", old + ".")
        renamed[key] = value
    return renamed


def esrgan_old_names(state):
    """ESRGAN's first release (RRDB_ESRGAN_x4.pth): one Sequential, model.N keys."""
    renamed = collections.OrderedDict()
    blocks = sum(1 for k in state if k.endswith("rdb1.conv1.weight"))
    tops = {"conv_first": 0, "conv_up1": 3, "conv_up2": 6, "conv_hr": 8, "conv_last": 10}
    for key, value in state.items():
        m = re.match(r"body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias)", key)
        if m:
            key = f"model.1.sub.{m[1]}.RDB{m[2]}.conv{m[3]}.0.{m[4]}"
        elif key.startswith("conv_body."):
            key = f"model.1.sub.{blocks}." + key.split(".")[1]
        else:
            name, param = key.split(".")
            key = f"model.{tops[name]}.{param}"
        renamed[key] = value
    return renamed


# ---- BasicSR basicsr/archs/rcan_arch.py (ChannelAttention, RCAB, ResidualGroup, RCAN)
class ChannelAttention(nn.Module):
    def __init__(self, num_feat, squeeze_factor):
        super().__init__()
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(num_feat, num_feat // squeeze_factor, 1, padding=0),
            nn.ReLU(inplace=True), nn.Conv2d(num_feat // squeeze_factor, num_feat, 1, padding=0), nn.Sigmoid())

    def forward(self, x):
        return x * self.attention(x)


class RCAB(nn.Module):
    def __init__(self, num_feat, squeeze_factor, res_scale):
        super().__init__()
        self.res_scale = res_scale
        self.rcab = nn.Sequential(
            nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.ReLU(True), nn.Conv2d(num_feat, num_feat, 3, 1, 1),
            ChannelAttention(num_feat, squeeze_factor))

    def forward(self, x):
        return self.rcab(x) * self.res_scale + x


class ResidualGroup(nn.Module):
    def __init__(self, num_feat, num_block, squeeze_factor, res_scale):
        super().__init__()
        self.residual_group = nn.Sequential(*[RCAB(num_feat, squeeze_factor, res_scale) for _ in range(num_block)])
        self.conv = nn.Conv2d(num_feat, num_feat, 3, 1, 1)

    def forward(self, x):
        return self.conv(self.residual_group(x)) + x


class RCAN(nn.Module):
    def __init__(self, num_in_ch, num_out_ch, num_feat=64, num_group=10, num_block=16, squeeze_factor=16,
                 upscale=4, res_scale=1, img_range=255., rgb_mean=(0.4488, 0.4371, 0.4040)):
        super().__init__()
        self.img_range = img_range
        self.mean = torch.Tensor(rgb_mean).view(1, 3, 1, 1)
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[ResidualGroup(num_feat, num_block, squeeze_factor, res_scale)
                                    for _ in range(num_group)])
        self.conv_after_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.upsample = Upsample(upscale, num_feat)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x):
        x = (x - self.mean) * self.img_range
        x = self.conv_first(x)
        res = self.conv_after_body(self.body(x))
        res += x
        x = self.conv_last(self.upsample(res))
        return x / self.img_range + self.mean


# ---- SwinIR (JingyunLiang/SwinIR models/network_swinir.py; no dropout, drop-path or absolute
# position embedding, as its released models)
def window_partition(x, ws):
    B, H, W, C = x.shape
    x = x.view(B, H // ws, ws, W // ws, ws, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, C)


def window_reverse(windows, ws, H, W):
    B = int(windows.shape[0] / (H * W / ws / ws))
    x = windows.view(B, H // ws, W // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


class SwinMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, num_heads):
        super().__init__()
        self.ws, self.num_heads = ws, num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) * (2 * ws - 1), num_heads))
        coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)], indexing="ij"))
        flat = torch.flatten(coords, 1)
        rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer("relative_position_index", rel.sum(-1))
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=.02)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        attn = attn.softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B_, N, C))


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim, input_resolution, num_heads, ws, shift, mlp_ratio):
        super().__init__()
        self.ws, self.shift, self.input_resolution = ws, shift, input_resolution
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = SwinMlp(dim, int(dim * mlp_ratio))
        self.register_buffer("attn_mask", self.calculate_mask(input_resolution) if shift > 0 else None)

    def calculate_mask(self, x_size):
        H, W = x_size
        img_mask = torch.zeros((1, H, W, 1))
        slices = lambda: (slice(0, -self.ws), slice(-self.ws, -self.shift), slice(-self.shift, None))
        cnt = 0
        for h in slices():
            for w in slices():
                img_mask[:, h, w, :] = cnt
                cnt += 1
        windows = window_partition(img_mask, self.ws).view(-1, self.ws * self.ws)
        mask = windows.unsqueeze(1) - windows.unsqueeze(2)
        return mask.masked_fill(mask != 0, float(-100.0)).masked_fill(mask == 0, float(0.0))

    def forward(self, x, x_size):
        H, W = x_size
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        if self.shift > 0:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = window_partition(x, self.ws).view(-1, self.ws * self.ws, C)
        mask = None
        if self.shift > 0:
            mask = self.attn_mask if self.input_resolution == x_size else self.calculate_mask(x_size)
        x = window_reverse(self.attn(windows, mask=mask).view(-1, self.ws, self.ws, C), self.ws, H, W)
        if self.shift > 0:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.view(B, H * W, C)
        return x + self.mlp(self.norm2(x))


class SwinBasicLayer(nn.Module):
    def __init__(self, dim, input_resolution, depth, num_heads, ws, mlp_ratio):
        super().__init__()
        self.blocks = nn.ModuleList([SwinTransformerBlock(dim, input_resolution, num_heads, ws,
                                                          0 if i % 2 == 0 else ws // 2, mlp_ratio)
                                     for i in range(depth)])

    def forward(self, x, x_size):
        for block in self.blocks:
            x = block(x, x_size)
        return x


def residual_connection(dim, kind):
    if kind == "1conv":
        return nn.Conv2d(dim, dim, 3, 1, 1)
    return nn.Sequential(nn.Conv2d(dim, dim // 4, 3, 1, 1), nn.LeakyReLU(negative_slope=0.2, inplace=True),
                         nn.Conv2d(dim // 4, dim // 4, 1, 1, 0), nn.LeakyReLU(negative_slope=0.2, inplace=True),
                         nn.Conv2d(dim // 4, dim, 3, 1, 1))


class RSTB(nn.Module):
    def __init__(self, dim, input_resolution, depth, num_heads, ws, mlp_ratio, resi_connection):
        super().__init__()
        self.residual_group = SwinBasicLayer(dim, input_resolution, depth, num_heads, ws, mlp_ratio)
        self.conv = residual_connection(dim, resi_connection)

    def forward(self, x, x_size):
        B, L, C = x.shape
        y = self.residual_group(x, x_size).transpose(1, 2).view(B, C, x_size[0], x_size[1])
        return self.conv(y).flatten(2).transpose(1, 2) + x


class PatchEmbed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.norm(x.flatten(2).transpose(1, 2))


class SwinIR(nn.Module):
    def __init__(self, img_size=64, in_chans=3, embed_dim=96, depths=(6, 6, 6, 6), num_heads=(6, 6, 6, 6),
                 window_size=7, mlp_ratio=4., upscale=2, img_range=1., upsampler='', resi_connection='1conv'):
        super().__init__()
        num_feat = 64
        self.img_range, self.upscale, self.upsampler, self.window_size = img_range, upscale, upsampler, window_size
        self.mean = torch.Tensor((0.4488, 0.4371, 0.4040)).view(1, 3, 1, 1) if in_chans == 3 else torch.zeros(1, 1, 1, 1)
        self.conv_first = nn.Conv2d(in_chans, embed_dim, 3, 1, 1)
        self.patch_embed = PatchEmbed(embed_dim)
        self.layers = nn.ModuleList([RSTB(embed_dim, (img_size, img_size), depths[i], num_heads[i], window_size,
                                          mlp_ratio, resi_connection) for i in range(len(depths))])
        self.norm = nn.LayerNorm(embed_dim)
        self.conv_after_body = residual_connection(embed_dim, resi_connection)
        if upsampler == 'pixelshuffle':
            self.conv_before_upsample = nn.Sequential(nn.Conv2d(embed_dim, num_feat, 3, 1, 1), nn.LeakyReLU(inplace=True))
            self.upsample = Upsample(upscale, num_feat)
            self.conv_last = nn.Conv2d(num_feat, in_chans, 3, 1, 1)
        else:  # 'pixelshuffledirect'
            self.upsample = nn.Sequential(nn.Conv2d(embed_dim, upscale ** 2 * in_chans, 3, 1, 1), nn.PixelShuffle(upscale))

    def forward(self, x):
        H, W = x.shape[2:]
        pad_h = (self.window_size - H % self.window_size) % self.window_size
        pad_w = (self.window_size - W % self.window_size) % self.window_size
        x = F.pad(x, (0, pad_w, 0, pad_h), 'reflect')
        x = (x - self.mean) * self.img_range
        x = self.conv_first(x)
        x_size = (x.shape[2], x.shape[3])
        f = self.patch_embed(x)
        for layer in self.layers:
            f = layer(f, x_size)
        f = self.norm(f).transpose(1, 2).view(x.shape[0], -1, x_size[0], x_size[1])
        x = self.conv_after_body(f) + x
        if self.upsampler == 'pixelshuffle':
            x = self.conv_last(self.upsample(self.conv_before_upsample(x)))
        else:
            x = self.upsample(x)
        x = x / self.img_range + self.mean
        return x[:, :, :H * self.upscale, :W * self.upscale]


def case(name, net, x, save, sigma=None):
    randomise(net)
    with torch.no_grad():
        inp = x if sigma is None else torch.cat([x, torch.full_like(x[:, :1], sigma)], 1)
        y = net(inp)
    save(net.state_dict(), os.path.join(out, name + ".pth"))
    tensors = {"input": x, "output": y}
    if sigma is not None:
        tensors["sigma"] = torch.full_like(x[:, :1], sigma)
    save_expected(name, tensors)


plain = torch.save
legacy = lambda sd, path: torch.save(sd, path, _use_new_zipfile_serialization=False)
basicsr = lambda sd, path: torch.save({"params_ema": sd, "params": sd}, path)

gray = torch.rand(1, 1, 13, 11)
color = torch.rand(1, 3, 12, 10)
case("kair_dncnn_gray", KairDnCNN(1, 1, 8, 5, batch_norm=False, residual=True), gray, plain)
case("kair_dncnn_bn_color", KairDnCNN(3, 3, 8, 5, batch_norm=True, residual=True), color, legacy)
case("kair_fdncnn_color", KairDnCNN(4, 3, 8, 5, batch_norm=False, residual=False), color, plain, sigma=25 / 255)
case("cszn_dncnn_gray", CsznDnCNN(1, 8, 5), gray, plain)
ffdnet = randomise(KairFFDNet(3, 3, 8, 4))
with torch.no_grad():
    sigma = torch.full((1, 1, 1, 1), 30 / 255)
    torch.save(ffdnet.state_dict(), os.path.join(out, "kair_ffdnet_color.pth"))
    save_expected("kair_ffdnet_color", {"input": color, "output": ffdnet(color, sigma),
                                        "sigma": torch.full_like(color[:, :1], 30 / 255)})
case("srvgg_x4", SRVGGNetCompact(3, 3, 8, 3, 4), color, basicsr)
case("rrdb_basicsr_x4", RRDBNet(3, 3, 4, 8, 2, 4), color, basicsr)
case("rrdb_basicsr_x2", RRDBNet(3, 3, 2, 8, 1, 4), color, basicsr)
case("rrdb_bsrgan_x4", RRDBNet(3, 3, 4, 8, 1, 4), color, lambda sd, p: torch.save(bsrgan_names(sd), p))
case("rrdb_bsrgan_x2", RRDBNet(3, 3, 2, 8, 1, 4, up_steps=1), color, lambda sd, p: torch.save(bsrgan_names(sd), p))
case("edsr_basicsr_x4", EDSR(3, 3, 8, 2, 4), color, basicsr)
case("edsr_basicsr_x3", EDSR(3, 3, 8, 1, 3), color, basicsr)
case("rrdb_esrgan_old_x4", RRDBNet(3, 3, 4, 8, 1, 4), color, lambda sd, p: legacy(esrgan_old_names(sd), p))
case("rcan_basicsr_x4", RCAN(3, 3, 16, 2, 2, 4, 4), color, basicsr)
case("rcan_basicsr_x2", RCAN(3, 3, 16, 1, 3, 4, 2), torch.rand(1, 3, 30, 26), basicsr)
def swin_randomise(net):
    """Layer norms and position biases away from their initial identity and zeros."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
            if isinstance(m, WindowAttention):
                m.relative_position_bias_table.normal_(0, 0.5)
    return net


swinir = lambda sd, path: torch.save({"params": sd}, path)
case("swinir_classical_x2", swin_randomise(SwinIR(16, 3, 12, (2, 2), (2, 3), 4, 2., 2, 1., 'pixelshuffle', '1conv')),
     torch.rand(1, 3, 13, 10), swinir)
case("swinir_lightweight_x3", swin_randomise(SwinIR(16, 3, 8, (2,), (2,), 4, 2., 3, 1., 'pixelshuffledirect', '3conv')),
     torch.rand(1, 3, 9, 12), swinir)
