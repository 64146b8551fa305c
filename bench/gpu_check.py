"""GPU check: a tiny random-weight Qwen2.5-VL through the in-process vLLM path, one think.

    python bench/gpu_check.py [--screenshot page.png] [--keep DIR]

Only for a GPU machine with ``pip install 'mantis[vllm]'`` (vLLM brings torch
and transformers). It is never run by the tests or CI, and nothing depends on
it passing. Without vLLM, torch, transformers or a CUDA device it prints why
and exits 0. Steps, each timed:

1. build a Qwen2.5-VL checkpoint in a temp dir: a byte-level BPE tokenizer with
   Qwen's special tokens and chat template, an image processor, a config with
   2 text + 2 vision layers, random bf16 weights (no download);
2. load it with ``mantis.brains.vllm.VllmEngine`` (the in-process engine the
   registry builds for fara / opencua / evocua);
3. run ``VisionBrain.think`` with the OpenCUA family on a 1280x720 screenshot
   (``--screenshot``, else a form page drawn with PIL) twice, cold and warm,
   and print the latencies. The model's answer is noise; a parse failure is
   expected and reported, not an error.

Exit code: 0 when it ran or could not run here; 1 when a step failed on a GPU.
A watchdog stops it after 7.5 minutes.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
# The Qwen2-VL chat template, reduced to text and image parts.
TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' or 'image' in part or 'image_url' in part %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif 'text' in part %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WATCHDOG_S = 450


def why_not_here() -> str | None:
    for module, extra in (("torch", "vllm"), ("transformers", "vllm"), ("vllm", "vllm")):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install 'mantis[{extra}]')"
    import torch

    if not torch.cuda.is_available():
        return "no CUDA device is visible to torch"
    return None


def build_checkpoint(out: Path) -> dict[str, Any]:
    """Write tokenizer, processor, config and random weights of a tiny Qwen2.5-VL to ``out``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
        Qwen2TokenizerFast,
        Qwen2VLImageProcessor,
    )

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    core = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(alphabet)}, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens(SPECIALS)
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=core,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
    )
    tokenizer.chat_template = TEMPLATE
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIALS}
    images = Qwen2VLImageProcessor(min_pixels=56 * 56, max_pixels=1280 * 28 * 28)
    processor = Qwen2_5_VLProcessor(
        image_processor=images, tokenizer=tokenizer, chat_template=TEMPLATE
    )

    text = {
        "vocab_size": 512,
        "hidden_size": 256,
        "intermediate_size": 512,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,  # head_dim 64
        "num_key_value_heads": 2,
        "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1_000_000.0,
        "rope_scaling": {"type": "mrope", "rope_type": "default", "mrope_section": [8, 12, 12]},
        "hidden_act": "silu",
        "tie_word_embeddings": False,
        "use_sliding_window": False,
        "torch_dtype": "bfloat16",
    }
    vision = {
        "depth": 2,
        "hidden_size": 128,
        "intermediate_size": 256,
        "num_heads": 2,
        "out_hidden_size": text["hidden_size"],
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "window_size": 112,
        "fullatt_block_indexes": [1],
        "in_chans": 3,
        "hidden_act": "silu",
    }
    config = Qwen2_5_VLConfig(
        text_config=dict(text),
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        **text,  # older transformers read the text settings from the top level
    )
    torch.manual_seed(0)
    model = Qwen2_5_VLForConditionalGeneration(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    tokenizer.save_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    return {"params": params, "vocab": len(tokenizer), "special_ids": ids}


def screenshot(path: str | None) -> Any:
    from PIL import Image, ImageDraw

    from mantis.gym.base import Screenshot

    if path:
        return Screenshot.from_image(Image.open(path))
    img = Image.new("RGB", (1280, 720), (250, 250, 250))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 1280, 64), fill=(35, 47, 62))
    d.text((24, 24), "Demo shop - Sign in", fill=(255, 255, 255))
    for i, label in enumerate(("Email", "Password")):
        top = 160 + i * 90
        d.text((440, top), label, fill=(20, 20, 20))
        d.rectangle((440, top + 20, 840, top + 56), outline=(120, 120, 120), width=2)
    d.rectangle((440, 360, 560, 400), fill=(30, 110, 220))
    d.text((470, 374), "Sign in", fill=(255, 255, 255))
    return Screenshot.from_image(img)


async def think_twice(model_dir: Path, shot: Any) -> dict[str, Any]:
    from mantis.brains.opencua import OpenCUA
    from mantis.brains.vision import VisionBrain
    from mantis.brains.vllm import VllmEngine

    engine = VllmEngine(str(model_dir), gpu_memory_utilization=0.4, max_model_len=8192)
    started = time.perf_counter()
    await engine.engine()
    load_s = time.perf_counter() - started
    brain = VisionBrain("opencua-32b", OpenCUA("opencua-32b"), engine, max_tokens=64)
    screen = (shot.width, shot.height)
    runs = []
    for label in ("cold", "warm"):
        inference = await brain.think([shot], "Click the Sign in button", [], screen)
        runs.append(
            {
                "run": label,
                "latency_s": round(inference.latency_s, 3),
                "input_tokens": inference.usage.input_tokens,
                "output_tokens": inference.usage.output_tokens,
                "action": type(inference.action).__name__ if inference.action else None,
                "parse_error": inference.error,
            }
        )
    return {"engine_load_s": round(load_s, 2), "thinks": runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenshot", help="a PNG screenshot to think on (default: drawn)")
    parser.add_argument("--keep", help="write the checkpoint here instead of a temp dir")
    args = parser.parse_args()
    reason = why_not_here()
    if reason is not None:
        print(f"gpu_check: skipped: {reason}")
        return 0

    def watchdog(signum: int, frame: Any) -> None:
        print(f"gpu_check: FAILED: still running after {WATCHDOG_S} s", flush=True)
        raise SystemExit(1)

    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(WATCHDOG_S)
    import anyio
    import torch

    report: dict[str, Any] = {"device": torch.cuda.get_device_name(0)}
    with tempfile.TemporaryDirectory(prefix="mantis-qwen25vl-") as tmp:
        model_dir = Path(args.keep or tmp)
        model_dir.mkdir(parents=True, exist_ok=True)
        stage = "build checkpoint"
        try:
            started = time.perf_counter()
            report["checkpoint"] = build_checkpoint(model_dir)
            report["build_s"] = round(time.perf_counter() - started, 2)
            stage = "vLLM load and think"
            report.update(anyio.run(think_twice, model_dir, screenshot(args.screenshot)))
        except Exception as exc:  # report the stage, then fail visibly
            print(json.dumps(report, indent=2))
            print(f"gpu_check: FAILED at {stage}: {type(exc).__name__}: {exc}")
            return 1
    print(json.dumps(report, indent=2))
    warm = report["thinks"][-1]["latency_s"]
    print(f"gpu_check: ok: engine load {report['engine_load_s']} s, warm think {warm} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
