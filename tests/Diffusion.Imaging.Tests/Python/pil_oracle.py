"""Independent PNG oracle for Diffusion.Imaging's tests: Debian's Pillow and numpy.

Run with /usr/bin/python3 (the Debian interpreter that has python3-pil / python3-numpy).
Commands (paths are files or folders chosen by the C# test):
  generate DIR CASES.json   PIL encodes each case to DIR/name.png and decodes it back to DIR/name.raw
  decode DIR NAME...        PIL decodes DIR/NAME.png to DIR/NAME.raw + DIR/NAME.json
  convert IN W H SRC DST OUT  Image.frombytes(SRC).convert(DST).tobytes()
  text PNG OUT.json         the text chunks PIL reads (im.text)
  quantize IN.f32 OUT.u8    diffusers numpy_to_pil: (x * 255).round().astype("uint8")
  normalize OUT.f32         2 * (uint8 / 255) - 1 for the 256 byte values (pil_to_numpy + normalize)
  binarize OUT.f32          uint8 / 255 binarised at 0.5 for the 256 byte values
  nearest CASES.json        torch F.interpolate(mode="nearest") per case {input, output, b, c, h, w, oh, ow}

Expected bytes follow the C# decoder's documented mapping: "1" -> L, "P" -> RGB (RGBA when a
tRNS/transparency is present), 16-bit gray -> high byte; other modes as PIL holds them.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

CHANNELS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def expected(im, color_type):
    """(raw bytes, channels) of an opened PNG under the C# decoder's mapping."""
    im.load()
    mode = im.mode
    if color_type == 4 and mode == "RGBA":
        # Pillow loads 16-bit gray+alpha as RGBA (rawmode "LA;16B", R = G = B); the C# decoder
        # keeps LA. convert("LA") of R = G = B is exact (luma weights sum to 65536).
        im = im.convert("LA")
        mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.array(im).astype(np.uint32)
        return (a >> 8).astype(np.uint8).tobytes(), 1
    if mode == "1":
        im = im.convert("L")
    elif mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode not in CHANNELS:
        raise SystemExit(f"unexpected PIL mode {im.mode}")
    return im.tobytes(), CHANNELS[im.mode]


def decode_one(path_png, path_raw, path_json):
    with open(path_png, "rb") as f:
        color_type = f.read(26)[25]  # IHDR color type
    with Image.open(path_png) as im:
        info = {"mode": im.mode, "width": im.size[0], "height": im.size[1],
                "interlace": int(im.info.get("interlace", 0))}
        raw, ch = expected(im, color_type)
    info["channels"] = ch
    with open(path_raw, "wb") as f:
        f.write(raw)
    with open(path_json, "w") as f:
        json.dump(info, f)


def make_image(case):
    rng = np.random.default_rng(case["seed"])
    w, h, mode = case["width"], case["height"], case["mode"]
    content = case.get("content", "noise")
    bands = {"1": 1, "L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "P": 1}.get(mode)
    if mode == "I;16":
        if content == "noise":
            a = rng.integers(0, 65536, size=(h, w), dtype=np.uint16)
        else:
            a = (np.add.outer(np.arange(h), np.arange(w)) * 977 % 65536).astype(np.uint16)
        return Image.frombytes("I;16", (w, h), a.astype("<u2").tobytes())
    if content == "noise":
        a = rng.integers(0, 256, size=(h, w, bands), dtype=np.uint8)
    else:  # smooth gradients with a little noise: the filters matter here
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([(x * 3 + y * (c + 1) * 2 + c * 40) % 256 for c in range(bands)], axis=-1)
        a = (base + rng.integers(0, 3, size=base.shape)).clip(0, 255).astype(np.uint8)
    if mode == "1":
        return Image.fromarray((a[..., 0] > 127).astype(np.uint8) * 255, "L").convert("1")
    if mode == "P":
        colors = case.get("colors", 256)
        im = Image.fromarray((a[..., 0].astype(np.uint32) * colors // 256).astype(np.uint8), "L")
        im = im.convert("P")
        pal = rng.integers(0, 256, size=(colors * 3,), dtype=np.uint8).tolist()
        im.putpalette(pal)
        return im
    return Image.fromarray(a if bands > 1 else a[..., 0], mode)


def generate(folder, cases_path):
    with open(cases_path) as f:
        cases = json.load(f)
    for case in cases:
        im = make_image(case)
        save = dict(case.get("save", {}))
        if "transparency_bytes" in save:
            save["transparency"] = bytes(save.pop("transparency_bytes"))
        if "transparency_tuple" in save:
            save["transparency"] = tuple(save.pop("transparency_tuple"))
        if "text" in case or "itxt" in case:
            from PIL import PngImagePlugin
            info = PngImagePlugin.PngInfo()
            for key, value, zipped in case.get("text", []):
                info.add_text(key, value, zip=zipped)
            for key, value, lang, tkey, zipped in case.get("itxt", []):
                info.add_itxt(key, value, lang, tkey, zip=zipped)
            save["pnginfo"] = info
        png = os.path.join(folder, case["name"] + ".png")
        im.save(png, "PNG", **save)
        decode_one(png, os.path.join(folder, case["name"] + ".raw"), os.path.join(folder, case["name"] + ".json"))


def main(argv):
    cmd = argv[1]
    if cmd == "generate":
        generate(argv[2], argv[3])
    elif cmd == "decode":
        folder = argv[2]
        for name in argv[3:]:
            base = os.path.join(folder, name)
            decode_one(base + ".png", base + ".raw", base + ".json")
    elif cmd == "convert":
        src, w, h, smode, dmode, out = argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], argv[7]
        with open(src, "rb") as f:
            im = Image.frombytes(smode, (w, h), f.read())
        with open(out, "wb") as f:
            f.write(im.convert(dmode).tobytes())
    elif cmd == "text":
        with Image.open(argv[2]) as im:
            im.load()
            text = dict(im.text)
        with open(argv[3], "w", encoding="utf-8") as f:
            json.dump(text, f, ensure_ascii=False)
    elif cmd == "quantize":
        x = np.fromfile(argv[2], dtype="<f4")
        (x * 255).round().astype("uint8").tofile(argv[3])
    elif cmd == "normalize":
        # diffusers pil_to_numpy + normalize on every uint8 value
        x = np.arange(256, dtype=np.uint8)[None, :]
        x = x.astype(np.float32) / 255.0
        (2.0 * x - 1.0).astype("<f4").tofile(argv[2])
    elif cmd == "binarize":
        # diffusers mask path: uint8 / 255 in float32, then binarize at 0.5
        x = np.arange(256, dtype=np.uint8).astype(np.float32) / 255.0
        x[x < 0.5] = 0
        x[x >= 0.5] = 1
        x.astype("<f4").tofile(argv[2])
    elif cmd == "nearest":
        import torch
        with open(argv[2]) as f:
            cases = json.load(f)
        for case in cases:
            b, c, h, w, oh, ow = (case[k] for k in ("b", "c", "h", "w", "oh", "ow"))
            x = torch.from_numpy(np.fromfile(case["input"], dtype="<f4").reshape(b, c, h, w))
            y = torch.nn.functional.interpolate(x, size=(oh, ow), mode="nearest")
            y.numpy().astype("<f4").tofile(case["output"])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
