"""Write a tiny random-weight llama-architecture GGUF with the ``gguf`` package.

What llama.cpp needs to load a ``llama`` model: the architecture hyper-parameters
(context, embedding, blocks, feed-forward, heads, KV heads, RMS epsilon, rope
dimensions), a tokenizer (here SentencePiece-style ``llama``: ``<unk> <s> </s>``,
the 256 ``<0xNN>`` byte-fallback tokens so any text encodes, ``▁`` and the
printable ASCII characters as pieces, plus bos/eos/unk ids) and the tensors of
every block. A chat template is included so chat completion uses it. Weights are
seeded random normals: the model is nonsense, but it loads and runs through the
real code, and grammar-constrained decoding still has to produce valid JSON.
"""

from __future__ import annotations

from pathlib import Path


def write_tiny_llama(
    path: Path,
    *,
    n_embd: int = 64,
    n_head: int = 4,
    n_head_kv: int = 2,
    n_ff: int = 128,
    n_layer: int = 2,
    n_ctx: int = 4096,
    seed: int = 0,
) -> Path:
    import gguf
    import numpy as np

    rng = np.random.default_rng(seed)
    ascii_pieces = [chr(c) for c in range(0x21, 0x7F)]
    tokens = [
        "<unk>",
        "<s>",
        "</s>",
        *(f"<0x{b:02X}>" for b in range(256)),
        "\u2581",
        *ascii_pieces,
    ]
    unknown, control, normal, byte = 2, 3, 1, 6  # llama.cpp token types
    types = [unknown, control, control] + [byte] * 256 + [normal] * (1 + len(ascii_pieces))
    n_vocab = len(tokens)

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("mantis-tiny-random")
    w.add_context_length(n_ctx)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(n_embd // n_head)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant: "
    )

    def tensor(name: str, *shape: int, ones: bool = False) -> None:
        # numpy shape is (rows, cols); gguf stores it reversed as ggml's ne
        data = np.ones(shape) if ones else rng.standard_normal(shape) * 0.02
        w.add_tensor(name, data.astype(np.float32))

    head = n_embd // n_head
    tensor("token_embd.weight", n_vocab, n_embd)
    tensor("output_norm.weight", n_embd, ones=True)
    tensor("output.weight", n_vocab, n_embd)
    for i in range(n_layer):
        tensor(f"blk.{i}.attn_norm.weight", n_embd, ones=True)
        tensor(f"blk.{i}.attn_q.weight", n_embd, n_embd)
        tensor(f"blk.{i}.attn_k.weight", head * n_head_kv, n_embd)
        tensor(f"blk.{i}.attn_v.weight", head * n_head_kv, n_embd)
        tensor(f"blk.{i}.attn_output.weight", n_embd, n_embd)
        tensor(f"blk.{i}.ffn_norm.weight", n_embd, ones=True)
        tensor(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
