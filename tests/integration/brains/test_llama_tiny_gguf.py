"""llama-cpp-python against a tiny random-weight GGUF written by the test (no downloaded weights).

The model file is built with the ``gguf`` package (``tests.fakes.tiny_gguf``)
and loaded through the real loading code (``LlamaEngine`` / ``LocalLLM``).
Needs ``pip install 'mantis[llama]'`` (llama-cpp-python compiles for a long
time, so CI without it skips these tests).
"""

from __future__ import annotations

import json

import anyio
import pytest

llama_cpp = pytest.importorskip(
    "llama_cpp", reason="llama-cpp-python is not installed: pip install 'mantis[llama]'"
)
pytest.importorskip("gguf", reason="gguf is not installed: pip install 'mantis[llama]'")
jsonschema = pytest.importorskip("jsonschema")

from mantis.brains.engine import ChatRequest  # noqa: E402
from mantis.brains.llama import LlamaEngine  # noqa: E402
from mantis.brains.local_llm import LocalLLM, grammar_schema  # noqa: E402
from mantis.brains.providers.decomposition import micro_plan_schema  # noqa: E402
from mantis.brains.providers.local_llm_providers import LocalDecomposer  # noqa: E402
from mantis.errors import PlanError  # noqa: E402
from tests.fakes.tiny_gguf import write_tiny_llama  # noqa: E402

pytestmark = pytest.mark.anyio

VERDICT = {
    "type": "object",
    "properties": {
        "answer": {"enum": ["yes", "no"]},
        "ok": {"type": "boolean"},
        "note": {"type": "string", "maxLength": 8},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3},
    },
    "required": ["answer", "ok", "note", "tags"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_tiny_llama(tmp_path_factory.mktemp("gguf") / "tiny.gguf"))


@pytest.mark.timeout(120)
async def test_engine_loads_the_gguf_once_and_constrained_output_is_schema_valid(model_path):
    engine = LlamaEngine(model_path, n_gpu_layers=0, n_ctx=1024, concurrency=2)
    request = ChatRequest(
        messages=[{"role": "user", "content": "Is the form submitted?"}],
        json_schema=VERDICT,
        max_tokens=400,
    )
    async with anyio.create_task_group() as tg:
        replies = []

        async def one() -> None:
            replies.append(await engine.complete(request))

        tg.start_soon(one)
        tg.start_soon(one)
    llm = engine.load()
    assert isinstance(llm, llama_cpp.Llama) and engine.load() is llm  # loaded once, shared
    assert llm.n_vocab() == 354 and engine.load_s > 0
    for reply in replies:
        value = json.loads(reply.text)
        jsonschema.validate(value, VERDICT)
        assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
        assert reply.engine_s > 0
    assert replies[0].text == replies[1].text  # greedy decoding is deterministic


async def test_local_llm_complete_json_parses_and_reports_usage(model_path):
    llm = LocalLLM(model_path, n_gpu_layers=0, n_ctx=1024)
    reply = await llm.complete_json("Answer.", VERDICT, system="Reply in JSON.", max_tokens=400)
    assert reply.error is None
    jsonschema.validate(reply.value, VERDICT)
    assert reply.usage.output_tokens > 0 and reply.engine_s > 0


async def test_truncated_output_is_an_error_not_an_exception(model_path):
    llm = LocalLLM(model_path, n_gpu_layers=0, n_ctx=1024)
    reply = await llm.complete_json("Answer.", VERDICT, max_tokens=3)
    assert reply.value is None and reply.error == "the model's answer ran out of tokens"


def test_the_plan_schema_becomes_a_llama_grammar():
    schema = json.dumps(grammar_schema(micro_plan_schema()))
    grammar = llama_cpp.LlamaGrammar.from_json_schema(schema, verbose=False)
    assert grammar is not None


async def test_local_decomposer_runs_the_model_and_retries_once(model_path):
    seen = []
    llm = LocalLLM(model_path, n_gpu_layers=0, n_ctx=4096)  # the rules are ~1300 char tokens
    decomposer = LocalDecomposer(
        llm, on_reply=lambda bucket, reply: seen.append((bucket, reply)), max_tokens=48
    )
    with pytest.raises(PlanError) as err:  # random weights cannot write a plan in 48 tokens
        await decomposer.decompose("open http://shop.test and press Buy")
    assert [bucket for bucket, _ in seen] == ["local_decompose", "local_decompose"]
    assert all(r.usage.output_tokens > 0 and r.text for _, r in seen)
    assert err.value.extra["errors"]
