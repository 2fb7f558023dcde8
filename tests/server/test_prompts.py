"""Prompts through a real `mcp.Client`, and the template loader's refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mcp import Client, MCPError
from mcp.server import MCPServer

from seg_mcp.server import prompts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> MCPServer:
    server = MCPServer("prompts-under-test")
    prompts.register(server)
    return server


async def test_lists_the_four_prompts_with_their_arguments(server: MCPServer) -> None:
    async with Client(server) as mcp:
        listed = await mcp.list_prompts()
    got = {p.name: [(a.name, a.required) for a in p.arguments or []] for p in listed.prompts}
    assert got == {
        "activate-audience": [
            ("segment", True),
            ("dataset_id", False),
            ("schedule", False),
            ("sandbox", False),
        ],
        "audit-audiences": [("sandbox", False), ("focus", False)],
        "build-audience": [("description", True), ("sandbox", False), ("name", False)],
        "explain-audience": [("segment", True), ("sandbox", False)],
    }
    assert all(p.description and p.title for p in listed.prompts)


async def test_build_audience_fills_arguments_and_defaults(server: MCPServer) -> None:
    async with Client(server) as mcp:
        result = await mcp.get_prompt(
            "build-audience", {"description": "US shoppers who bought in the last 30 days"}
        )
    (message,) = result.messages
    assert message.role == "user"
    text = message.content.text  # type: ignore[union-attr]
    assert "> US shoppers who bought in the last 30 days\n" in text
    assert "Sandbox: the default sandbox. Name: a short name you propose." in text
    assert "{{" not in text
    # the workflow's order: fields, check, size, confirm, save
    steps = [text.index(t) for t in ("find_fields", "check_pql", "preview_audience", "confirm")]
    assert steps == sorted(steps)
    assert text.index("save_segment_definition") > steps[-1]


async def test_given_arguments_replace_the_defaults(server: MCPServer) -> None:
    async with Client(server) as mcp:
        result = await mcp.get_prompt(
            "activate-audience", {"segment": "seg-42", "sandbox": "dev", "schedule": "hourly"}
        )
    text = result.messages[0].content.text  # type: ignore[union-attr]
    assert text.startswith("Activate the audience seg-42 in sandbox dev.\n")
    assert "Export dataset: not given yet: ask the user. Evaluation schedule: hourly." in text
    # single braces are quoted URI templates, left alone
    assert "`segment-definition://{sandbox}/{id}`" in text


async def test_a_missing_required_argument_is_refused(server: MCPServer) -> None:
    async with Client(server) as mcp:
        with pytest.raises(MCPError) as caught:
            await mcp.get_prompt("explain-audience", {"sandbox": "dev"})
    assert caught.value.error.code == -32602
    assert caught.value.error.message == "prompt 'explain-audience' needs segment"


async def test_an_unknown_argument_is_refused(server: MCPServer) -> None:
    async with Client(server) as mcp:
        with pytest.raises(MCPError) as caught:
            await mcp.get_prompt("explain-audience", {"segment": "x", "audience": "y"})
    assert caught.value.error.code == -32602
    assert caught.value.error.message == (
        "prompt 'explain-audience' has no argument audience; its arguments are: segment, sandbox"
    )


def test_the_repository_prompts_folder_is_the_packaged_one() -> None:
    packaged = Path(str(prompts.resources.files("seg_mcp") / "prompts"))
    assert (REPO / "prompts").resolve() == packaged.resolve()
    names = sorted(p.stem for p in packaged.glob("*.md"))
    assert names == [t.name for t in prompts.load_templates()]


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


GOOD = '+++\nname = "hello"\ndescription = "Say hello."\n\n[[arguments]]\nname = "who"\n'
GOOD += 'description = "Whom to greet."\nrequired = true\n+++\nHello {{who}}!\n'


def test_a_template_renders_its_text(tmp_path: Path) -> None:
    (template,) = prompts.load_templates(_write(tmp_path, "hello.md", GOOD))
    assert template.render({"who": "Ada"}) == "Hello Ada!\n"
    with pytest.raises(ValueError, match=r"^prompt 'hello' has no argument whom; its arguments "):
        template.render({"who": "Ada", "whom": "Bob"})
    with pytest.raises(ValueError, match=r"^prompt 'hello' needs who$"):
        template.render({})


@pytest.mark.parametrize(
    ("file_name", "text", "error"),
    [
        ("hello.md", "Hello {{who}}\n", "hello.md: the file must start with a +++ line"),
        ("hello.md", '+++\nname = "hello"\n', "hello.md: the front matter has no closing +++"),
        (
            "hello.md",
            "+++\nname = hello\n+++\nHi\n",
            "hello.md: the front matter is not TOML: ",
        ),
        (
            "hello.md",
            GOOD.replace("Hello {{who}}!", "Hello {{whom}}!"),
            "hello.md: front matter: Value error, the text uses {{whom}} but declares no such "
            "argument (declared: who)",
        ),
        (
            "hello.md",
            GOOD.replace('description = "Say hello."\n', ""),
            "hello.md: description: Field required",
        ),
        (
            "hello.md",
            GOOD.replace("required = true", 'required = true\ndefault = "you"'),
            "hello.md: arguments.0: Value error, argument 'who' is required, so it cannot have a "
            "default",
        ),
        ("greet.md", GOOD, "greet.md: names the prompt 'hello'"),
    ],
)
def test_a_broken_template_fails_loading_with_file_and_fix(
    tmp_path: Path, file_name: str, text: str, error: str
) -> None:
    folder = _write(tmp_path / "prompts", file_name, text)
    with pytest.raises(prompts.PromptTemplateError) as caught:
        prompts.load_templates(folder)
    assert str(caught.value).startswith(error)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(prompts.PromptTemplateError, match=r"^no prompt templates \(\*\.md\) in "):
        prompts.load_templates(tmp_path)


def test_every_placeholder_of_the_shipped_prompts_is_declared() -> None:
    for template in prompts.load_templates():
        used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", template.body))
        assert used == {a.name for a in template.arguments}, template.name
